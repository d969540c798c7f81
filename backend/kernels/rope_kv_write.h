// Launcher of f32_rope_kv_write (shaders/rope_kv_write.comp; f32_rope_f16kv_write for an f16
// cache): YaRN RoPE on q and k from a table computed on the host, q scaled, k and v written into
// the layer's cache (docs/model.md, "One block").
#pragma once
#include "backend/kernels/kv_cache.h"
#include "shaders/rope_target.h"

namespace ossvk {

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

// What a step's RoPE and K/V write needs, wherever it runs (here or in the QKV matvec's
// epilogue, backend/kernels/matvec.h): positions within the cache and the table, at most the
// cache's step of tokens, a well-formed replay.
host::Status check_rope_step(uint32_t tokens, uint32_t first_pos, const AttentionDims& dims,
                             const RopeTable& rope, const KvCache& cache,
                             const ReplayPosition* replay);

// Where the QKV matvec's RoPE epilogue writes one layer's step: q, that layer's cache.
shaders::RopeTarget rope_target(const AttentionDims& dims, const RopeTable& rope,
                                const host::Buffer& q, const KvCache& cache);

// qkv [tokens][(heads + 2 kv_heads) * head_dim] at positions first_pos.. -> q [tokens][heads *
// head_dim] (rotated, scaled by 1/sqrt(head_dim)) and the cache. Fails, recording nothing, if a
// position exceeds the cache or the table.
host::Status encode_rope_kv_write(host::Device& device, host::CommandStream& stream,
                                  const host::Buffer& qkv, uint32_t tokens, uint32_t first_pos,
                                  const AttentionDims& dims, const RopeTable& rope,
                                  const host::Buffer& q, KvCache& cache,
                                  const ReplayPosition* replay = nullptr);

}  // namespace ossvk
