// Push constants of f32_<fmt>w_moe_matmul (matmul.comp built with MOE_GROUPED): one expert
// matrix (gate, up or down, [experts][m][k] in parts of whole experts) against the rows of the
// (token, slot) pairs that chose each expert, a tile of pairs per workgroup row (tiles and
// order from f32_moe_group).
#ifndef OSSVK_SHADERS_MOE_MATMUL_PUSH_H
#define OSSVK_SHADERS_MOE_MATMUL_PUSH_H
#include "matmul_spec.h"
#include "push_macros.h"

OSSVK_PUSH(MoeMatmulPush) {
  OSSVK_PTR(UVec4Buf, quants);  // this part's planes
  OSSVK_PTR(U8Buf, scales);
  OSSVK_PTR(U32Buf, aux);
  OSSVK_PTR(Vec4Buf, x);      // pair p reads row p / x_row_div; with MOE_SWIGLU the gate values
  OSSVK_PTR(Vec4Buf, x_up);   // MOE_SWIGLU: the up values, laid out as x
  OSSVK_PTR(FloatBuf, bias);  // [experts][m]
  OSSVK_PTR(FloatBuf, y);     // [pairs][y_stride]: pair p's row
  OSSVK_PTR(U32Buf, order);
  OSSVK_PTR(U32Buf, tiles);
  uint32_t m;  // rows of one expert
  uint32_t k;
  uint32_t x_stride;      // floats; a multiple of 4
  uint32_t y_stride;      // floats
  uint32_t x_row_div;     // top_k when x is per token, 1 when it is per pair
  uint32_t expert_begin;  // the experts this part holds
  uint32_t expert_end;
  uint32_t group_shift;  // MLX affine: log2 of the blocks of 32 per group
  uint32_t flags;        // bits 0, 2: MLX affine scales and biases are bf16, f32 (else fp16)
  uint32_t pad;
}
OSSVK_PUSH_END

#endif
