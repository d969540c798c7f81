// f32_attention at gpt-oss shapes (64 query heads over 8 KV heads of 64): decode over a filled
// cache (GB/s over the K/V bytes read) and causal prefill (GFLOP/s), verified first.
#pragma once
#include "bench_case.h"

namespace ossvk::bench {
Case attention_decode_case(host::Device& device, host::Transfer& transfer, uint32_t context,
                           int runs);
Case attention_prefill_case(host::Device& device, host::Transfer& transfer, uint32_t tokens,
                            int runs);
}  // namespace ossvk::bench
