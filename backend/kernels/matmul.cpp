#include "backend/kernels/matmul.h"

#include <algorithm>
#include <bit>
#include <string>
#include <vector>

#include "backend/kernels/binding.h"
#include "shaders/kernel_names.h"
#include "shaders/matmul_push.h"
#include "shaders/moe_matmul_push.h"

namespace ossvk {
namespace {

static_assert(sizeof(shaders::MatmulPush) == 88, "MatmulPush must match its GLSL std430 layout");
static_assert(sizeof(shaders::MoeMatmulPush) == 112,
              "MoeMatmulPush must match its GLSL std430 layout");

enum class Op { matvec, matmul };

// Rows per subgroup in matvec: each lane's activation loads serve this many rows. CPU devices
// gather every load, so they share it across 8 rows; GPUs measured best at 2 (block formats) and
// 4 (16/32-bit): docs/performance.md, "Why the launchers choose what they do". More than 4
// columns halve the rows, since the columns multiply the accumulators.
uint32_t matvec_rows(const host::DeviceInfo& info, uint32_t n, DeviceFormat format) {
  const bool wide =
      format == DeviceFormat::f32 || format == DeviceFormat::f16 || format == DeviceFormat::bf16;
  uint32_t rows = info.type == VK_PHYSICAL_DEVICE_TYPE_CPU ? 8 : wide ? 4 : 2;
  return n > 4 ? std::max(1u, rows / 2) : rows;
}

// Subgroups sharing one run of matvec rows, each a slice of K: two on GPUs, where it measured
// faster, one on CPU devices, where every lane's activations are best reused across more rows
// (docs/performance.md, "Why the launchers choose what they do").
uint32_t matvec_split(const host::Device& device) {
  if (device.matvec_split()) return device.matvec_split();
  return gpu_layout(device) ? 2 : 1;
}

// f32_<fmt>w_matvec's workgroup: subgroups of `lanes`, `split` of them sharing each run of rows.
struct MatvecLayout {
  uint32_t rows, split, invocations;
  uint32_t subgroups;       // at most this many per workgroup
  uint32_t rows_per_group;  // with subgroups of the device's usual size
  uint32_t stage_blocks;    // activation blocks staged per step in shared memory; 0: none
};

MatvecLayout matvec_layout(const host::Device& device, uint32_t n, DeviceFormat format) {
  const host::DeviceInfo& info = device.info();
  MatvecLayout l{};
  l.rows = matvec_rows(info, n, format);
  l.split = matvec_split(device);
  const uint32_t lanes = std::max(1u, info.subgroup_size);
  l.invocations = lanes * l.split * std::max(1u, 64 / (lanes * l.split));  // whole runs of rows
  l.subgroups = info.max_subgroups(l.invocations);
  l.rows_per_group = l.invocations / lanes / l.split * l.rows;
  l.stage_blocks = stage_blocks(device, lanes * l.split);
  return l;
}

// The matmul tile: each invocation accumulates thread_m x thread_n outputs; a subgroup's lanes
// split the tile's tokens and each subgroup owns thread_m rows.
struct MatmulTiling {
  uint32_t tile_m, tile_n, thread_m, thread_n;
  uint32_t subgroup_size;  // required subgroup size; 0: rows by invocation index instead
  uint32_t invocations() const { return (tile_m / thread_m) * (tile_n / thread_n); }
  uint32_t shared_bytes() const { return (32 * (tile_m + 1 + tile_n + 1) + 2 * tile_n) * 4; }
  std::vector<uint32_t> spec() const {
    return {invocations(), tile_m, tile_n, thread_m, thread_n, subgroup_size ? 1u : 0u};
  }
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

// The grouped expert matmul's tile: tile_n pairs (one expert's), chosen per step by
// moe_matmul_tile. Its columns are whatever pairs chose the expert, so a tile wider than an
// expert's pairs multiplies zeros; narrower tiles keep the per-invocation register tile with
// fewer invocations along the pairs (taller row bands on CPUs, fewer tokens per lane on GPUs).
MatmulTiling moe_tiling(const host::DeviceInfo& info, uint32_t tile_n) {
  MatmulTiling t = matmul_tiling(info);
  const uint32_t dense_lanes = t.tile_n / t.thread_n;
  if (info.type == VK_PHYSICAL_DEVICE_TYPE_CPU) {
    if (tile_n < t.tile_n) {  // fewer lanes of 16 pairs, taller bands: 64 pairs x 128 rows
      const uint32_t lanes = std::max(1u, tile_n / t.thread_n);
      t.tile_n = lanes * t.thread_n;
      t.tile_m = std::min(4u, 16 / lanes) * t.thread_m;  // lavapipe: 32 KiB of shared memory
      t.subgroup_size = 0;
    }
  } else {
    t.thread_n = std::clamp(tile_n / dense_lanes, 1u, t.thread_n);
    t.tile_n = dense_lanes * t.thread_n;
  }
  return t;
}

host::Status check_shared(const MatmulTiling& tiling, const host::DeviceInfo& info,
                          const std::string& kernel) {
  if (tiling.shared_bytes() <= info.max_shared_memory) return {};
  return host::Status::error(kernel + ": its " + std::to_string(tiling.shared_bytes()) +
                             "-byte tile exceeds the device's " +
                             std::to_string(info.max_shared_memory) + " bytes of shared memory");
}

host::Status encode(Op op, host::Device& device, host::CommandStream& stream, const DeviceMatrix& w,
                    const host::Buffer& x, uint32_t n, const host::Buffer* bias,
                    const host::Buffer& y, bool accumulate) {
  const host::DeviceInfo& info = device.info();
  const std::string kernel =
      kernel_for(op == Op::matvec ? kernel_names::matvec : kernel_names::matmul, w.format);
  OSSVK_RETURN_IF_ERROR(check(op, w, x, n, bias, y, kernel));

  const MatvecLayout layout = matvec_layout(device, n, w.format);
  const MatmulTiling tiling = matmul_tiling(info);
  const uint64_t y_bytes = uint64_t{n} * w.m * 4, bias_bytes = uint64_t{w.m} * 4;
  // The matmul keeps device addresses: lavapipe compiles a kernel that reads texels when it first
  // runs, and the matmul's unrolled tiles took 100-160 s there for Q4_0, Q5_0 and MLX under the
  // sanitizer build, past a submission's timeout (and 23 s against 18 s for MXFP4 otherwise),
  // for a prefill only 4-23 % faster.
  bool texels = op == Op::matvec && device.prefers_descriptors() &&
                std::max(y_bytes, bias_bytes) <= info.max_storage_buffer_range &&
                fits_texels(x, info);
  for (const DeviceMatrix::Part& part : w.parts)
    texels = texels && fits_texels(w.format, part, info);
  host::PipelineDesc desc{texels ? kernel_for(kernel_names::matvec_texel, w.format) : kernel,
                          {},
                          sizeof(shaders::MatmulPush)};
  host::Descriptor x_texels;  // bound with every part's planes
  if (texels) {
    constexpr VkDescriptorType kTexel = VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER;
    constexpr VkDescriptorType kStorage = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    desc.bindings = {kTexel, kTexel, kTexel, kTexel, kStorage, kStorage};
    OSSVK_ASSIGN_OR_RETURN(x_texels, texel(x, host::TexelFormat::f32x4));
  }
  if (op == Op::matvec) {
    desc.spec = {layout.invocations, layout.rows,      n,
                 layout.split,       layout.subgroups, layout.stage_blocks};
  } else {
    desc.spec = tiling.spec();
    desc.required_subgroup_size = tiling.subgroup_size;
    OSSVK_RETURN_IF_ERROR(check_shared(tiling, info, kernel));
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
      gx = std::min((part.rows + layout.rows_per_group - 1) / layout.rows_per_group,
                    info.max_workgroup_count_x);
    } else {
      gx = (part.rows + tiling.tile_m - 1) / tiling.tile_m;
      gy = (n + tiling.tile_n - 1) / tiling.tile_n;
      if (gy > 65535)
        return host::Status::error(kernel + ": " + std::to_string(n) +
                                   " tokens exceed one dispatch");
    }
    if (texels) {
      OSSVK_ASSIGN_OR_RETURN(WeightTexels planes, weight_texels(w.format, part));
      const host::Descriptor bindings[6] = {planes.quants,
                                            planes.scales,
                                            planes.aux,
                                            x_texels,
                                            storage(bias ? *bias : y, bias ? bias_bytes : y_bytes),
                                            storage(y, y_bytes)};
      stream.dispatch(*pipeline, bindings, &push, gx, gy);
    } else {
      stream.dispatch(*pipeline, &push, gx, gy);
    }
  }
  return {};
}

}  // namespace

bool gpu_layout(const host::Device& device) {
  return device.matvec_split() || device.info().type != VK_PHYSICAL_DEVICE_TYPE_CPU;
}

uint32_t stage_blocks(const host::Device& device, uint32_t blocks) {
  const uint32_t bytes = 8 * (blocks + 1) * 16;  // x_stage: eight parts, an odd stride apart
  return gpu_layout(device) && bytes <= device.info().max_shared_memory / 2 ? blocks : 0;
}

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

uint32_t moe_matmul_tile(const host::DeviceInfo& info, uint32_t pairs, uint32_t experts) {
  const MatmulTiling dense = matmul_tiling(info);
  const bool cpu = info.type == VK_PHYSICAL_DEVICE_TYPE_CPU;
  uint32_t tile = std::max(kMinMoeTile, cpu ? dense.thread_n : dense.tile_n / dense.thread_n);
  const uint32_t average = (pairs + experts - 1) / std::max(1u, experts);
  while (tile < average && tile < dense.tile_n) tile *= 2;
  return moe_tiling(info, tile).tile_n;
}

uint32_t moe_matmul_max_tiles(uint32_t pairs, uint32_t experts, uint32_t tile) {
  // Each expert with c pairs takes ceil(c / tile) tiles: at most c / tile + 1.
  return pairs / tile + std::min(pairs, experts);
}

host::Status encode_moe_matmul(host::Device& device, host::CommandStream& stream,
                               const DeviceMatrix& w, const MoeMatmulArgs& a) {
  const host::DeviceInfo& info = device.info();
  const std::string kernel =
      kernel_for(a.x_up ? kernel_names::moe_swiglu_matmul : kernel_names::moe_matmul, w.format);
  if (w.parts.empty() || !a.x || !a.bias || !a.y || !a.order || !a.tiles || !a.rows_per_expert ||
      w.m % a.rows_per_expert || w.k % 32 || !a.x_row_div)
    return host::Status::error(kernel + ": a buffer is missing or the shapes do not fit");
  const MatmulTiling tiling = moe_tiling(info, a.tile_n);
  if (tiling.tile_n != a.tile_n)
    return host::Status::error(kernel + ": a tile of " + std::to_string(a.tile_n) +
                               " pairs is not one moe_matmul_tile gives");
  host::PipelineDesc desc{kernel, tiling.spec(), sizeof(shaders::MoeMatmulPush)};
  if (a.x_up) {
    desc.spec.push_back(std::bit_cast<uint32_t>(a.swiglu_alpha));
    desc.spec.push_back(std::bit_cast<uint32_t>(a.swiglu_limit));
  }
  desc.required_subgroup_size = tiling.subgroup_size;
  OSSVK_RETURN_IF_ERROR(check_shared(tiling, info, kernel));
  OSSVK_ASSIGN_OR_RETURN(const host::Pipeline* pipeline, device.pipelines().get(desc));
  if (a.max_tiles > 65535)
    return host::Status::error(kernel + ": " + std::to_string(a.max_tiles) +
                               " tiles exceed one dispatch");
  for (const DeviceMatrix::Part& part : w.parts) {
    shaders::MoeMatmulPush push{};
    push.quants = part.quants.address();
    push.scales = part.scales.address();
    push.aux = part.aux.address();
    push.x = a.x->address();
    push.x_up = a.x_up ? a.x_up->address() : 0;
    push.bias = a.bias->address();
    push.y = a.y->address();
    push.order = a.order->address();
    push.tiles = a.tiles->address();
    push.m = a.rows_per_expert;
    push.k = w.k;
    push.x_stride = w.k;
    push.y_stride = a.rows_per_expert;
    push.x_row_div = a.x_row_div;
    push.expert_begin = part.row_begin / a.rows_per_expert;
    push.expert_end = (part.row_begin + part.rows) / a.rows_per_expert;
    push.group_blocks = w.group_size / 32;
    push.flags = w.scales_bf16 ? 1 : 0;
    stream.dispatch(*pipeline, &push, (a.rows_per_expert + tiling.tile_m - 1) / tiling.tile_m,
                    a.max_tiles);
  }
  return {};
}

}  // namespace ossvk
