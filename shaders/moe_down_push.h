// Push constants of f32_<fmt>w_moe_down (experts as in moe_gate_up_push.h).
#include "push_macros.h"

// out[t][i] = (accumulate ? result : residual)[t][i] + sum over slots s with e = ids[t][s] in this
// part of weights[t][s] * (down_e[i] . act[t * top_k + s] + down_bias[e][i]).
OSSVK_PUSH(MoeDownPush) {
  OSSVK_PTR(UVec4Buf, quants);
  OSSVK_PTR(U8Buf, scales);
  OSSVK_PTR(U32Buf, aux);
  OSSVK_PTR(FloatBuf, bias);  // [experts][hidden]
  OSSVK_PTR(Vec4Buf, act);
  OSSVK_PTR(U32Buf, ids);
  OSSVK_PTR(FloatBuf, weights);
  OSSVK_PTR(FloatBuf, residual);  // [tokens][hidden]
  OSSVK_PTR(FloatBuf, result);
  uint32_t hidden;
  uint32_t ff;
  uint32_t tokens;
  uint32_t top_k;
  uint32_t expert_begin;
  uint32_t expert_end;
  uint32_t group_shift;
  uint32_t flags;  // bits 0, 2: bf16, f32 affine scales; bit 1: accumulate into out
}
OSSVK_PUSH_END

// kRows rows shared by the workgroup's invocations; kSubgroups at least the workgroup's
// subgroups; kStageBlocks (slot, block) pairs of activations staged in shared memory per step
// (shaders/stage_activations.glsl; 0: none, else the workgroup size); kLaneTables: decoders may
// use tables held an entry a lane (LANE_TABLES, shaders/weight_format.glsl); kTiledRows: the
// experts lie in row tiles (tiled_block, weight_format.glsl).
#define OSSVK_MOE_DOWN_SPEC(X)                     \
  X(0, local_size, kInvocations, invocations, 64u) \
  X(1, uint, kRows, rows, 4u)                      \
  X(2, uint, kSubgroups, subgroups, 8u)            \
  X(3, uint, kStageBlocks, stage_blocks, 0u)       \
  X(4, bool, kLaneTables, lane_tables, false)      \
  X(5, bool, kTiledRows, tiled_rows, false)
OSSVK_SPEC_STRUCT(MoeDownSpec, OSSVK_MOE_DOWN_SPEC)
