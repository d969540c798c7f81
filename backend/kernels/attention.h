// Launchers of the attention step: f32_rope_kv_write and f32_attention (+ f32_attention_decode
// for one-token steps, f32_attention_reduce for long decode contexts), with the per-layer K/V
// cache and the RoPE table they use (docs/model.md, "One block"). RMSNorm: rmsnorm.h.
#pragma once
#include "host/transfer.h"

namespace ossvk {

struct AttentionDims {
  uint32_t heads = 64;
  uint32_t kv_heads = 8;
  uint32_t head_dim = 64;
  uint32_t window = 0;  // 0: full causal; else keys i-window+1 .. i
};

struct YarnParams {
  double theta = 150000.0;
  double factor = 32.0;  // 1: plain RoPE
  double original_context = 4096.0;
  double beta_fast = 32.0;
  double beta_slow = 1.0;
};

// (cos, sin) x concentration per position and frequency, computed on the host in double: the
// angles of late positions keep full precision, whatever the device's sin/cos.
struct RopeTable {
  host::Buffer table;  // [positions][head_dim / 2] vec2
  uint32_t positions = 0;
  uint32_t head_dim = 0;
};
host::Result<RopeTable> upload_rope_table(host::Device& device, host::Transfer& transfer,
                                          const YarnParams& yarn, uint32_t head_dim,
                                          uint32_t positions);

// One layer's K and V. A full-attention layer keeps every position (ring = capacity); a
// sliding-window layer keeps only window + max_step_tokens slots, reused as a ring.
struct KvCache {
  host::Buffer k, v;      // [ring][kv_heads * head_dim], f32 or f16
  uint32_t capacity = 0;  // positions this cache accepts (0 .. capacity - 1)
  uint32_t ring = 0;
  uint32_t max_step_tokens = 0;
  bool f16 = false;
};
host::Result<KvCache> create_kv_cache(host::Device& device, const AttentionDims& dims,
                                      uint32_t capacity, uint32_t max_step_tokens, bool f16);

// Checks the dims against what the kernels support (head_dim a multiple of 4 up to 128, whole
// query-head groups of at most 64).
host::Status check_attention_dims(const AttentionDims& dims);

// Decode attention splits its keys into runs when more than this many are visible.
inline constexpr uint32_t kDecodeSplitAbove = 512;

// `replay` (encode_rope_kv_write and encode_attention): a decode step recorded once and replayed,
// one token with first_pos 0, its position read on the device.
struct ReplayPosition {
  const host::Buffer* buffer;  // word 0: the position, written before each submission
  uint32_t limit;              // every position it runs at is below this; the work is sized so
};

// qkv [tokens][(heads + 2 kv_heads) * head_dim] at positions first_pos.. -> q [tokens][heads *
// head_dim] (rotated, scaled by 1/sqrt(head_dim)) and the cache. Fails, recording nothing, if a
// position exceeds the cache or the table.
host::Status encode_rope_kv_write(host::Device& device, host::CommandStream& stream,
                                  const host::Buffer& qkv, uint32_t tokens, uint32_t first_pos,
                                  const AttentionDims& dims, const RopeTable& rope,
                                  const host::Buffer& q, KvCache& cache,
                                  const ReplayPosition* replay = nullptr);

// Scratch f32_attention needs for `tokens` queries; 0 when it needs none.
uint64_t attention_scratch_bytes(const AttentionDims& dims, uint32_t tokens,
                                 uint32_t last_position);

// out [tokens][heads * head_dim] = attention of q over the cache (after encode_rope_kv_write and a
// barrier). sinks [heads]. scratch may be null when attention_scratch_bytes() is 0.
host::Status encode_attention(host::Device& device, host::CommandStream& stream,
                              const host::Buffer& q, uint32_t tokens, uint32_t first_pos,
                              const AttentionDims& dims, const KvCache& cache,
                              const host::Buffer& sinks, const host::Buffer& out,
                              const host::Buffer* scratch, const ReplayPosition* replay = nullptr);

}  // namespace ossvk
