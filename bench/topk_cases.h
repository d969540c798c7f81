// f32_topk over a row of GPT-OSS's 201,088 logits (the unembedding's output at decode), verified
// against the host sampler's ordering, beside the host's time to pick the same candidates.
#pragma once
#include "bench_case.h"

namespace ossvk::bench {
Case topk_case(host::Device& device, host::Transfer& transfer, uint32_t n, int runs);
}  // namespace ossvk::bench
