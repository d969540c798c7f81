// Launcher of f32_<fmt>w_matvec (shaders/matvec.comp), decode's dense product: Y[t] = W X[t] + b
// for 1 <= n <= kMaxMatvecColumns activation columns sharing one read of W, fp32 activations
// X [n][K] and outputs Y [n][M] (row-major), W in its format on the device. The kernel is chosen
// by W's format; a matrix split into parts takes one dispatch per part.
#pragma once
#include "backend/device_matrix.h"

namespace ossvk {

inline constexpr uint32_t kMaxMatvecColumns = 8;

// RMSNorm applied to X as the matvec reads it (decode's QKV projection, which then needs no norm
// of its own): Y[t] = W (X[t] gain / rms(X[t])) + b, rms over K with eps inside the root.
struct MatvecNorm {
  const host::Buffer* gain = nullptr;  // [K]
  float eps = 0;
};

// bias may be null; accumulate adds the result to y (a residual stream) instead of overwriting it.
host::Status encode_matvec(host::Device& device, host::CommandStream& stream, const DeviceMatrix& w,
                           const host::Buffer& x, uint32_t n, const host::Buffer* bias,
                           const host::Buffer& y, bool accumulate = false,
                           const LinearRows& rows = {}, const MatvecNorm* norm = nullptr);

}  // namespace ossvk
