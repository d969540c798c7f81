#include "backend/kernels/moe.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "backend/kernels/binding.h"
#include "backend/kernels/matmul.h"
#include "backend/kernels/rmsnorm.h"
#include "shaders/kernel_names.h"
#include "shaders/moe_combine_push.h"
#include "shaders/moe_down_push.h"
#include "shaders/moe_gate_up_push.h"
#include "shaders/moe_group_push.h"
#include "shaders/moe_route_push.h"

namespace ossvk {
namespace {

static_assert(sizeof(shaders::MoeRoutePush) == 40,
              "MoeRoutePush must match its GLSL std430 layout");
static_assert(sizeof(shaders::MoeGateUpPush) == 120,
              "MoeGateUpPush must match its GLSL std430 layout");
static_assert(sizeof(shaders::MoeDownPush) == 104, "MoeDownPush must match its GLSL std430 layout");
static_assert(sizeof(shaders::MoeGroupPush) == 40,
              "MoeGroupPush must match its GLSL std430 layout");
static_assert(sizeof(shaders::MoeCombinePush) == 48,
              "MoeCombinePush must match its GLSL std430 layout");

constexpr uint32_t kWorkgroup = 64;
constexpr uint32_t kMaxExperts = 256;

host::Status fail(const std::string& name, const std::string& why) {
  return host::Status::error(name + ": " + why);
}

host::Result<host::Buffer> upload_floats(host::Device& device, host::Transfer& transfer,
                                         const float* data, uint64_t count,
                                         const std::string& what) {
  if (!data) return host::Status::error(what + " is missing");
  OSSVK_ASSIGN_OR_RETURN(host::Buffer b,
                         device.allocator().allocate(count * 4, host::MemoryUse::device));
  OSSVK_RETURN_IF_ERROR(transfer.upload(b, 0, data, count * 4));
  return b;
}

// Rows per subgroup in gate_up, as in f32_<fmt>w_matvec.
uint32_t rows_per_subgroup(const host::DeviceInfo& info) {
  return info.type == VK_PHYSICAL_DEVICE_TYPE_CPU ? 8 : 4;
}

// Rows per workgroup in down, whose invocations all share their rows and split the k slots'
// blocks among them; each activation texel a lane fetches serves that many rows (16 measured
// best on lavapipe: docs/performance.md). At most kWorkgroup: invocation r stores row r.
uint32_t down_rows(const host::DeviceInfo& info) {
  return info.type == VK_PHYSICAL_DEVICE_TYPE_CPU ? 16 : 4;
}

// (token, slot) entries per gate_up workgroup, taken one after another: on CPU devices a
// workgroup a row per entry ran slower the farther apart the chosen experts lay
// (docs/performance.md); GPUs keep one entry a workgroup row, for the parallelism.
uint32_t entries_per_group(const host::DeviceInfo& info) {
  return info.type == VK_PHYSICAL_DEVICE_TYPE_CPU ? 8 : 1;
}

// Whether the decode kernels take their _texel variant (backend/kernels/binding.h): where the
// device prefers descriptors and every plane and activation buffer fits a texel view.
bool use_texels(const host::Device& device, const MoeLayer& l, const MoeScratch& s) {
  const host::DeviceInfo& info = device.info();
  if (!device.prefers_descriptors() || !fits_texels(s.normed, info) || !fits_texels(s.act, info))
    return false;
  for (const DeviceMatrix* m : {&l.gate, &l.up, &l.down})
    for (const DeviceMatrix::Part& part : m->parts)
      if (!fits_texels(m->format, part, info)) return false;
  return true;
}

// The experts [begin, end) a part of an expert matrix holds.
std::pair<uint32_t, uint32_t> part_experts(const DeviceMatrix::Part& p, uint32_t rows_per_expert) {
  return {p.row_begin / rows_per_expert, (p.row_begin + p.rows) / rows_per_expert};
}

}  // namespace

host::Result<MoeLayer> upload_moe_layer(host::Device& device, host::Transfer& transfer,
                                        const MoeLayerData& d, const std::string& name,
                                        const UploadOptions& options) {
  const uint32_t E = d.experts, D = d.hidden, F = d.ff;
  if (E == 0 || E > kMaxExperts)
    return fail(name, std::to_string(E) + " experts; ossvk takes 1 to 256");
  auto expect = [&](const TensorData& t, uint64_t m, uint64_t k, const char* what) -> host::Status {
    if (t.m != m || t.k != k)
      return fail(name, std::string(what) + " is " + std::to_string(t.m) + " x " +
                            std::to_string(t.k) + ", expected " + std::to_string(m) + " x " +
                            std::to_string(k));
    return {};
  };
  OSSVK_RETURN_IF_ERROR(expect(d.router, E, D, "the router"));
  OSSVK_RETURN_IF_ERROR(expect(d.gate, uint64_t{E} * F, D, "the gate experts"));
  OSSVK_RETURN_IF_ERROR(expect(d.up, uint64_t{E} * F, D, "the up experts"));
  OSSVK_RETURN_IF_ERROR(expect(d.down, uint64_t{E} * D, F, "the down experts"));
  if (device_format_of(d.gate.format) != device_format_of(d.up.format))
    return fail(name, "gate and up experts have different formats");

  MoeLayer l;
  l.experts = E, l.hidden = D, l.ff = F;
  OSSVK_ASSIGN_OR_RETURN(l.norm_gain,
                         upload_floats(device, transfer, d.norm_gain, D, name + " norm"));
  OSSVK_ASSIGN_OR_RETURN(l.router,
                         upload_matrix(device, transfer, d.router, name + " router", options));
  OSSVK_ASSIGN_OR_RETURN(l.router_bias,
                         upload_floats(device, transfer, d.router_bias, E, name + " router bias"));
  UploadOptions by_expert = options;
  by_expert.row_granularity = F;
  OSSVK_ASSIGN_OR_RETURN(
      l.gate, upload_matrix(device, transfer, d.gate, name + " gate experts", by_expert));
  OSSVK_ASSIGN_OR_RETURN(l.up,
                         upload_matrix(device, transfer, d.up, name + " up experts", by_expert));
  by_expert.row_granularity = D;
  OSSVK_ASSIGN_OR_RETURN(
      l.down, upload_matrix(device, transfer, d.down, name + " down experts", by_expert));
  OSSVK_ASSIGN_OR_RETURN(l.gate_bias, upload_floats(device, transfer, d.gate_bias, uint64_t{E} * F,
                                                    name + " gate bias"));
  OSSVK_ASSIGN_OR_RETURN(
      l.up_bias, upload_floats(device, transfer, d.up_bias, uint64_t{E} * F, name + " up bias"));
  OSSVK_ASSIGN_OR_RETURN(l.down_bias, upload_floats(device, transfer, d.down_bias, uint64_t{E} * D,
                                                    name + " down bias"));
  if (l.gate.parts.size() != l.up.parts.size())
    return fail(name, "gate and up experts split into different parts");
  for (size_t i = 0; i < l.gate.parts.size(); ++i)
    if (l.gate.parts[i].row_begin != l.up.parts[i].row_begin ||
        l.gate.parts[i].rows != l.up.parts[i].rows)
      return fail(name, "gate and up experts split into different parts");
  return l;
}

host::Result<MoeScratch> create_moe_scratch(host::Device& device, const MoeLayer& layer,
                                            uint32_t tokens, uint32_t top_k) {
  MoeScratch s;
  s.tokens = tokens;
  s.top_k = top_k;
  auto alloc = [&](uint64_t bytes) {
    return device.allocator().allocate(bytes, host::MemoryUse::device);
  };
  OSSVK_ASSIGN_OR_RETURN(s.normed, alloc(uint64_t{tokens} * layer.hidden * 4));
  OSSVK_ASSIGN_OR_RETURN(s.logits, alloc(uint64_t{tokens} * layer.experts * 4));
  OSSVK_ASSIGN_OR_RETURN(s.ids, alloc(uint64_t{tokens} * top_k * 4));
  OSSVK_ASSIGN_OR_RETURN(s.weights, alloc(uint64_t{tokens} * top_k * 4));
  OSSVK_ASSIGN_OR_RETURN(s.act, alloc(uint64_t{tokens} * top_k * layer.ff * 4));
  if (tokens > kMaxMatvecColumns) {
    const uint32_t pairs = tokens * top_k;
    const uint32_t tiles = moe_matmul_max_tiles(pairs, layer.experts, kMinMoeTile);
    OSSVK_ASSIGN_OR_RETURN(s.up, alloc(uint64_t{pairs} * layer.ff * 4));
    OSSVK_ASSIGN_OR_RETURN(s.y, alloc(uint64_t{pairs} * layer.hidden * 4));
    OSSVK_ASSIGN_OR_RETURN(s.order, alloc(uint64_t{pairs} * 4));
    OSSVK_ASSIGN_OR_RETURN(s.tiles, alloc((1 + 3 * uint64_t{tiles}) * 4));
  }
  return s;
}

namespace {

// Whether prefill's grouped matmuls beat every pair reading its own expert rows. They read each
// expert's bytes once per tile instead of once per pair, but their tiles are the dense matmul's,
// slow on GPUs for now; only CPU devices reading through device addresses, with 33 pairs an
// expert or more, measured faster grouped (docs/performance.md).
bool grouped_pays(const host::DeviceInfo& info, bool texels, uint32_t pairs, uint32_t experts) {
  return info.type == VK_PHYSICAL_DEVICE_TYPE_CPU && !texels && pairs >= 33 * experts;
}

// The grouped path of prefill: pairs sorted by expert, gate and up as grouped matmuls, down with
// the SwiGLU in its loads, then each token's weighted sum and residual.
host::Status encode_grouped(host::Device& device, host::CommandStream& stream, const MoeLayer& l,
                            const host::Buffer& x, uint32_t tokens, uint32_t top_k, MoeScratch& s,
                            const host::Buffer& out) {
  const host::DeviceInfo& info = device.info();
  const uint32_t pairs = tokens * top_k;
  OSSVK_ASSIGN_OR_RETURN(
      const host::Pipeline* group,
      device.pipelines().get(
          {std::string(kernel_names::f32_moe_group), {}, sizeof(shaders::MoeGroupPush)}));
  const uint32_t tile = moe_matmul_tile(info, pairs, l.experts);
  shaders::MoeGroupPush gp{
      s.ids.address(), s.order.address(), s.tiles.address(), tokens, top_k, l.experts, tile};
  stream.dispatch(*group, &gp, 1);
  stream.barrier();

  MoeMatmulArgs a;
  a.order = &s.order;
  a.tiles = &s.tiles;
  a.tile_n = tile;
  a.max_tiles = moe_matmul_max_tiles(pairs, l.experts, tile);
  a.swiglu_alpha = l.swiglu_alpha;
  a.swiglu_limit = l.swiglu_limit;
  a.x = &s.normed;
  a.x_row_div = top_k;
  a.rows_per_expert = l.ff;
  a.bias = &l.gate_bias;
  a.y = &s.act;
  OSSVK_RETURN_IF_ERROR(encode_moe_matmul(device, stream, l.gate, a));
  a.bias = &l.up_bias;
  a.y = &s.up;
  OSSVK_RETURN_IF_ERROR(encode_moe_matmul(device, stream, l.up, a));
  stream.barrier();
  a.x = &s.act;
  a.x_up = &s.up;
  a.x_row_div = 1;
  a.rows_per_expert = l.hidden;
  a.bias = &l.down_bias;
  a.y = &s.y;
  OSSVK_RETURN_IF_ERROR(encode_moe_matmul(device, stream, l.down, a));
  stream.barrier();

  OSSVK_ASSIGN_OR_RETURN(
      const host::Pipeline* combine,
      device.pipelines().get(
          {std::string(kernel_names::f32_moe_combine), {}, sizeof(shaders::MoeCombinePush)}));
  shaders::MoeCombinePush cp{
      s.y.address(), s.weights.address(), x.address(), out.address(), tokens, top_k, l.hidden, 0};
  stream.dispatch(*combine, &cp, (tokens * (l.hidden / 4) + 63) / 64);
  return {};
}

}  // namespace

host::Status encode_moe(host::Device& device, host::CommandStream& stream, const MoeLayer& l,
                        const host::Buffer& x, uint32_t tokens, uint32_t top_k, MoeScratch& s,
                        const host::Buffer& out, const std::string& name, MoePath path) {
  if (top_k == 0 || top_k > l.experts)
    return fail(name, "experts per token must be 1 to " + std::to_string(l.experts) + ", not " +
                          std::to_string(top_k));
  if (top_k * l.experts > 32768)
    return fail(name, std::to_string(top_k) + " of " + std::to_string(l.experts) +
                          " experts exceed the router's limit");
  if (tokens == 0 || tokens > s.tokens || top_k > s.top_k)
    return fail(name, std::to_string(tokens) + " tokens x " + std::to_string(top_k) +
                          " experts exceed the scratch");
  if (l.hidden % 32 || l.ff % 32)
    return fail(name, "hidden and expert widths must be multiples of 32");
  if (uint64_t{tokens} * top_k > 65535)
    return fail(name, "more than 65535 (token, expert) pairs in one step");
  const uint64_t bytes = uint64_t{tokens} * l.hidden * 4;
  if (!x || x.size() < bytes || !out || out.size() < bytes)
    return fail(name, "x or out is smaller than tokens x hidden");
  const host::DeviceInfo& info = device.info();

  // t = RMSNorm(x); logits = W_r t + b_r.
  OSSVK_RETURN_IF_ERROR(
      encode_rmsnorm(device, stream, x, l.norm_gain, l.hidden, tokens, l.eps, s.normed));
  stream.barrier();
  OSSVK_RETURN_IF_ERROR(
      encode_linear(device, stream, l.router, s.normed, tokens, &l.router_bias, s.logits));
  stream.barrier();

  OSSVK_ASSIGN_OR_RETURN(
      const host::Pipeline* route,
      device.pipelines().get(
          {std::string(kernel_names::f32_moe_route), {}, sizeof(shaders::MoeRoutePush)}));
  shaders::MoeRoutePush rp{
      s.logits.address(), s.ids.address(), s.weights.address(), tokens, l.experts, top_k, 0};
  stream.dispatch(*route, &rp, (tokens + 63) / 64);
  stream.barrier();
  const bool texels = use_texels(device, l, s);
  const bool grouped =
      path == MoePath::automatic
          ? tokens > kMaxMatvecColumns && grouped_pays(info, texels, tokens * top_k, l.experts)
          : path == MoePath::grouped;
  if (grouped && !s.order)
    return fail(name, "the grouped path needs a scratch made for more than " +
                          std::to_string(kMaxMatvecColumns) + " tokens");
  if (grouped) return encode_grouped(device, stream, l, x, tokens, top_k, s, out);

  const uint32_t rows = rows_per_subgroup(info);
  const uint32_t per_group = std::max(1u, kWorkgroup / std::max(1u, info.subgroup_size)) * rows;
  const uint32_t entries = entries_per_group(info);
  constexpr VkDescriptorType kTexel = VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER;
  // The GPUs' layout stages a token's activations in gate_up, a workgroup's pairs' in down.
  host::PipelineDesc gate_up_desc{
      kernel_for(texels ? kernel_names::moe_gate_up_texel : kernel_names::moe_gate_up,
                 l.gate.format),
      {kWorkgroup, rows, std::bit_cast<uint32_t>(l.swiglu_alpha),
       std::bit_cast<uint32_t>(l.swiglu_limit), entries, stage_blocks(device, l.hidden / 32)},
      sizeof(shaders::MoeGateUpPush)};
  host::Descriptor x_texels, act_texels;  // the activations, bound with every part's planes
  if (texels) {
    gate_up_desc.bindings.assign(7, kTexel);
    OSSVK_ASSIGN_OR_RETURN(x_texels, texel(s.normed, host::TexelFormat::f32x4));
    OSSVK_ASSIGN_OR_RETURN(act_texels, texel(s.act, host::TexelFormat::f32x4));
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
    p.hidden = l.hidden;
    p.ff = l.ff;
    p.tokens = tokens;
    p.top_k = top_k;
    p.expert_begin = begin;
    p.expert_end = end;
    p.group_blocks = l.gate.group_size / 32;
    p.flags = l.gate.scales_bf16 ? 1 : 0;
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
  stream.barrier();

  // down's workgroups share `drows` rows; its shared memory holds a sum per row per subgroup.
  const uint32_t drows = down_rows(info);
  host::PipelineDesc down_desc{
      kernel_for(texels ? kernel_names::moe_down_texel : kernel_names::moe_down, l.down.format),
      {kWorkgroup, drows, info.max_subgroups(kWorkgroup), stage_blocks(device, kWorkgroup)},
      sizeof(shaders::MoeDownPush)};
  if (texels) down_desc.bindings.assign(4, kTexel);
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
    p.residual = x.address();
    p.result = out.address();
    p.hidden = l.hidden;
    p.ff = l.ff;
    p.tokens = tokens;
    p.top_k = top_k;
    p.expert_begin = begin;
    p.expert_end = end;
    p.group_blocks = l.down.group_size / 32;
    p.flags = (l.down.scales_bf16 ? 1 : 0) | (i > 0 ? 2 : 0);
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
