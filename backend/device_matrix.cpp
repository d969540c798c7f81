#include "backend/device_matrix.h"

#include <string>

namespace ossvk {

host::Result<DeviceMatrix> upload_gguf_matrix(host::Device& device, host::Transfer& transfer,
                                              WeightFormat format,
                                              std::span<const uint8_t> file_bytes, uint32_t m,
                                              uint32_t k, std::string_view name) {
  OSSVK_ASSIGN_OR_RETURN(PlanarMatrix planar, repack_gguf(format, file_bytes, m, k, name));
  DeviceMatrix dm;
  dm.format = format;
  dm.m = m;
  dm.k = k;
  const std::string what = "uploading tensor '" + std::string(name) + "'";
  auto quants = device.allocator().allocate(planar.quants.size(), host::MemoryUse::device);
  if (!quants.ok()) return quants.status().with_context(what);
  dm.quants = std::move(quants).value();
  auto scales = device.allocator().allocate(planar.scales.size(), host::MemoryUse::device);
  if (!scales.ok()) return scales.status().with_context(what);
  dm.scales = std::move(scales).value();
  OSSVK_RETURN_IF_ERROR(transfer.upload(dm.quants, 0, planar.quants.data(), planar.quants.size()));
  OSSVK_RETURN_IF_ERROR(transfer.upload(dm.scales, 0, planar.scales.data(), planar.scales.size()));
  return dm;
}

}  // namespace ossvk
