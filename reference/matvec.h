// Reference y = W x + b, accumulating in double. W is given in its GGUF file layout and decoded
// one row at a time, so the reference needs no more memory than one row of floats.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

namespace ossvk::reference {

enum class GgufType : uint32_t { f32 = 0, q8_0 = 8, mxfp4 = 39 };

// Bytes of an m x k matrix of `type`; k must be a multiple of the type's block.
uint64_t gguf_matrix_bytes(GgufType type, uint64_t m, uint64_t k);

// Decodes row `row` of an m x k matrix (k floats).
void decode_gguf_row(GgufType type, std::span<const uint8_t> w, uint64_t k, uint64_t row,
                     float* out);

struct MatvecResult {
  std::vector<float> y;         // rounded once to float at the end
  std::vector<double> abs_dot;  // sum_i |w_i x_i| per row (plus |bias|): scales error bounds
};

// bias may be empty.
MatvecResult matvec(GgufType type, std::span<const uint8_t> w, uint64_t m, uint64_t k,
                    std::span<const float> x, std::span<const float> bias);

}  // namespace ossvk::reference
