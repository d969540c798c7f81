// Push constants of f32_<fmt>w_moe_norm_route.
#include "push_macros.h"

// normed[t] = RMSNorm(x[t]) * gain; the router's logits W normed[t] + bias (W: experts x hidden,
// its planes as in matmul_push.h), plus addend where flags say so (a LoRA side path's);
// ids and weights [tokens][top_k]: the top_k logits and the softmax over them.
OSSVK_PUSH(MoeNormRoutePush) {
  OSSVK_PTR(UVec4Buf, quants);
  OSSVK_PTR(U8Buf, scales);
  OSSVK_PTR(U32Buf, aux);
  OSSVK_PTR(Vec4Buf, x);       // [tokens][hidden]
  OSSVK_PTR(Vec4Buf, gain);    // [hidden]
  OSSVK_PTR(FloatBuf, bias);   // [experts]
  OSSVK_PTR(Vec4Buf, normed);  // [tokens][hidden]
  OSSVK_PTR(U32Buf, ids);
  OSSVK_PTR(FloatBuf, weights);
  OSSVK_PTR(FloatBuf, addend);  // [tokens][experts]
  uint32_t hidden;
  uint32_t experts;
  uint32_t top_k;
  uint32_t group_shift;  // as in matmul_push.h
  uint32_t flags;        // bits 0, 2: MLX affine scales and biases are bf16, f32; 3: addend
  float eps;
}
OSSVK_PUSH_END

// kStageBlocks: hidden / 32, the normalised row's blocks, all staged in shared memory.
#define OSSVK_MOE_NORM_ROUTE_SPEC(X)                \
  X(0, local_size, kInvocations, invocations, 256u) \
  X(1, uint, kStageBlocks, stage_blocks, 90u)
OSSVK_SPEC_STRUCT(MoeNormRouteSpec, OSSVK_MOE_NORM_ROUTE_SPEC)
