// Launchers of the f32_<fmt>w_matvec kernels: y[M] = W[M x K] x[K] + bias[M], fp32 activations,
// W in its format on the device. Each checks what its shader assumes before recording.
#pragma once
#include "backend/device_matrix.h"

namespace ossvk {

// bias may be null.
host::Status encode_f32_mxfp4w_matvec(host::Device& device, host::CommandStream& stream,
                                      const DeviceMatrix& w, const host::Buffer& x,
                                      const host::Buffer* bias, const host::Buffer& y);
host::Status encode_f32_q8_0w_matvec(host::Device& device, host::CommandStream& stream,
                                     const DeviceMatrix& w, const host::Buffer& x,
                                     const host::Buffer* bias, const host::Buffer& y);

}  // namespace ossvk
