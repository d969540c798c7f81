// Reference Y = X W^T + b, accumulating in double. W is given in its file layout (TensorData) and
// decoded one row at a time; X is [n][k] row-major, Y comes back [n][m].
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "reference/tensor_format.h"

namespace ossvk::reference {

// Decodes row `row` of `w` into k floats. `magnitude`, when not null, receives per element the
// size of the terms that produce it: |value|, except for affine formats, where it is
// |scale*q| + |bias| (a kernel may sum scale*q and bias separately, so cancellation between them
// does not shrink its rounding error).
void decode_row(const TensorData& w, uint64_t row, float* values, float* magnitude = nullptr);

struct MatmulResult {
  std::vector<float> y;         // [n][m], rounded once to float at the end
  std::vector<double> abs_dot;  // [n][m]: sum_i magnitude_i |x_i| + |bias|; scales error bounds
};

// bias may be empty.
MatmulResult matmul(const TensorData& w, std::span<const float> x, uint64_t n,
                    std::span<const float> bias);

}  // namespace ossvk::reference
