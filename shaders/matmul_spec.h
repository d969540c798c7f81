// Specialization constants of f32_<fmt>w_matmul and of the grouped expert matmuls
// (f32_<fmt>w_moe_matmul, f32_<fmt>w_moe_swiglu_matmul), which share shaders/matmul.comp and
// differ in their push constants (matmul_push.h, moe_matmul_push.h).
#ifndef OSSVK_SHADERS_MATMUL_SPEC_H
#define OSSVK_SHADERS_MATMUL_SPEC_H
#include "push_macros.h"

// f32_<fmt>w_matmul and the grouped expert matmuls: a kTileM x kTileN tile per workgroup,
// (kTileM / kThreadM) * (kTileN / kThreadN) invocations each accumulating kThreadM rows x
// kThreadN tokens. kSubgroupRows: the pipeline guarantees full subgroups of kTileN / kThreadN
// invocations, so each subgroup owns a band of rows and its lanes split the tokens (the W reads
// from shared memory are then uniform across the subgroup, which compilers turn into one
// broadcast load: on lavapipe, the difference between a scalar load and an 8-lane gather).
// kAlpha, kLimit: the clamped SwiGLU of f32_<fmt>w_moe_swiglu_matmul. kTiledRows (the grouped
// expert matmuls only): the experts lie in row tiles (tiled_block, shaders/weight_format.glsl).
#define OSSVK_MATMUL_SPEC(X)                       \
  X(0, local_size, kInvocations, invocations, 64u) \
  X(1, uint, kTileM, tile_m, 64u)                  \
  X(2, uint, kTileN, tile_n, 64u)                  \
  X(3, uint, kThreadM, thread_m, 8u)               \
  X(4, uint, kThreadN, thread_n, 8u)               \
  X(5, bool, kSubgroupRows, subgroup_rows, false)  \
  X(6, float, kAlpha, swiglu_alpha, 1.702f)        \
  X(7, float, kLimit, swiglu_limit, 7.0f)          \
  X(8, bool, kTiledRows, tiled_rows, false)
OSSVK_SPEC_STRUCT(MatmulSpec, OSSVK_MATMUL_SPEC)

// f32_<fmt>w_moe_matvec_texel, the grouped expert matmuls in the matvec's form: a tile of up to
// kTileN pairs per workgroup row, kRows rows per subgroup; kLaneTables: decoders may use tables
// held an entry a lane (LANE_TABLES, shaders/weight_format.glsl); kTiledRows: the experts lie in
// row tiles (tiled_block, weight_format.glsl).
#define OSSVK_MOE_MATVEC_SPEC(X)                   \
  X(0, local_size, kInvocations, invocations, 64u) \
  X(1, uint, kRows, rows, 8u)                      \
  X(2, uint, kTileN, tile_n, 8u)                   \
  X(3, bool, kLaneTables, lane_tables, false)      \
  X(4, bool, kTiledRows, tiled_rows, false)
OSSVK_SPEC_STRUCT(MoeMatvecSpec, OSSVK_MOE_MATVEC_SPEC)

// f32_<fmt>w_matmul_mma and its grouped expert forms: tiles fixed in shaders/matmul_mma.comp;
// kAlpha, kLimit, kTiledRows as above.
#define OSSVK_MATMUL_MMA_SPEC(X)            \
  X(0, float, kAlpha, swiglu_alpha, 1.702f) \
  X(1, float, kLimit, swiglu_limit, 7.0f)   \
  X(2, bool, kTiledRows, tiled_rows, false)
OSSVK_SPEC_STRUCT(MatmulMmaSpec, OSSVK_MATMUL_MMA_SPEC)

#endif
