// Push constants of f32_rope_kv_write (and its f16-cache variant).
#include "push_macros.h"

// qkv [tokens][(heads + 2 kv_heads) * d] -> q [tokens][heads * d] rotated and scaled by
// q_scale; k rotated and v copied into the cache at slot = position % ring.
OSSVK_PUSH(RopePush) {
  OSSVK_PTR(FloatBuf, qkv);
  OSSVK_PTR(Vec2Buf, table);  // [position][d / 2]: (cos, sin) * concentration
  OSSVK_PTR(FloatBuf, q);
  OSSVK_PTR(U32Buf, k_cache);  // f32 words, or f16 pairs in the f16 variant
  OSSVK_PTR(U32Buf, v_cache);
  OSSVK_PTR(U32Buf, position);  // word 0 is added to first_pos: a replayed step's, else 0
  uint32_t tokens;
  uint32_t first_pos;
  uint32_t heads;
  uint32_t kv_heads;
  uint32_t ring;  // cache slots
  float q_scale;
}
OSSVK_PUSH_END

#define OSSVK_ROPE_SPEC(X) X(0, uint, kHeadDim, head_dim, 64u)
OSSVK_SPEC_STRUCT(RopeSpec, OSSVK_ROPE_SPEC)
