#include "backend/device_matrix.h"

#include <algorithm>

#include "backend/formats/repack.h"
#include "backend/formats/row_tiles.h"
#include "backend/kernels/binding.h"

namespace ossvk {
namespace {

host::Result<host::Buffer> upload_plane(host::Device& device, host::Transfer& transfer,
                                        const std::vector<uint8_t>& bytes, host::MemoryUse use) {
  if (bytes.empty()) return host::Buffer();
  OSSVK_ASSIGN_OR_RETURN(host::Buffer buf, device.allocator().allocate(bytes.size(), use));
  OSSVK_RETURN_IF_ERROR(transfer.upload(buf, 0, bytes.data(), bytes.size()));
  return buf;
}

}  // namespace

host::Result<DeviceMatrix> upload_matrix(host::Device& device, host::Transfer& transfer,
                                         const TensorData& w, const std::string& name,
                                         const UploadOptions& options) {
  OSSVK_RETURN_IF_ERROR(validate_tensor(w, name));
  DeviceMatrix dm;
  dm.format = device_format_of(w.format);
  dm.m = static_cast<uint32_t>(w.m);
  dm.k = static_cast<uint32_t>(w.k);
  dm.group_size = w.group_size;
  dm.scale_dtype = w.scale_dtype;

  const DeviceFormatInfo& f = device_format_info(dm.format);
  const uint64_t row_bytes = (w.k / f.block_elements) * f.quant_bytes;
  uint64_t limit = max_part_bytes(device);
  if (options.max_part_bytes) limit = std::min(limit, options.max_part_bytes);
  const uint64_t unit = std::max<uint32_t>(1, options.row_granularity);
  if (w.m % unit != 0)
    return host::Status::bad_file("tensor '" + name + "': " + std::to_string(w.m) +
                                  " rows are not whole units of " + std::to_string(unit));
  if (unit * row_bytes > limit)
    return host::Status::error(
        host::ErrorCategory::device_limit,
        "tensor '" + name + "': " + (unit > 1 ? "one expert (" : "one row (") +
            std::to_string(unit * row_bytes) + " bytes) exceeds the device's allocation limit of " +
            std::to_string(limit) + " bytes");
  // Parts start on group boundaries automatically: every row holds whole groups.
  const uint64_t rows_per_part = std::min<uint64_t>(w.m, limit / row_bytes / unit * unit);
  dm.row_tiles = options.row_tiles && row_tiles_fit(dm.format, unit);

  for (uint64_t row = 0; row < w.m; row += rows_per_part) {
    uint64_t rows = std::min(rows_per_part, w.m - row);
    Planes planes = repack_rows(w, row, rows);
    if (dm.row_tiles) tile_rows(planes, rows, w.k / 32);
    dm.non_finite += planes.non_finite;
    DeviceMatrix::Part part;
    part.row_begin = static_cast<uint32_t>(row);
    part.rows = static_cast<uint32_t>(rows);
    const std::string what = "uploading tensor '" + name + "'";
    auto q = upload_plane(device, transfer, planes.quants, options.memory);
    if (!q.ok()) return q.status().with_context(what);
    auto s = upload_plane(device, transfer, planes.scales, options.memory);
    if (!s.ok()) return s.status().with_context(what);
    auto a = upload_plane(device, transfer, planes.aux, options.memory);
    if (!a.ok()) return a.status().with_context(what);
    part.quants = std::move(q).value();
    part.scales = std::move(s).value();
    part.aux = std::move(a).value();
    dm.parts.push_back(std::move(part));
  }
  if (options.refuse_non_finite && dm.non_finite)
    return host::Status::bad_file("tensor '" + name + "' has " + std::to_string(dm.non_finite) +
                                  " weights that decode to NaN or Inf");
  return dm;
}

host::Status check_linear(const std::string& kernel, const DeviceMatrix& w, const host::Buffer& x,
                          uint32_t n, const host::Buffer* bias, const host::Buffer& y,
                          const LinearRows& rows) {
  auto fail = [&](const std::string& why) { return host::Status::error(kernel + ": " + why); };
  if (w.parts.empty()) return fail("the weight matrix was not uploaded");
  if (n == 0) return fail("no columns");
  if (w.k % 32 != 0) return fail("K = " + std::to_string(w.k) + " is not a multiple of 32");
  if (!x || x.size() < uint64_t{n} * w.k * 4)
    return fail("x holds fewer than " + std::to_string(n) + " x K = " + std::to_string(w.k) +
                " floats");
  const uint64_t stride = rows.stride ? rows.stride : w.m, end = uint64_t{rows.first} + w.m;
  if (end > stride)
    return fail("rows " + std::to_string(rows.first) + " to " + std::to_string(end) +
                " do not fit outputs of " + std::to_string(stride));
  if (!y || y.size() < uint64_t{n} * stride * 4)
    return fail("y holds fewer than " + std::to_string(n) + " x " + std::to_string(stride) +
                " floats");
  if (bias && (!*bias || bias->size() < end * 4))
    return fail("bias holds fewer than " + std::to_string(end) + " floats");
  return {};
}

}  // namespace ossvk
