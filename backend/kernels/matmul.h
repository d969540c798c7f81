// Launchers of f32_<fmt>w_matvec and f32_<fmt>w_matmul: Y[t] = W X[t] + b for t < n, with fp32
// activations X [n][K] and outputs Y [n][M] (row-major), W in its format on the device. The
// kernel is chosen by W's format; a matrix split into parts takes one dispatch per part.
#pragma once
#include "backend/device_matrix.h"

namespace ossvk {

inline constexpr uint32_t kMaxMatvecColumns = 8;

// Decode: 1 <= n <= kMaxMatvecColumns columns share one read of W. bias may be null;
// accumulate adds the result to y (a residual stream) instead of overwriting it.
host::Status encode_matvec(host::Device& device, host::CommandStream& stream, const DeviceMatrix& w,
                           const host::Buffer& x, uint32_t n, const host::Buffer* bias,
                           const host::Buffer& y, bool accumulate = false);

// Prefill: any n >= 1, tiled through shared memory. bias and accumulate as above.
host::Status encode_matmul(host::Device& device, host::CommandStream& stream, const DeviceMatrix& w,
                           const host::Buffer& x, uint32_t n, const host::Buffer* bias,
                           const host::Buffer& y, bool accumulate = false);

// Either of the above by n: matvec up to kMaxMatvecColumns columns, matmul beyond.
host::Status encode_linear(host::Device& device, host::CommandStream& stream, const DeviceMatrix& w,
                           const host::Buffer& x, uint32_t n, const host::Buffer* bias,
                           const host::Buffer& y, bool accumulate = false);

}  // namespace ossvk
