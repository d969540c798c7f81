// Launcher of f32_attention (shaders/attention.comp; f32_attention_decode for one-token steps,
// f32_attention_reduce joining the key splits of long decode contexts): attention with the
// per-head sink, causal mask, sliding window and GQA over the layer's cache (docs/model.md, "One
// block"). The cache is filled first by f32_rope_kv_write (rope_kv_write.h).
#pragma once
#include <string>

#include "backend/kernels/kv_cache.h"

namespace ossvk {

// Decode attention splits its keys into runs when more than this many are visible.
inline constexpr uint32_t kDecodeSplitAbove = 512;

// Scratch f32_attention needs for `tokens` queries; 0 when it needs none.
uint64_t attention_scratch_bytes(const AttentionDims& dims, uint32_t tokens,
                                 uint32_t last_position);

// Whether encode_attention takes a step of `tokens` on tile products (attention_mma.h): a prefill
// step where attention_mma_runs().
bool attention_on_tiles(const host::Device& device, const AttentionDims& dims, uint32_t tokens);

// The kernel encode_attention records for a step of `tokens` (the first of two for long decode
// contexts): f32_attention_decode for one token, else f32_attention_mma (or its emulation) where
// attention_on_tiles(), else f32_attention; f32_f16kv_ forms for an fp16 cache.
std::string attention_kernel(const host::Device& device, const AttentionDims& dims, uint32_t tokens,
                             bool f16_cache);

// out [tokens][heads * head_dim] = attention of q over the cache (after encode_rope_kv_write and a
// barrier). sinks [heads]. scratch may be null when attention_scratch_bytes() is 0.
host::Status encode_attention(host::Device& device, host::CommandStream& stream,
                              const host::Buffer& q, uint32_t tokens, uint32_t first_pos,
                              const AttentionDims& dims, const KvCache& cache,
                              const host::Buffer& sinks, const host::Buffer& out,
                              const host::Buffer* scratch, const ReplayPosition* replay = nullptr);

}  // namespace ossvk
