#include "backend/kernels/matmul_mma.h"

#include <string>

#include "backend/kernels/linear_push.h"
#include "backend/kernels/matmul.h"
#include "backend/kernels/mma.h"
#include "shaders/kernel_names.h"
#include "shaders/moe_matmul_push.h"

namespace ossvk {

host::Status encode_matmul_mma(host::Device& device, host::CommandStream& stream,
                               const DeviceMatrix& w, const host::Buffer& x, uint32_t n,
                               const host::Buffer* bias, const host::Buffer& y, bool accumulate,
                               const LinearRows& rows) {
  const std::string kernel = matmul_kernel(device, w.format);
  OSSVK_RETURN_IF_ERROR(check_linear(kernel, w, x, n, bias, y, rows));
  const uint32_t token_tiles = (n + kMmaTileN - 1) / kMmaTileN;
  if (token_tiles > 65535)
    return host::Status::error(kernel + ": " + std::to_string(n) + " tokens exceed one dispatch");
  OSSVK_ASSIGN_OR_RETURN(const host::Pipeline* pipeline,
                         mma_pipeline(device, kernel, shaders::MatmulMmaSpec{}.words(),
                                      sizeof(shaders::MatmulPush), kMmaSharedBytes));
  for (const DeviceMatrix::Part& part : w.parts) {
    const shaders::MatmulPush push = linear_push(w, part, x, n, bias, y, accumulate, rows);
    stream.dispatch(*pipeline, &push, (part.rows + kMmaTileM - 1) / kMmaTileM, token_tiles);
  }
  return {};
}

host::Status encode_moe_matmul_mma(host::Device& device, host::CommandStream& stream,
                                   const DeviceMatrix& w, const MoeMatmulArgs& a) {
  namespace k = kernel_names;
  const std::string kernel =
      a.x_up ? mma_kernel(device, kernel_for(k::moe_swiglu_matmul_mma, w.format),
                          kernel_for(k::moe_swiglu_matmul_mma_emulated, w.format))
             : mma_kernel(device, kernel_for(k::moe_matmul_mma, w.format),
                          kernel_for(k::moe_matmul_mma_emulated, w.format));
  if (a.tile_n != kMmaTileN)
    return host::Status::error(kernel + ": a tile of " + std::to_string(a.tile_n) +
                               " pairs is not the kernel's " + std::to_string(kMmaTileN));
  const shaders::MatmulMmaSpec spec{
      .swiglu_alpha = a.swiglu_alpha, .swiglu_limit = a.swiglu_limit, .tiled_rows = w.row_tiles};
  OSSVK_ASSIGN_OR_RETURN(
      const host::Pipeline* pipeline,
      mma_pipeline(device, kernel, spec.words(), sizeof(shaders::MoeMatmulPush), kMmaSharedBytes));
  for (const DeviceMatrix::Part& part : w.parts) {
    const shaders::MoeMatmulPush push = moe_matmul_push(w, part, a);
    stream.dispatch(*pipeline, &push, (a.rows_per_expert + kMmaTileM - 1) / kMmaTileM, a.max_tiles);
  }
  return {};
}

}  // namespace ossvk
