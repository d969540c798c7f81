#include "backend/kernels/matvec.h"

#include <algorithm>
#include <string>

#include "shaders/matvec_push.h"

namespace ossvk {
namespace {

static_assert(sizeof(shaders::MatvecPush) == 56, "MatvecPush must match its GLSL std430 layout");

constexpr uint32_t kWorkgroupSize = 64;

// Rows per subgroup: each lane's activation loads serve this many rows. On lavapipe every lane's
// load is a gather, so sharing them across 8 rows measured 2.4x faster than 1 row (MXFP4
// 4096x14336: 30.7 -> 12.5 ms; 16 rows was slower again); GPUs keep 4 rows' accumulators.
uint32_t rows_per_subgroup(const host::DeviceInfo& info) {
  return info.type == VK_PHYSICAL_DEVICE_TYPE_CPU ? 8 : 4;
}

host::Status encode_matvec(const char* kernel, WeightFormat format, host::Device& device,
                           host::CommandStream& stream, const DeviceMatrix& w,
                           const host::Buffer& x, const host::Buffer* bias, const host::Buffer& y) {
  const std::string where = std::string(kernel) + ": ";
  if (w.format != format)
    return host::Status::error(where + "weights are " + format_info(w.format).name + ", not " +
                               format_info(format).name);
  if (w.m == 0 || w.k == 0 || w.k % 32 != 0)
    return host::Status::error(where + "K = " + std::to_string(w.k) +
                               " must be a non-zero multiple of 32");
  if (!x || x.size() < uint64_t{w.k} * 4)
    return host::Status::error(where + "x holds fewer than K = " + std::to_string(w.k) + " floats");
  if (!y || y.size() < uint64_t{w.m} * 4)
    return host::Status::error(where + "y holds fewer than M = " + std::to_string(w.m) + " floats");
  if (bias && (!*bias || bias->size() < uint64_t{w.m} * 4))
    return host::Status::error(where + "bias holds fewer than M = " + std::to_string(w.m) +
                               " floats");

  const host::DeviceInfo& info = device.info();
  OSSVK_ASSIGN_OR_RETURN(
      const host::Pipeline* pipeline,
      device.pipelines().get(
          {kernel, {kWorkgroupSize, rows_per_subgroup(info)}, sizeof(shaders::MatvecPush)}));
  shaders::MatvecPush push{};
  push.quants = w.quants.address();
  push.scales = w.scales.address();
  push.x = x.address();
  push.bias = bias ? bias->address() : 0;
  push.y = y.address();
  push.m = w.m;
  push.k = w.k;
  push.has_bias = bias ? 1 : 0;
  // One subgroup per row; the shader strides over rows, so any group count is correct.
  uint32_t rows_per_group =
      std::max(1u, kWorkgroupSize / std::max(1u, info.subgroup_size)) * rows_per_subgroup(info);
  uint32_t groups =
      std::min((w.m + rows_per_group - 1) / rows_per_group, info.max_workgroup_count_x);
  stream.dispatch(*pipeline, &push, groups);
  return {};
}

}  // namespace

host::Status encode_f32_mxfp4w_matvec(host::Device& device, host::CommandStream& stream,
                                      const DeviceMatrix& w, const host::Buffer& x,
                                      const host::Buffer* bias, const host::Buffer& y) {
  return encode_matvec("f32_mxfp4w_matvec", WeightFormat::mxfp4, device, stream, w, x, bias, y);
}

host::Status encode_f32_q8_0w_matvec(host::Device& device, host::CommandStream& stream,
                                     const DeviceMatrix& w, const host::Buffer& x,
                                     const host::Buffer* bias, const host::Buffer& y) {
  return encode_matvec("f32_q8_0w_matvec", WeightFormat::q8_0, device, stream, w, x, bias, y);
}

}  // namespace ossvk
