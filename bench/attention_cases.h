// f32_attention at gpt-oss shapes (64 query heads over 8 KV heads of 64): decode over a filled
// cache (GB/s over the K/V bytes read) and causal prefill (GFLOP/s), verified first.
#pragma once
#include "bench_case.h"

namespace ossvk::bench {
CaseResult bench_attention_decode(host::Device& device, host::Transfer& transfer, uint32_t context,
                                  int runs);
CaseResult bench_attention_prefill(host::Device& device, host::Transfer& transfer, uint32_t tokens,
                                   int runs);
}  // namespace ossvk::bench
