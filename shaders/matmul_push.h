// Push constants of the f32_<fmt>w_matvec and f32_<fmt>w_matmul kernels:
// Y[t][row] = sum_i W[row][i] X[t][i] + bias[row], for t < n tokens (columns).
#include "matmul_spec.h"
#include "push_macros.h"
#include "rope_target.h"

OSSVK_PUSH(MatmulPush) {
  OSSVK_PTR(UVec4Buf, quants);  // device planes of W (backend/formats/device_format.h)
  OSSVK_PTR(U8Buf, scales);
  OSSVK_PTR(U32Buf, aux);
  OSSVK_PTR(Vec4Buf, x);        // n rows of x_stride floats
  OSSVK_PTR(FloatBuf, bias);    // m floats; read only when has_bias != 0
  OSSVK_PTR(FloatBuf, y);       // n rows of y_stride floats
  OSSVK_PTR(Vec4Buf, gain);     // the matvec's kNorm: RMSNorm's gain, k floats
  OSSVK_PTR(RopeTarget, rope);  // the matvec's kRopeDim: where q, k and v go
  OSSVK_PTR(U32Buf, position);  // kRopeDim: word 0 is added to first_pos
  uint32_t m;
  uint32_t k;
  uint32_t n;
  uint32_t x_stride;  // floats; a multiple of 4
  uint32_t y_stride;  // floats
  uint32_t has_bias;
  uint32_t group_shift;  // MLX affine: log2 of the blocks of 32 per scale/bias group
  uint32_t flags;        // bits 0, 2: MLX affine scales and biases are bf16, f32 (neither:
                         // fp16); bit 1: add to y (a residual) instead of overwriting it
  uint32_t row_offset;   // rows of y and bias before this part of W
  float eps;             // the matvec's kNorm: RMSNorm's epsilon
  uint32_t first_pos;    // kRopeDim: column c is at position first_pos + c
  uint32_t pad;
}
OSSVK_PUSH_END

// f32_<fmt>w_matvec: kRows rows per run (consecutive unless kSpreadRows), shared by kSplit
// subgroups each summing a slice of K; kCols (1..8) activation columns; kSubgroups at least the
// workgroup's subgroups; kStageBlocks activation blocks staged in shared memory per step
// (shaders/stage_activations.glsl; 0: none), lanes x kSplit; kNorm: X is the residual stream,
// normalised (RMSNorm) as it is read; kRopeDim (a head's width d, else 0): the outputs are a step's
// q, k and v, rotated and written to q and the K/V cache (shaders/rope_epilogue.glsl) instead of Y,
// with Y (flags bit 1) an addend; kLaneTables: decoders may use tables held an entry a lane
// (LANE_TABLES, shaders/weight_format.glsl), which the kernel allows unstaged, in subgroups of 8
// lanes or more; kSpreadRows: a subgroup's rows lie spread out (spread_row, weight_format.glsl),
// not with kRopeDim.
#define OSSVK_MATVEC_SPEC(X)                       \
  X(0, local_size, kInvocations, invocations, 64u) \
  X(1, uint, kRows, rows, 4u)                      \
  X(2, uint, kCols, cols, 1u)                      \
  X(3, uint, kSplit, split, 1u)                    \
  X(4, uint, kSubgroups, subgroups, 8u)            \
  X(5, uint, kStageBlocks, stage_blocks, 0u)       \
  X(6, bool, kNorm, norm, false)                   \
  X(7, uint, kRopeDim, rope_dim, 0u)               \
  X(8, bool, kLaneTables, lane_tables, false)      \
  X(9, bool, kSpreadRows, spread_rows, false)
OSSVK_SPEC_STRUCT(MatvecSpec, OSSVK_MATVEC_SPEC)
