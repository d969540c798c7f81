#include "backend/kernels/matmul.h"

#include <algorithm>
#include <string>

#include "backend/kernels/binding.h"
#include "shaders/matmul_push.h"

namespace ossvk {
namespace {

static_assert(sizeof(shaders::MatmulPush) == 88, "MatmulPush must match its GLSL std430 layout");

enum class Op { matvec, matmul };

constexpr uint32_t kMatvecWorkgroup = 64;

// Rows per subgroup in matvec: each lane's activation loads serve this many rows. On lavapipe
// every lane's load is a gather, so sharing them across 8 rows measured 2.4x faster than 1 row
// (MXFP4 4096x14336: 30.7 -> 12.5 ms through device addresses; 4 and 16 rows are slower through
// descriptors too: 11.6 and 13.4 ms against 10.9). One row per invocation, walking all of K with
// activations uniform across lanes, measured 21 ms. On an H100 (4096x14336, 1 column) block-
// quantized rows want 2 rows per subgroup and 16/32-bit rows 4: Q8_0 0.372 / 0.044 / 0.160 ms
// for 1 / 2 / 4 rows, MXFP4 0.066 / 0.043 / 0.045 ms, BF16 0.430 / 0.263 / 0.197 ms. More than 4
// columns halve the rows, since the columns multiply the accumulators.
uint32_t matvec_rows(const host::DeviceInfo& info, uint32_t n, DeviceFormat format) {
  const bool wide =
      format == DeviceFormat::f32 || format == DeviceFormat::f16 || format == DeviceFormat::bf16;
  uint32_t rows = info.type == VK_PHYSICAL_DEVICE_TYPE_CPU ? 8 : wide ? 4 : 2;
  return n > 4 ? std::max(1u, rows / 2) : rows;
}

// The matmul tile: each invocation accumulates thread_m x thread_n outputs; a subgroup's lanes
// split the tile's tokens and each subgroup owns thread_m rows.
struct MatmulTiling {
  uint32_t tile_m, tile_n, thread_m, thread_n;
  uint32_t subgroup_size;  // required subgroup size; 0: rows by invocation index instead
  uint32_t invocations() const { return (tile_m / thread_m) * (tile_n / thread_n); }
  uint32_t shared_bytes() const { return 32 * (tile_m + 1 + tile_n + 1) * 4; }
};

// Shared-memory loads are what a matmul spends its time on besides FMAs; on lavapipe each one is
// an 8-lane gather, so large per-invocation tiles pay: 2880x2880 x 512 tokens went from 4.1
// GFLOP/s (4x4 per invocation, 64x64 tile) to 7.6 (8x8) and 14.8 (32 rows x 16 tokens, a 64 x 128
// tile of 16 invocations). GPUs keep an 8 x 4 register tile with a subgroup across 4-token
// columns.
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

host::Status check(Op op, const DeviceMatrix& w, const host::Buffer& x, uint32_t n,
                   const host::Buffer* bias, const host::Buffer& y, const std::string& kernel) {
  auto fail = [&](const std::string& why) { return host::Status::error(kernel + ": " + why); };
  if (w.parts.empty()) return fail("the weight matrix was not uploaded");
  if (n == 0) return fail("no columns");
  if (op == Op::matvec && n > kMaxMatvecColumns)
    return fail(std::to_string(n) + " columns; matvec takes at most " +
                std::to_string(kMaxMatvecColumns));
  if (w.k % 32 != 0) return fail("K = " + std::to_string(w.k) + " is not a multiple of 32");
  if (!x || x.size() < uint64_t{n} * w.k * 4)
    return fail("x holds fewer than " + std::to_string(n) + " x K = " + std::to_string(w.k) +
                " floats");
  if (!y || y.size() < uint64_t{n} * w.m * 4)
    return fail("y holds fewer than " + std::to_string(n) + " x M = " + std::to_string(w.m) +
                " floats");
  if (bias && (!*bias || bias->size() < uint64_t{w.m} * 4))
    return fail("bias holds fewer than M = " + std::to_string(w.m) + " floats");
  return {};
}

host::Status encode(Op op, host::Device& device, host::CommandStream& stream, const DeviceMatrix& w,
                    const host::Buffer& x, uint32_t n, const host::Buffer* bias,
                    const host::Buffer& y, bool accumulate) {
  const host::DeviceInfo& info = device.info();
  const std::string kernel = std::string("f32_") + device_format_info(w.format).name +
                             (op == Op::matvec ? "w_matvec" : "w_matmul");
  OSSVK_RETURN_IF_ERROR(check(op, w, x, n, bias, y, kernel));

  const uint32_t rows = matvec_rows(info, n, w.format);
  const MatmulTiling tiling = matmul_tiling(info);
  const uint64_t x_bytes = uint64_t{n} * w.k * 4, y_bytes = uint64_t{n} * w.m * 4,
                 bias_bytes = uint64_t{w.m} * 4;
  bool ssbo = device.prefers_descriptors() &&
              std::max({x_bytes, y_bytes, bias_bytes}) <= info.max_storage_buffer_range;
  for (const DeviceMatrix::Part& part : w.parts)
    ssbo = ssbo && part.quants.size() <= info.max_storage_buffer_range;
  host::PipelineDesc desc{ssbo ? kernel + "_ssbo" : kernel, {}, sizeof(shaders::MatmulPush)};
  desc.storage_buffers = ssbo ? 6 : 0;
  if (op == Op::matvec) {
    desc.spec = {kMatvecWorkgroup, rows, n};
  } else {
    desc.spec = {tiling.invocations(), tiling.tile_m,   tiling.tile_n,
                 tiling.thread_m,      tiling.thread_n, tiling.subgroup_size ? 1u : 0u};
    desc.required_subgroup_size = tiling.subgroup_size;
    if (tiling.shared_bytes() > info.max_shared_memory)
      return host::Status::error(kernel + ": its " + std::to_string(tiling.shared_bytes()) +
                                 "-byte tile exceeds the device's " +
                                 std::to_string(info.max_shared_memory) +
                                 " bytes of shared memory");
  }
  OSSVK_ASSIGN_OR_RETURN(const host::Pipeline* pipeline, device.pipelines().get(desc));

  for (const DeviceMatrix::Part& part : w.parts) {
    shaders::MatmulPush push{};
    push.quants = part.quants.address();
    push.scales = part.scales.address();
    push.aux = part.aux.address();
    push.x = x.address();
    push.bias = bias ? bias->address() : 0;
    push.y = y.address();
    push.row_offset = part.row_begin;
    push.m = part.rows;
    push.k = w.k;
    push.n = n;
    push.x_stride = w.k;
    push.y_stride = w.m;
    push.has_bias = bias ? 1 : 0;
    push.group_blocks = w.group_size / 32;
    push.flags = (w.scales_bf16 ? 1 : 0) | (accumulate ? 2 : 0);
    uint32_t gx, gy = 1;
    if (op == Op::matvec) {
      // One subgroup per `rows` rows; the shader strides over rows, so any group count is correct.
      uint32_t per_group = std::max(1u, kMatvecWorkgroup / std::max(1u, info.subgroup_size)) * rows;
      gx = std::min((part.rows + per_group - 1) / per_group, info.max_workgroup_count_x);
    } else {
      gx = (part.rows + tiling.tile_m - 1) / tiling.tile_m;
      gy = (n + tiling.tile_n - 1) / tiling.tile_n;
      if (gy > 65535)
        return host::Status::error(kernel + ": " + std::to_string(n) +
                                   " tokens exceed one dispatch");
    }
    if (ssbo) {
      // Planes a format lacks are never read; any valid buffer stands in for them.
      const host::Buffer& scales = part.scales ? part.scales : part.quants;
      const host::Buffer& aux = part.aux ? part.aux : part.quants;
      const VkDescriptorBufferInfo buffers[6] = {
          descriptor(part.quants, part.quants.size()),
          descriptor(scales, scales.size()),
          descriptor(aux, aux.size()),
          descriptor(x, x_bytes),
          descriptor(bias ? *bias : x, bias ? bias_bytes : x_bytes),
          descriptor(y, y_bytes)};
      stream.dispatch(*pipeline, buffers, &push, gx, gy);
    } else {
      stream.dispatch(*pipeline, &push, gx, gy);
    }
  }
  return {};
}

}  // namespace

host::Status encode_matvec(host::Device& device, host::CommandStream& stream, const DeviceMatrix& w,
                           const host::Buffer& x, uint32_t n, const host::Buffer* bias,
                           const host::Buffer& y, bool accumulate) {
  return encode(Op::matvec, device, stream, w, x, n, bias, y, accumulate);
}

host::Status encode_matmul(host::Device& device, host::CommandStream& stream, const DeviceMatrix& w,
                           const host::Buffer& x, uint32_t n, const host::Buffer* bias,
                           const host::Buffer& y, bool accumulate) {
  return encode(Op::matmul, device, stream, w, x, n, bias, y, accumulate);
}

host::Status encode_linear(host::Device& device, host::CommandStream& stream, const DeviceMatrix& w,
                           const host::Buffer& x, uint32_t n, const host::Buffer* bias,
                           const host::Buffer& y, bool accumulate) {
  return encode(n <= kMaxMatvecColumns ? Op::matvec : Op::matmul, device, stream, w, x, n, bias, y,
                accumulate);
}

}  // namespace ossvk
