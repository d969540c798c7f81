// Where the matvec's RoPE epilogue (shaders/matvec.comp, kRopeDim; shaders/rope_epilogue.glsl)
// puts one layer's step: q rotated and scaled, k rotated and v into the cache slot of each
// position. The host writes one per layer of a session (backend/kernels/rope_kv_write.h).
#ifndef OSSVK_SHADERS_ROPE_TARGET_H
#define OSSVK_SHADERS_ROPE_TARGET_H
#include "push_macros.h"

OSSVK_BUFFER(RopeTarget) {
  OSSVK_PTR(Vec2Buf, table);   // [position][d / 2]: (cos, sin) * concentration
  OSSVK_PTR(FloatBuf, q);      // [tokens][heads * d]
  OSSVK_PTR(U32Buf, k_cache);  // [ring][kv_heads * d], f32 words or f16 halves
  OSSVK_PTR(U32Buf, v_cache);
  uint32_t ring;  // cache slots
  uint32_t heads;
  uint32_t kv_heads;
  uint32_t f16;  // nonzero: the caches hold fp16
  float q_scale;
  uint32_t pad;
}
OSSVK_BUFFER_END

#endif
