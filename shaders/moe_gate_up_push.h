// Push constants of f32_<fmt>w_moe_gate_up. Expert weights are 2-D matrices of experts x rows;
// a dispatch covers the experts [expert_begin, expert_end) held by one part of them.
#include "push_macros.h"

// act[t * top_k + s][j] = SwiGLU(gate_e[j] . x[t] + gate_bias + addend[p][j], up_e[j] . x[t] +
// up_bias + addend[p][ff + j]), e = ids[t][s], p = t * top_k + s; the addends (a LoRA adapter's
// side path) only where flags say so.
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
  OSSVK_PTR(FloatBuf, act);     // [tokens * top_k][ff]
  OSSVK_PTR(FloatBuf, addend);  // [tokens * top_k][2 * ff]: gate's, then up's
  uint32_t hidden;
  uint32_t ff;
  uint32_t tokens;
  uint32_t top_k;
  uint32_t expert_begin;
  uint32_t expert_end;
  uint32_t group_shift;
  uint32_t flags;  // bits 0, 2: bf16, f32 affine scales; bits 3, 4: gate, up addends
}
OSSVK_PUSH_END

// kRows rows per subgroup; kAlpha, kLimit: the clamped SwiGLU; kEntries (token, slot) entries a
// workgroup takes one after another; kStageBlocks blocks of the token's activations staged in
// shared memory (shaders/stage_activations.glsl; 0: none, else hidden / 32); kLaneTables:
// decoders may use tables held an entry a lane (LANE_TABLES, shaders/weight_format.glsl);
// kTiledRows: the experts lie in row tiles (tiled_block, weight_format.glsl).
#define OSSVK_MOE_GATE_UP_SPEC(X)                  \
  X(0, local_size, kInvocations, invocations, 64u) \
  X(1, uint, kRows, rows, 4u)                      \
  X(2, float, kAlpha, swiglu_alpha, 1.702f)        \
  X(3, float, kLimit, swiglu_limit, 7.0f)          \
  X(4, uint, kEntries, entries, 1u)                \
  X(5, uint, kStageBlocks, stage_blocks, 0u)       \
  X(6, bool, kLaneTables, lane_tables, false)      \
  X(7, bool, kTiledRows, tiled_rows, false)
OSSVK_SPEC_STRUCT(MoeGateUpSpec, OSSVK_MOE_GATE_UP_SPEC)
