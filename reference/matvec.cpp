#include "reference/matvec.h"

#include <cmath>
#include <cstring>

#include "reference/gguf_blocks.h"

namespace ossvk::reference {

uint64_t gguf_matrix_bytes(GgufType type, uint64_t m, uint64_t k) {
  switch (type) {
    case GgufType::f32:
      return m * k * 4;
    case GgufType::q8_0:
      return m * (k / 32) * kQ8_0BlockBytes;
    case GgufType::mxfp4:
      return m * (k / 32) * kMxfp4BlockBytes;
  }
  return 0;
}

void decode_gguf_row(GgufType type, std::span<const uint8_t> w, uint64_t k, uint64_t row,
                     float* out) {
  const uint64_t row_bytes = gguf_matrix_bytes(type, 1, k);
  const uint8_t* p = w.data() + row * row_bytes;
  switch (type) {
    case GgufType::f32:
      std::memcpy(out, p, k * 4);
      return;
    case GgufType::q8_0:
      for (uint64_t b = 0; b < k / 32; ++b)
        decode_q8_0_block(p + b * kQ8_0BlockBytes, out + b * 32);
      return;
    case GgufType::mxfp4:
      for (uint64_t b = 0; b < k / 32; ++b)
        decode_mxfp4_block(p + b * kMxfp4BlockBytes, out + b * 32);
      return;
  }
}

MatvecResult matvec(GgufType type, std::span<const uint8_t> w, uint64_t m, uint64_t k,
                    std::span<const float> x, std::span<const float> bias) {
  MatvecResult r;
  r.y.resize(m);
  r.abs_dot.resize(m);
  std::vector<float> row(k);
  for (uint64_t i = 0; i < m; ++i) {
    decode_gguf_row(type, w, k, i, row.data());
    double sum = bias.empty() ? 0.0 : bias[i];
    double abs_sum = bias.empty() ? 0.0 : std::fabs(bias[i]);
    for (uint64_t j = 0; j < k; ++j) {
      double p = static_cast<double>(row[j]) * x[j];
      sum += p;
      abs_sum += std::fabs(p);
    }
    r.y[i] = static_cast<float>(sum);
    r.abs_dot[i] = abs_sum;
  }
  return r;
}

}  // namespace ossvk::reference
