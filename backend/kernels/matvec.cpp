#include "backend/kernels/matvec.h"

#include <algorithm>
#include <string>

#include "backend/kernels/binding.h"
#include "backend/kernels/decode_layout.h"
#include "backend/kernels/linear_push.h"
#include "shaders/kernel_names.h"

namespace ossvk {
namespace {

// Rows per subgroup in matvec: each lane's activation loads serve this many rows. CPU devices
// gather every load, so they share it across 8 rows, and Q2_K across 16 for up to 4 columns: its
// lanes take whole super-blocks there (shaders/matvec.comp, SUPER_BLOCKS), where the activations'
// loads are most of the fetches left; Q3_K, whose super-block a lane holds is 29 words a row,
// measured faster with 8 (docs/performance.md). GPUs measured best at 2 (block
// formats) and 4 (16/32-bit): docs/performance.md, "Why the launchers choose what they do". On
// GPUs more than 4 columns halve the rows, since the columns multiply the accumulators; CPU
// devices keep 8 rows for 8 columns, which measured faster there. The RoPE epilogue takes rows in
// pairs.
uint32_t matvec_rows(const host::DeviceInfo& info, uint32_t n, DeviceFormat format, bool rope) {
  const bool wide =
      format == DeviceFormat::f32 || format == DeviceFormat::f16 || format == DeviceFormat::bf16;
  if (info.type == VK_PHYSICAL_DEVICE_TYPE_CPU)
    return format == DeviceFormat::q2k && n <= 4 ? 16 : 8;
  const uint32_t rows = wide ? 4 : 2;
  return std::max(rope ? 2u : 1u, n > 4 ? rows / 2 : rows);
}

// f32_<fmt>w_matvec's workgroup: subgroups of `lanes`, `split` of them sharing each run of rows.
struct MatvecLayout {
  uint32_t rows, split, invocations;
  uint32_t subgroups;       // at most this many per workgroup
  uint32_t rows_per_group;  // with subgroups of the device's usual size
  uint32_t stage_blocks;    // activation blocks staged per step in shared memory; 0: none
  bool lane_tables;         // decoders may share tables across the subgroup's lanes
  bool spread_rows;         // a subgroup's rows lie spread out over the matrix
};

MatvecLayout matvec_layout(const host::Device& device, uint32_t n, DeviceFormat format, bool rope) {
  const host::DeviceInfo& info = device.info();
  MatvecLayout l{};
  l.rows = matvec_rows(info, n, format, rope);
  l.split = matvec_split(device);
  const uint32_t lanes = std::max(1u, info.subgroup_size);
  l.invocations = lanes * l.split * std::max(1u, 64 / (lanes * l.split));  // whole runs of rows
  l.subgroups = info.max_subgroups(l.invocations);
  l.rows_per_group = l.invocations / lanes / l.split * l.rows;
  l.stage_blocks = stage_blocks(device, lanes * l.split);
  l.lane_tables = lane_tables(device, l.invocations);
  l.spread_rows = spread_rows(device);
  return l;
}

}  // namespace

bool matvec_rope_fits(const DeviceMatrix& w, uint32_t first, uint32_t head_dim) {
  if (head_dim == 0 || head_dim % 2 || first % head_dim) return false;
  for (const DeviceMatrix::Part& part : w.parts)
    if (part.row_begin % head_dim || part.rows % head_dim) return false;
  return true;
}

host::Status encode_matvec(host::Device& device, host::CommandStream& stream, const DeviceMatrix& w,
                           const host::Buffer& x, uint32_t n, const host::Buffer* bias,
                           const host::Buffer& y, bool accumulate, const LinearRows& rows,
                           const MatvecNorm* norm, const MatvecRope* rope) {
  const host::DeviceInfo& info = device.info();
  const std::string kernel = kernel_for(kernel_names::matvec, w.format);
  // Runs of columns go to workgroup rows: up to 65535, which every device allows.
  const uint32_t cols = std::min(n, kMaxMatvecColumns), most = rope ? cols : cols * 65535;
  if (n > most)
    return host::Status::error(kernel + ": " + std::to_string(n) +
                               " columns; matvec takes at most " + std::to_string(most) +
                               (rope ? " with the RoPE epilogue" : ""));
  OSSVK_RETURN_IF_ERROR(check_linear(kernel, w, x, n, bias, y, rows));  // n >= 1 from here
  const uint32_t column_groups = (n + cols - 1) / cols;
  if (norm && (!norm->gain || !*norm->gain || norm->gain->size() < uint64_t{w.k} * 4))
    return host::Status::error(
        kernel + ": the norm's gain is smaller than K = " + std::to_string(w.k) + " floats");

  if (rope &&
      (!matvec_rope_fits(w, rows.first, rope->head_dim) || !rope->target || !*rope->target ||
       rope->offset % 8 || rope->offset + sizeof(shaders::RopeTarget) > rope->target->size() ||
       (rope->position && !*rope->position)))
    return host::Status::error(kernel + ": the RoPE epilogue needs whole heads of " +
                               std::to_string(rope ? rope->head_dim : 0) +
                               " rows in every part of W and a target in its buffer");

  const MatvecLayout layout = matvec_layout(device, cols, w.format, rope != nullptr);
  const uint64_t y_bytes = uint64_t{n} * (rows.stride ? rows.stride : w.m) * 4,
                 bias_bytes = (uint64_t{rows.first} + w.m) * 4;
  bool texels = device.prefers_descriptors() &&
                std::max(y_bytes, bias_bytes) <= info.max_storage_buffer_range &&
                fits_texels(x, info) && (!norm || fits_texels(*norm->gain, info));
  for (const DeviceMatrix::Part& part : w.parts)
    texels = texels && fits_texels(w.format, part, info);
  host::PipelineDesc desc{texels ? kernel_for(kernel_names::matvec_texel, w.format) : kernel,
                          shaders::MatvecSpec{.invocations = layout.invocations,
                                              .rows = layout.rows,
                                              .cols = cols,
                                              .split = layout.split,
                                              .subgroups = layout.subgroups,
                                              .stage_blocks = layout.stage_blocks,
                                              .norm = norm != nullptr,
                                              .rope_dim = rope ? rope->head_dim : 0,
                                              .lane_tables = layout.lane_tables,
                                              .spread_rows = layout.spread_rows}
                              .words(),
                          sizeof(shaders::MatmulPush)};
  host::Descriptor x_texels, gain_texels;  // bound with every part's planes
  if (texels) {
    constexpr VkDescriptorType kTexel = VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER;
    constexpr VkDescriptorType kStorage = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    desc.bindings = {kTexel, kTexel, kTexel, kTexel, kStorage, kStorage, kTexel};
    OSSVK_ASSIGN_OR_RETURN(x_texels, texel(x, host::TexelFormat::f32x4));
    // Without a norm the gain binding is never read; x stands in for it.
    OSSVK_ASSIGN_OR_RETURN(gain_texels, texel(norm ? *norm->gain : x, host::TexelFormat::f32x4));
  }
  OSSVK_ASSIGN_OR_RETURN(const host::Pipeline* pipeline, device.pipelines().get(desc));

  for (const DeviceMatrix::Part& part : w.parts) {
    shaders::MatmulPush push = linear_push(w, part, x, n, bias, y, accumulate, rows);
    if (norm) push.gain = norm->gain->address(), push.eps = norm->eps;
    if (rope) {
      push.rope = rope->target->address() + rope->offset;
      push.position = rope->position ? rope->position->address() : device.zero_word();
      push.first_pos = rope->first_pos;
    }
    // One subgroup per `rows` rows; the shader strides over rows, so any group count is correct.
    const uint32_t groups =
        std::min((part.rows + layout.rows_per_group - 1) / layout.rows_per_group,
                 info.max_workgroup_count_x);
    if (texels) {
      OSSVK_ASSIGN_OR_RETURN(WeightTexels planes, weight_texels(w.format, part));
      const host::Descriptor bindings[7] = {planes.quants,
                                            planes.scales,
                                            planes.aux,
                                            x_texels,
                                            storage(bias ? *bias : y, bias ? bias_bytes : y_bytes),
                                            storage(y, y_bytes),
                                            gain_texels};
      stream.dispatch(*pipeline, bindings, &push, groups, column_groups);
    } else {
      stream.dispatch(*pipeline, &push, groups, column_groups);
    }
  }
  return {};
}

}  // namespace ossvk
