// Launcher of f32_lora (shaders/lora.comp): a LoRA adapter applied at run time as a rank-r side
// path beside the weight it adapts, y += B (A x), with the adapter's scale folded into B at
// upload. The weight itself stays in its file format; the side path is f32 and reads
// (in + out) x r floats per token and module, a few percent of a quantized weight's bytes.
// Expert adapters hold one A and B per expert and each (token, slot) row takes its expert's.
#pragma once
#include "backend/device_matrix.h"

namespace ossvk {

struct LoraWeights {
  uint32_t experts = 0;  // 1 for a dense module
  uint32_t rank = 0, in = 0, out = 0;
  host::Buffer a;  // [experts][rank][in]
  host::Buffer b;  // [experts][out][rank], scale included
  explicit operator bool() const { return rank != 0; }
};

// Rows of floats in a buffer: row r starts at float r * stride + offset.
struct LoraRows {
  const host::Buffer* buffer = nullptr;
  uint32_t stride = 0, offset = 0;
};

// The experts' down input as the grouped path keeps it: gate in x, up here (same rows), the
// clamped SwiGLU taken as they load (f32_lora_swiglu).
struct LoraSwiglu {
  const host::Buffer* up = nullptr;
  float alpha = 1.702f, limit = 7.0f;
};

// u[p] = A_e x[p / x_row_div] for the `rows` rows of a step, e = ids[p] for expert adapters
// (ids must then be given) or 0; u holds `rank` floats per row from its offset.
host::Status encode_lora_a(host::Device& device, host::CommandStream& stream, const LoraWeights& w,
                           const LoraRows& x, uint32_t x_row_div, uint32_t rows,
                           const host::Buffer* ids, const LoraRows& u,
                           const LoraSwiglu* swiglu = nullptr);
// y[p] = B_e u[p], or y[p] += B_e u[p] with `accumulate`.
host::Status encode_lora_b(host::Device& device, host::CommandStream& stream, const LoraWeights& w,
                           const LoraRows& u, uint32_t rows, const host::Buffer* ids,
                           const LoraRows& y, bool accumulate);

}  // namespace ossvk
