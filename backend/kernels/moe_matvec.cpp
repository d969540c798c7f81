#include "backend/kernels/moe_matvec.h"

#include <algorithm>
#include <string>

#include "backend/kernels/binding.h"
#include "backend/kernels/decode_layout.h"
#include "shaders/kernel_names.h"
#include "shaders/matmul_spec.h"

namespace ossvk {
namespace {

constexpr uint32_t kWorkgroup = 64;
// Rows per subgroup: each lane's activation loads for a tile serve this many rows. 16 measured
// faster than the matvec's 8 here (docs/performance.md).
constexpr uint32_t kRows = 16;

}  // namespace

bool moe_matvec_fits(const host::Device& device, const DeviceMatrix& w, const MoeMatmulArgs& a) {
  const host::DeviceInfo& info = device.info();
  if (!a.x || !a.bias || !a.y || !fits_texels(*a.x, info) ||
      std::max(a.y->size(), a.bias->size()) > info.max_storage_buffer_range)
    return false;
  for (const DeviceMatrix::Part& part : w.parts)
    if (!fits_texels(w.format, part, info)) return false;
  return true;
}

host::Status encode_moe_matvec(host::Device& device, host::CommandStream& stream,
                               const DeviceMatrix& w, const MoeMatmulArgs& a) {
  const host::DeviceInfo& info = device.info();
  const std::string kernel = kernel_for(kernel_names::moe_matvec_texel, w.format);
  if (w.parts.empty() || !a.x || !a.bias || !a.y || !a.order || !a.tiles || !a.rows_per_expert ||
      w.m % a.rows_per_expert || w.k % 32 || !a.x_row_div)
    return host::Status::error(kernel + ": a buffer is missing or the shapes do not fit");
  if (a.x_up)
    return host::Status::error(kernel + ": takes no SwiGLU in its loads; f32_swiglu applies it");
  if (a.tile_n != kMoeMatvecTile)
    return host::Status::error(kernel + ": a tile of " + std::to_string(a.tile_n) +
                               " pairs; it takes " + std::to_string(kMoeMatvecTile));
  if (a.max_tiles > 65535)
    return host::Status::error(kernel + ": " + std::to_string(a.max_tiles) +
                               " tiles exceed one dispatch");
  if (!moe_matvec_fits(device, w, a))
    return host::Status::error(kernel + ": a buffer exceeds the device's texel or storage range");
  host::PipelineDesc desc{kernel,
                          shaders::MoeMatvecSpec{.invocations = kWorkgroup,
                                                 .rows = kRows,
                                                 .tile_n = kMoeMatvecTile,
                                                 .lane_tables = lane_tables(device, kWorkgroup),
                                                 .tiled_rows = w.row_tiles}
                              .words(),
                          sizeof(shaders::MoeMatmulPush)};
  constexpr VkDescriptorType kTexel = VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER;
  constexpr VkDescriptorType kStorage = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
  desc.bindings = {kTexel, kTexel, kTexel, kTexel, kStorage, kStorage, kTexel};
  OSSVK_ASSIGN_OR_RETURN(const host::Descriptor x, texel(*a.x, host::TexelFormat::f32x4));

  OSSVK_ASSIGN_OR_RETURN(const host::Pipeline* pipeline, device.pipelines().get(desc));
  const uint32_t rows_per_group =
      std::max(1u, kWorkgroup / std::max(1u, info.subgroup_size)) * kRows;
  for (const DeviceMatrix::Part& part : w.parts) {
    const shaders::MoeMatmulPush push = moe_matmul_push(w, part, a);
    OSSVK_ASSIGN_OR_RETURN(WeightTexels planes, weight_texels(w.format, part));
    const host::Descriptor bindings[7] = {planes.quants,
                                          planes.scales,
                                          planes.aux,
                                          x,
                                          storage(*a.bias, a.bias->size()),
                                          storage(*a.y, a.y->size()),
                                          x};  // the matvec's gain binding, never read here
    // The shader strides over rows, so any group count is correct.
    const uint32_t groups = std::min((a.rows_per_expert + rows_per_group - 1) / rows_per_group,
                                     info.max_workgroup_count_x);
    stream.dispatch(*pipeline, bindings, &push, groups, a.max_tiles);
  }
  return {};
}

}  // namespace ossvk
