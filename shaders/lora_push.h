// Push constants of f32_lora and f32_lora_swiglu, one half of a LoRA adapter's rank-r side path
// (backend/kernels/lora.h): a small f32 product per row, the matrix chosen per row by an expert
// id. f32_lora_swiglu reads as x the clamped SwiGLU of x (gate) and x_up (up), the experts' down
// input where the grouped path keeps the two apart.
#include "push_macros.h"

// For row p < rows_in_step and output i < outputs: with e = ids[p] (flags bit 1) or 0 and
// x_row = p / x_row_div,
//   y[p * y_stride + y_offset + i] (+)= sum over j < inputs of m[(e * outputs + i) * inputs + j] *
//                                        x[x_row * x_stride + x_offset + j].
OSSVK_PUSH(LoraPush) {
  OSSVK_PTR(FloatBuf, m);  // [experts][outputs][inputs]
  OSSVK_PTR(FloatBuf, x);
  OSSVK_PTR(FloatBuf, y);
  OSSVK_PTR(U32Buf, ids);     // [rows_in_step]; read only with flags bit 1
  OSSVK_PTR(FloatBuf, x_up);  // f32_lora_swiglu: laid out as x
  uint32_t outputs;
  uint32_t inputs;
  uint32_t x_row_div;
  uint32_t x_stride;
  uint32_t x_offset;
  uint32_t y_stride;
  uint32_t y_offset;
  uint32_t lane_shift;  // 2^lane_shift invocations share one output's sum
  uint32_t flags;       // bit 0: add to y; bit 1: per-row expert ids
  uint32_t pad;
}
OSSVK_PUSH_END

// f32_lora_swiglu's SwiGLU, as f32_<fmt>w_moe_swiglu_matmul's.
#define OSSVK_LORA_SPEC(X)                  \
  X(0, float, kAlpha, swiglu_alpha, 1.702f) \
  X(1, float, kLimit, swiglu_limit, 7.0f)
OSSVK_SPEC_STRUCT(LoraSpec, OSSVK_LORA_SPEC)
