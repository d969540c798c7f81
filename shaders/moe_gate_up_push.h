// Push constants of f32_<fmt>w_moe_gate_up. Expert weights are 2-D matrices of experts x rows;
// a dispatch covers the experts [expert_begin, expert_end) held by one part of them.
#include "push_macros.h"

// act[t * top_k + s][j] = SwiGLU(gate_e[j] . x[t] + gate_bias, up_e[j] . x[t] + up_bias), e =
// ids[t][s].
OSSVK_PUSH(MoeGateUpPush) {
  OSSVK_PTR(UVec4Buf, gate_quants);
  OSSVK_PTR(U8Buf, gate_scales);
  OSSVK_PTR(U32Buf, gate_aux);
  OSSVK_PTR(UVec4Buf, up_quants);
  OSSVK_PTR(U8Buf, up_scales);
  OSSVK_PTR(U32Buf, up_aux);
  OSSVK_PTR(FloatBuf, gate_bias);  // [experts][ff]
  OSSVK_PTR(FloatBuf, up_bias);
  OSSVK_PTR(Vec4Buf, x);  // [tokens][hidden], normalised
  OSSVK_PTR(U32Buf, ids);
  OSSVK_PTR(FloatBuf, act);  // [tokens * top_k][ff]
  uint32_t hidden;
  uint32_t ff;
  uint32_t tokens;
  uint32_t top_k;
  uint32_t expert_begin;
  uint32_t expert_end;
  uint32_t group_blocks;
  uint32_t flags;
}
OSSVK_PUSH_END
