// The per-layer K/V cache that f32_rope_kv_write fills and the attention kernels read, the
// attention shapes the kernels take, and how a replayed decode step gives its position.
#pragma once
#include "host/transfer.h"

namespace ossvk {

struct AttentionDims {
  uint32_t heads = 64;
  uint32_t kv_heads = 8;
  uint32_t head_dim = 64;
  uint32_t window = 0;  // 0: full causal; else keys i-window+1 .. i
};

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

// `replay` (encode_rope_kv_write and encode_attention): a decode step recorded once and replayed,
// one token with first_pos 0, its position read on the device.
struct ReplayPosition {
  const host::Buffer* buffer;  // word 0: the position, written before each submission
  uint32_t limit;              // every position it runs at is below this; the work is sized so
};

// An error naming `kernel` unless `replay` is null or a one-token step at first_pos 0 whose
// position buffer exists, below a limit of at least one position.
host::Status check_replay(const ReplayPosition* replay, uint32_t tokens, uint32_t first_pos,
                          const char* kernel);

}  // namespace ossvk
