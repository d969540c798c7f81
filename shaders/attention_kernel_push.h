// Push constants of f32_attention and f32_attention_reduce.
#include "push_macros.h"

OSSVK_PUSH(AttentionPush) {
  OSSVK_PTR(FloatBuf, q);      // [tokens][heads * d], already scaled by 1/sqrt(d)
  OSSVK_PTR(U32Buf, k_cache);  // [ring][kv_heads * d]
  OSSVK_PTR(U32Buf, v_cache);
  OSSVK_PTR(FloatBuf, sinks);    // [heads]
  OSSVK_PTR(FloatBuf, result);   // [tokens][heads * d]
  OSSVK_PTR(FloatBuf, partial);  // [splits][tokens][heads][d + 2]: m, l, acc; when splits > 1
  OSSVK_PTR(U32Buf, position);   // when set, its word 0 is added to first_pos (a replayed step)
  uint32_t tokens;
  uint32_t first_pos;
  uint32_t heads;
  uint32_t kv_heads;
  uint32_t ring;
  uint32_t window;      // 0: full causal
  uint32_t split_keys;  // keys per split (a multiple of the key tile); splits > 1 only
  uint32_t splits;
}
OSSVK_PUSH_END
