#include "backend/kernels/moe_gate_up.h"

#include <algorithm>

#include "backend/kernels/binding.h"
#include "backend/kernels/decode_layout.h"
#include "shaders/kernel_names.h"
#include "shaders/moe_gate_up_push.h"

namespace ossvk {
namespace {

static_assert(sizeof(shaders::MoeGateUpPush) == 128,
              "MoeGateUpPush must match its GLSL std430 layout");

constexpr uint32_t kWorkgroup = 64;

// Rows per subgroup, as in f32_<fmt>w_matvec.
uint32_t rows_per_subgroup(const host::DeviceInfo& info) {
  return info.type == VK_PHYSICAL_DEVICE_TYPE_CPU ? 8 : 4;
}

// (token, slot) entries per workgroup, taken one after another: on CPU devices a workgroup a row
// per entry ran slower the farther apart the chosen experts lay (docs/performance.md); GPUs keep
// one entry a workgroup row, for the parallelism.
uint32_t entries_per_group(const host::DeviceInfo& info) {
  return info.type == VK_PHYSICAL_DEVICE_TYPE_CPU ? 8 : 1;
}

}  // namespace

host::Status encode_moe_gate_up(host::Device& device, host::CommandStream& stream,
                                const MoeLayer& l, const MoeScratch& s, uint32_t tokens,
                                uint32_t top_k, bool texels, const host::Buffer* addend) {
  if (!tokens || tokens > s.tokens || !top_k || top_k > s.top_k)
    return host::Status::error("moe_gate_up: " + std::to_string(tokens) + " tokens x " +
                               std::to_string(top_k) + " experts exceed the scratch");
  const host::DeviceInfo& info = device.info();
  const uint32_t rows = rows_per_subgroup(info);
  const uint32_t per_group = std::max(1u, kWorkgroup / std::max(1u, info.subgroup_size)) * rows;
  const uint32_t entries = entries_per_group(info);
  constexpr VkDescriptorType kTexel = VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER;
  // The GPUs' layout stages a token's activations in gate_up, a workgroup's pairs' in down.
  host::PipelineDesc gate_up_desc{
      kernel_for(texels ? kernel_names::moe_gate_up_texel : kernel_names::moe_gate_up,
                 l.gate.format),
      shaders::MoeGateUpSpec{.invocations = kWorkgroup,
                             .rows = rows,
                             .swiglu_alpha = l.swiglu_alpha,
                             .swiglu_limit = l.swiglu_limit,
                             .entries = entries,
                             .stage_blocks = stage_blocks(device, l.hidden / 32),
                             .lane_tables = lane_tables(device, kWorkgroup),
                             .tiled_rows = l.gate.row_tiles}
          .words(),
      sizeof(shaders::MoeGateUpPush)};
  host::Descriptor x_texels;  // the activations, bound with every part's planes
  if (texels) {
    gate_up_desc.bindings.assign(7, kTexel);
    OSSVK_ASSIGN_OR_RETURN(x_texels, texel(s.normed, host::TexelFormat::f32x4));
  }
  OSSVK_ASSIGN_OR_RETURN(const host::Pipeline* gate_up, device.pipelines().get(gate_up_desc));
  for (size_t i = 0; i < l.gate.parts.size(); ++i) {
    const auto& g = l.gate.parts[i];
    const auto& u = l.up.parts[i];
    auto [begin, end] = part_experts(g, l.ff);
    shaders::MoeGateUpPush p{};
    p.gate_quants = g.quants.address();
    p.gate_scales = g.scales.address();
    p.gate_aux = g.aux.address();
    p.up_quants = u.quants.address();
    p.up_scales = u.scales.address();
    p.up_aux = u.aux.address();
    p.gate_bias = l.gate_bias.address();
    p.up_bias = l.up_bias.address();
    p.x = s.normed.address();
    p.ids = s.ids.address();
    p.act = s.act.address();
    // Read only where flags say so; some valid address either way.
    p.addend = addend ? addend->address() : s.act.address();
    p.hidden = l.hidden;
    p.ff = l.ff;
    p.tokens = tokens;
    p.top_k = top_k;
    p.expert_begin = begin;
    p.expert_end = end;
    p.group_shift = group_shift(l.gate);
    p.flags = scale_dtype_flags(l.gate) | (addend && l.gate_lora ? 8u : 0u) |
              (addend && l.up_lora ? 16u : 0u);
    const uint32_t gx = (l.ff + per_group - 1) / per_group;
    const uint32_t gy = (tokens * top_k + entries - 1) / entries;
    if (texels) {
      OSSVK_ASSIGN_OR_RETURN(WeightTexels gt, weight_texels(l.gate.format, g));
      OSSVK_ASSIGN_OR_RETURN(WeightTexels ut, weight_texels(l.up.format, u));
      const host::Descriptor bindings[7] = {gt.quants, gt.scales, gt.aux,  ut.quants,
                                            ut.scales, ut.aux,    x_texels};
      stream.dispatch(*gate_up, bindings, &p, gx, gy);
    } else {
      stream.dispatch(*gate_up, &p, gx, gy);
    }
  }
  return {};
}

}  // namespace ossvk
