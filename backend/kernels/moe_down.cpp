#include "backend/kernels/moe_down.h"

#include "backend/kernels/binding.h"
#include "backend/kernels/decode_layout.h"
#include "shaders/kernel_names.h"
#include "shaders/moe_down_push.h"

namespace ossvk {
namespace {

static_assert(sizeof(shaders::MoeDownPush) == 104, "MoeDownPush must match its GLSL std430 layout");

constexpr uint32_t kWorkgroup = 64;

// Rows per workgroup, whose invocations all share their rows and split the k slots' blocks among
// them; each activation texel a lane fetches serves that many rows (16 measured best on
// lavapipe: docs/performance.md). At most kWorkgroup: invocation r stores row r.
uint32_t down_rows(const host::DeviceInfo& info) {
  return info.type == VK_PHYSICAL_DEVICE_TYPE_CPU ? 16 : 4;
}

}  // namespace

host::Status encode_moe_down(host::Device& device, host::CommandStream& stream, const MoeLayer& l,
                             const MoeScratch& s, const host::Buffer& residual,
                             const host::Buffer& out, uint32_t tokens, uint32_t top_k,
                             bool texels) {
  const uint64_t bytes = uint64_t{tokens} * l.hidden * 4;
  if (!tokens || tokens > s.tokens || !top_k || top_k > s.top_k || !residual ||
      residual.size() < bytes || !out || out.size() < bytes)
    return host::Status::error("moe_down: " + std::to_string(tokens) + " tokens x " +
                               std::to_string(top_k) +
                               " experts exceed the scratch, or short buffers");
  const host::DeviceInfo& info = device.info();
  // down's workgroups share `drows` rows; its shared memory holds a sum per row per subgroup.
  const uint32_t drows = down_rows(info);
  constexpr VkDescriptorType kTexel = VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER;
  host::PipelineDesc down_desc{
      kernel_for(texels ? kernel_names::moe_down_texel : kernel_names::moe_down, l.down.format),
      shaders::MoeDownSpec{.invocations = kWorkgroup,
                           .rows = drows,
                           .subgroups = info.max_subgroups(kWorkgroup),
                           .stage_blocks = stage_blocks(device, kWorkgroup),
                           .lane_tables = lane_tables(device, kWorkgroup),
                           .tiled_rows = l.down.row_tiles}
          .words(),
      sizeof(shaders::MoeDownPush)};
  host::Descriptor act_texels;  // the activations, bound with every part's planes
  if (texels) {
    down_desc.bindings.assign(4, kTexel);
    OSSVK_ASSIGN_OR_RETURN(act_texels, texel(s.act, host::TexelFormat::f32x4));
  }
  OSSVK_ASSIGN_OR_RETURN(const host::Pipeline* down, device.pipelines().get(down_desc));
  for (size_t i = 0; i < l.down.parts.size(); ++i) {
    const auto& part = l.down.parts[i];
    auto [begin, end] = part_experts(part, l.hidden);
    shaders::MoeDownPush p{};
    p.quants = part.quants.address();
    p.scales = part.scales.address();
    p.aux = part.aux.address();
    p.bias = l.down_bias.address();
    p.act = s.act.address();
    p.ids = s.ids.address();
    p.weights = s.weights.address();
    p.residual = residual.address();
    p.result = out.address();
    p.hidden = l.hidden;
    p.ff = l.ff;
    p.tokens = tokens;
    p.top_k = top_k;
    p.expert_begin = begin;
    p.expert_end = end;
    p.group_shift = group_shift(l.down);
    p.flags = scale_dtype_flags(l.down) | (i > 0 ? 2 : 0);
    if (i > 0) stream.barrier();  // each part adds to what the previous one wrote
    const uint32_t gx = (l.hidden + drows - 1) / drows;
    if (texels) {
      OSSVK_ASSIGN_OR_RETURN(WeightTexels dt, weight_texels(l.down.format, part));
      const host::Descriptor bindings[4] = {dt.quants, dt.scales, dt.aux, act_texels};
      stream.dispatch(*down, bindings, &p, gx, tokens);
    } else {
      stream.dispatch(*down, &p, gx, tokens);
    }
  }
  return {};
}

}  // namespace ossvk
