// Launcher of prefill attention on tile products (shaders/attention_mma.comp, shaders/mma.glsl):
// f32_attention_mma on the device's matrix units, or f32_attention_mma_emulated, as
// host::Device::mma() says (_f16kv_ forms for an fp16 cache). encode_attention calls it for steps
// of more than one token where attention_mma_runs(); the arguments and results are its own, with
// q, k, p and v rounded to two fp16 parts each (products exact, sums fp32).
#pragma once
#include <string>

#include "backend/kernels/kv_cache.h"
#include "shaders/attention_kernel_push.h"

namespace ossvk {

// The kernel's shared memory for heads of head_dim: Q and P, K and V transposed (two fp16 parts
// or one packed word each), two 16 x 16 staging tiles of two floats, and a float per row.
uint32_t attention_mma_shared_bytes(uint32_t head_dim);

// Whether prefill attention of these dims runs on tile products on `device`: it runs them, head
// sizes are a multiple of 16 and the tiles fit its shared memory (else the scalar kernel).
bool attention_mma_runs(const host::Device& device, const AttentionDims& dims);

// f32_attention_mma or f32_attention_mma_emulated (f32_f16kv_ forms for an fp16 cache), as the
// device runs tile products.
std::string attention_mma_kernel(const host::Device& device, bool f16_cache);

// Records the kernel for the step `push` describes (encode_attention checked and filled it; one
// run of keys, no scratch).
host::Status encode_attention_mma(host::Device& device, host::CommandStream& stream,
                                  const AttentionDims& dims, bool f16_cache,
                                  const shaders::AttentionPush& push);

}  // namespace ossvk
