#include "backend/kernels/matmul.h"

#include <algorithm>
#include <string>

#include "backend/kernels/decode_layout.h"
#include "backend/kernels/linear_push.h"
#include "backend/kernels/matmul_mma.h"
#include "backend/kernels/matvec.h"
#include "shaders/kernel_names.h"

namespace ossvk {

MatmulTiling matmul_tiling(const host::DeviceInfo& info) {
  const bool cpu = info.type == VK_PHYSICAL_DEVICE_TYPE_CPU;
  const uint32_t lanes = cpu ? 8 : std::clamp(info.subgroup_size, 8u, 64u);
  MatmulTiling t;
  t.thread_m = cpu ? 32 : 8;
  t.thread_n = cpu ? 16 : 4;
  t.tile_n = lanes * t.thread_n;
  t.tile_m = (cpu ? 2 : std::max(1u, 128 / lanes)) * t.thread_m;
  const bool sized = info.subgroup_size_control && lanes >= info.min_subgroup_size &&
                     lanes <= info.max_subgroup_size;
  t.subgroup_size = sized ? lanes : 0;
  return t;
}

host::Status check_shared(const MatmulTiling& tiling, const host::DeviceInfo& info,
                          const std::string& kernel) {
  if (tiling.shared_bytes() <= info.max_shared_memory) return {};
  return host::Status::error(kernel + ": its " + std::to_string(tiling.shared_bytes()) +
                             "-byte tile exceeds the device's " +
                             std::to_string(info.max_shared_memory) + " bytes of shared memory");
}

bool matmul_on_columns(const host::Device& device) {
  return device.mma() == host::Mma::none && !gpu_layout(device);
}

std::string matmul_kernel(const host::Device& device, DeviceFormat format) {
  namespace k = kernel_names;
  switch (device.mma()) {
    case host::Mma::cooperative:
      return kernel_for(k::matmul_mma, format);
    case host::Mma::emulated:
      return kernel_for(k::matmul_mma_emulated, format);
    case host::Mma::none:
      break;
  }
  return kernel_for(matmul_on_columns(device) ? k::matvec : k::matmul, format);
}

host::Status encode_matmul(host::Device& device, host::CommandStream& stream, const DeviceMatrix& w,
                           const host::Buffer& x, uint32_t n, const host::Buffer* bias,
                           const host::Buffer& y, bool accumulate, const LinearRows& rows) {
  if (device.mma() != host::Mma::none)
    return encode_matmul_mma(device, stream, w, x, n, bias, y, accumulate, rows);
  if (matmul_on_columns(device))
    return encode_matvec(device, stream, w, x, n, bias, y, accumulate, rows);
  const host::DeviceInfo& info = device.info();
  const std::string kernel = matmul_kernel(device, w.format);
  OSSVK_RETURN_IF_ERROR(check_linear(kernel, w, x, n, bias, y, rows));
  const MatmulTiling tiling = matmul_tiling(info);
  OSSVK_RETURN_IF_ERROR(check_shared(tiling, info, kernel));
  const uint32_t token_tiles = (n + tiling.tile_n - 1) / tiling.tile_n;
  if (token_tiles > 65535)
    return host::Status::error(kernel + ": " + std::to_string(n) + " tokens exceed one dispatch");
  // Device addresses only: lavapipe compiles a kernel that reads texels when it first runs, and
  // the matmul's unrolled tiles took 100-160 s there for Q4_0, Q5_0 and MLX under the sanitizer
  // build, past a submission's timeout, for a prefill only 4-23 % faster.
  host::PipelineDesc desc{kernel, tiling.spec().words(), sizeof(shaders::MatmulPush)};
  desc.required_subgroup_size = tiling.subgroup_size;
  OSSVK_ASSIGN_OR_RETURN(const host::Pipeline* pipeline, device.pipelines().get(desc));
  for (const DeviceMatrix::Part& part : w.parts) {
    const shaders::MatmulPush push = linear_push(w, part, x, n, bias, y, accumulate, rows);
    stream.dispatch(*pipeline, &push, (part.rows + tiling.tile_m - 1) / tiling.tile_m, token_tiles);
  }
  return {};
}

host::Status encode_linear(host::Device& device, host::CommandStream& stream, const DeviceMatrix& w,
                           const host::Buffer& x, uint32_t n, const host::Buffer* bias,
                           const host::Buffer& y, bool accumulate, const LinearRows& rows) {
  return n <= kMaxMatvecColumns ? encode_matvec(device, stream, w, x, n, bias, y, accumulate, rows)
                                : encode_matmul(device, stream, w, x, n, bias, y, accumulate, rows);
}

}  // namespace ossvk
