#include "backend/kernels/moe.h"

#include <array>

#include "backend/kernels/binding.h"
#include "backend/kernels/decode_layout.h"
#include "backend/kernels/lora.h"
#include "backend/kernels/matmul.h"
#include "backend/kernels/matvec.h"
#include "backend/kernels/moe_combine.h"
#include "backend/kernels/moe_down.h"
#include "backend/kernels/moe_gate_up.h"
#include "backend/kernels/moe_group.h"
#include "backend/kernels/moe_matmul.h"
#include "backend/kernels/moe_matvec.h"
#include "backend/kernels/moe_norm_route.h"
#include "backend/kernels/moe_route.h"
#include "backend/kernels/rmsnorm.h"
#include "backend/kernels/swiglu.h"

namespace ossvk {
namespace {

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

}  // namespace

namespace {

// Each of the layer's matrices the same shape as the file's, named in the error.
host::Status expect_shape(const TensorData& t, uint64_t m, uint64_t k, const std::string& name,
                          const char* what) {
  if (t.m != m || t.k != k)
    return fail(name, std::string(what) + " is " + std::to_string(t.m) + " x " +
                          std::to_string(t.k) + ", expected " + std::to_string(m) + " x " +
                          std::to_string(k));
  return {};
}

host::Status check_experts_count(const MoeLayerData& d, const std::string& name) {
  if (d.experts == 0 || d.experts > kMaxExperts)
    return fail(name, std::to_string(d.experts) + " experts; ossvk takes 1 to 256");
  return {};
}

}  // namespace

host::Status upload_moe_router(host::Device& device, host::Transfer& transfer,
                               const MoeLayerData& d, const std::string& name,
                               const UploadOptions& options, MoeLayer& l) {
  OSSVK_RETURN_IF_ERROR(check_experts_count(d, name));
  OSSVK_RETURN_IF_ERROR(expect_shape(d.router, d.experts, d.hidden, name, "the router"));
  l.experts = d.experts, l.hidden = d.hidden, l.ff = d.ff;
  OSSVK_ASSIGN_OR_RETURN(l.norm_gain,
                         upload_floats(device, transfer, d.norm_gain, d.hidden, name + " norm"));
  UploadOptions dense = options;
  dense.memory = host::MemoryUse::device;
  OSSVK_ASSIGN_OR_RETURN(l.router,
                         upload_matrix(device, transfer, d.router, name + " router", dense));
  OSSVK_ASSIGN_OR_RETURN(l.router_bias, upload_floats(device, transfer, d.router_bias, d.experts,
                                                      name + " router bias"));
  return {};
}

host::Status upload_moe_experts(host::Device& device, host::Transfer& transfer,
                                const MoeLayerData& d, const std::string& name,
                                const UploadOptions& options, MoeLayer& l) {
  OSSVK_RETURN_IF_ERROR(check_experts_count(d, name));
  const uint32_t E = d.experts, D = d.hidden, F = d.ff;
  OSSVK_RETURN_IF_ERROR(expect_shape(d.gate, uint64_t{E} * F, D, name, "the gate experts"));
  OSSVK_RETURN_IF_ERROR(expect_shape(d.up, uint64_t{E} * F, D, name, "the up experts"));
  OSSVK_RETURN_IF_ERROR(expect_shape(d.down, uint64_t{E} * D, F, name, "the down experts"));
  l.experts = E, l.hidden = D, l.ff = F;
  UploadOptions by_expert = options;
  by_expert.row_granularity = F;
  by_expert.row_tiles = expert_row_tiles(device);
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
  return {};
}

host::Result<MoeLayer> upload_moe_layer(host::Device& device, host::Transfer& transfer,
                                        const MoeLayerData& d, const std::string& name,
                                        const UploadOptions& options) {
  MoeLayer l;
  OSSVK_RETURN_IF_ERROR(upload_moe_router(device, transfer, d, name, options, l));
  OSSVK_RETURN_IF_ERROR(upload_moe_experts(device, transfer, d, name, options, l));
  return l;
}

std::vector<uint64_t> moe_scratch_sizes(uint32_t hidden, uint32_t experts, uint32_t ff,
                                        uint32_t tokens, uint32_t top_k, uint32_t lora_rank) {
  const uint64_t pairs = uint64_t{tokens} * top_k;
  // Sized for the narrowest tiles a grouped path takes.
  const uint64_t tiles =
      moe_matmul_max_tiles(static_cast<uint32_t>(pairs), experts, kMoeMatvecTile);
  return {uint64_t{tokens} * hidden * 4,
          uint64_t{tokens} * experts * 4,
          pairs * 4,
          pairs * 4,
          pairs * ff * 4,
          pairs * ff * 4,
          pairs * hidden * 4,
          pairs * 4,
          (1 + 3 * tiles) * 4,
          pairs * 2 * lora_rank * 4,
          lora_rank ? pairs * std::max(2 * ff, hidden) * 4 : 0};
}

host::Result<MoeScratch> create_moe_scratch(host::Device& device, const MoeLayer& layer,
                                            uint32_t tokens, uint32_t top_k, uint32_t lora_rank) {
  MoeScratch s;
  s.tokens = tokens;
  s.top_k = top_k;
  s.lora_rank = lora_rank;
  const std::vector<uint64_t> sizes =
      moe_scratch_sizes(layer.hidden, layer.experts, layer.ff, tokens, top_k, lora_rank);
  host::Buffer* buffers[] = {&s.normed, &s.logits, &s.ids,   &s.weights, &s.act,       &s.up,
                             &s.y,      &s.order,  &s.tiles, &s.lora_u,  &s.lora_delta};
  for (size_t i = 0; i < std::size(buffers); ++i)
    if (sizes[i]) {
      OSSVK_ASSIGN_OR_RETURN(*buffers[i],
                             device.allocator().allocate(sizes[i], host::MemoryUse::device));
    }
  return s;
}

namespace {

// Where the gate and up side paths keep their A x in scratch.lora_u (down's reuses gate's).
LoraRows gate_u(const MoeScratch& s) {
  return {&s.lora_u, 2 * s.lora_rank, 0};
}
LoraRows up_u(const MoeLayer& l, const MoeScratch& s) {
  return {&s.lora_u, 2 * s.lora_rank, l.gate_lora.rank};
}

// Whether prefill's grouped matmuls beat every pair reading its own expert rows. They read each
// expert's bytes once per tile instead of once per pair. On tile products (matrix units, or
// their emulation, which tests run through the model) they are the path. The scalar tiles are
// the dense matmul's, slow on GPUs; on CPU devices they measured faster through device addresses
// with 33 pairs an expert or more, and the matvec's columns (through texels) with 6 or more
// (docs/performance.md).
bool grouped_pays(const host::Device& device, bool texels, bool columns, uint32_t pairs,
                  uint32_t experts) {
  if (device.mma() != host::Mma::none) return true;
  if (columns) return pairs >= 6 * experts;
  return device.info().type == VK_PHYSICAL_DEVICE_TYPE_CPU && !texels && pairs >= 33 * experts;
}

// The grouped path's three matmuls over tiles of `tile` pairs: gate and up from the normalised
// rows into act and up, down from their SwiGLU into y: taken in its loads from act and up, or
// (columns: the matvec's form) from act, where f32_swiglu has written it.
struct GroupedMatmul {
  const DeviceMatrix* w;
  MoeMatmulArgs args;
};
std::array<GroupedMatmul, 3> grouped_matmuls(const MoeLayer& l, const MoeScratch& s, uint32_t pairs,
                                             uint32_t top_k, uint32_t tile, bool columns) {
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
  MoeMatmulArgs gate = a, up = a, down = a;
  gate.bias = &l.gate_bias;
  gate.y = &s.act;
  up.bias = &l.up_bias;
  up.y = &s.up;
  down.x = &s.act;
  down.x_up = columns ? nullptr : &s.up;
  down.x_row_div = 1;
  down.rows_per_expert = l.hidden;
  down.bias = &l.down_bias;
  down.y = &s.y;
  return {{{&l.gate, gate}, {&l.up, up}, {&l.down, down}}};
}

// Whether the grouped path runs on the matvec's columns (f32_<fmt>w_moe_matvec_texel): on devices
// whose dense prefill does (matmul_on_columns), where the decode kernels read texels and the
// grouped path's own buffers fit them too.
bool grouped_on_columns(const host::Device& device, bool texels, const MoeLayer& l,
                        const MoeScratch& s) {
  if (!texels || !matmul_on_columns(device)) return false;
  for (const GroupedMatmul& m :
       grouped_matmuls(l, s, s.tokens * s.top_k, s.top_k, kMoeMatvecTile, true))
    if (!moe_matvec_fits(device, *m.w, m.args)) return false;
  return true;
}

// The gate and up side paths' A x for every (token, slot) pair, into scratch.lora_u: gate's
// rank first in each row, then up's. The caller puts a barrier before their B.
host::Status encode_gate_up_lora_a(host::Device& device, host::CommandStream& stream,
                                   const MoeLayer& l, const MoeScratch& s, uint32_t tokens,
                                   uint32_t top_k) {
  const uint32_t pairs = tokens * top_k;
  const LoraRows x{&s.normed, l.hidden, 0};
  if (l.gate_lora)
    OSSVK_RETURN_IF_ERROR(
        encode_lora_a(device, stream, l.gate_lora, x, top_k, pairs, &s.ids, gate_u(s)));
  if (l.up_lora)
    OSSVK_RETURN_IF_ERROR(
        encode_lora_a(device, stream, l.up_lora, x, top_k, pairs, &s.ids, up_u(l, s)));
  return {};
}

// The grouped path of prefill: pairs sorted by expert, gate and up as grouped matmuls, down with
// the SwiGLU in its loads, then each token's weighted sum and residual. With `columns` the
// matmuls are the matvec's form (f32_<fmt>w_moe_matvec_texel), else the tiles; the columns take
// the SwiGLU from f32_swiglu instead, since each of down's runs of 16 rows would recompute it
// (docs/performance.md).
host::Status encode_grouped(host::Device& device, host::CommandStream& stream, const MoeLayer& l,
                            const host::Buffer& x, uint32_t tokens, uint32_t top_k, MoeScratch& s,
                            const host::Buffer& out, bool columns) {
  const uint32_t pairs = tokens * top_k;
  const uint32_t tile = columns ? kMoeMatvecTile : moe_matmul_tile(device, pairs, l.experts);
  auto matmul = [&](const GroupedMatmul& m) {
    return columns ? encode_moe_matvec(device, stream, *m.w, m.args)
                   : encode_moe_matmul(device, stream, *m.w, m.args);
  };
  OSSVK_RETURN_IF_ERROR(
      encode_moe_group(device, stream, s.ids, tokens, top_k, l.experts, tile, s.order, s.tiles));
  stream.barrier();

  const std::array<GroupedMatmul, 3> m = grouped_matmuls(l, s, pairs, top_k, tile, columns);
  OSSVK_RETURN_IF_ERROR(matmul(m[0]));
  OSSVK_RETURN_IF_ERROR(matmul(m[1]));
  OSSVK_RETURN_IF_ERROR(encode_gate_up_lora_a(device, stream, l, s, tokens, top_k));
  stream.barrier();
  // LoRA side paths onto the pre-activations the grouped path keeps apart.
  if (l.gate_lora)
    OSSVK_RETURN_IF_ERROR(encode_lora_b(device, stream, l.gate_lora, gate_u(s), pairs, &s.ids,
                                        {&s.act, l.ff, 0}, true));
  if (l.up_lora)
    OSSVK_RETURN_IF_ERROR(encode_lora_b(device, stream, l.up_lora, up_u(l, s), pairs, &s.ids,
                                        {&s.up, l.ff, 0}, true));
  if (l.gate_lora || l.up_lora) stream.barrier();
  // Down and its side path take the SwiGLU as they load act and up, or from act once
  // f32_swiglu has written it there.
  const bool swiglu_in_loads = m[2].args.x_up != nullptr;
  if (!swiglu_in_loads) {
    OSSVK_RETURN_IF_ERROR(encode_swiglu(device, stream, s.act, s.up, uint64_t{pairs} * l.ff,
                                        l.swiglu_alpha, l.swiglu_limit));
    stream.barrier();
  }
  OSSVK_RETURN_IF_ERROR(matmul(m[2]));
  if (l.down_lora) {
    const LoraSwiglu swiglu{&s.up, l.swiglu_alpha, l.swiglu_limit};
    OSSVK_RETURN_IF_ERROR(encode_lora_a(device, stream, l.down_lora, {&s.act, l.ff, 0}, 1, pairs,
                                        &s.ids, gate_u(s), swiglu_in_loads ? &swiglu : nullptr));
  }
  stream.barrier();
  if (l.down_lora) {
    OSSVK_RETURN_IF_ERROR(encode_lora_b(device, stream, l.down_lora, gate_u(s), pairs, &s.ids,
                                        {&s.y, l.hidden, 0}, true));
    stream.barrier();
  }

  return encode_moe_combine(device, stream, s.y, s.weights, x, out, tokens, top_k, l.hidden);
}

}  // namespace

namespace {

// The arguments both halves take, checked against the layer and the scratch.
host::Status check_moe(const MoeLayer& l, const host::Buffer& x, uint32_t tokens, uint32_t top_k,
                       const MoeScratch& s, const std::string& name) {
  if (top_k == 0 || top_k > l.experts)
    return fail(name, "experts per token must be 1 to " + std::to_string(l.experts) + ", not " +
                          std::to_string(top_k));
  if (top_k * l.experts > 32768)
    return fail(name, std::to_string(top_k) + " of " + std::to_string(l.experts) +
                          " experts exceed the router's limit");
  if (tokens == 0 || tokens > s.tokens || top_k > s.top_k)
    return fail(name, std::to_string(tokens) + " tokens x " + std::to_string(top_k) +
                          " experts exceed the scratch");
  for (const LoraWeights* w : {&l.router_lora, &l.gate_lora, &l.up_lora, &l.down_lora})
    if (w->rank > s.lora_rank)
      return fail(name, "a LoRA side path of rank " + std::to_string(w->rank) +
                            " exceeds the scratch's " + std::to_string(s.lora_rank));
  if (l.hidden % 32 || l.ff % 32)
    return fail(name, "hidden and expert widths must be multiples of 32");
  if (uint64_t{tokens} * top_k > 65535)
    return fail(name, "more than 65535 (token, expert) pairs in one step");
  if (!x || x.size() < uint64_t{tokens} * l.hidden * 4)
    return fail(name, "x is smaller than tokens x hidden");
  return {};
}

}  // namespace

host::Status encode_moe(host::Device& device, host::CommandStream& stream, const MoeLayer& l,
                        const host::Buffer& x, uint32_t tokens, uint32_t top_k, MoeScratch& s,
                        const host::Buffer& out, const std::string& name, MoePath path) {
  OSSVK_RETURN_IF_ERROR(encode_moe_router(device, stream, l, x, tokens, top_k, s, name));
  return encode_moe_experts(device, stream, l, x, tokens, top_k, s, out, name, path);
}

host::Status encode_moe_router(host::Device& device, host::CommandStream& stream, const MoeLayer& l,
                               const host::Buffer& x, uint32_t tokens, uint32_t top_k,
                               MoeScratch& s, const std::string& name) {
  OSSVK_RETURN_IF_ERROR(check_moe(l, x, tokens, top_k, s, name));
  const bool fused = tokens <= kMaxMatvecColumns && moe_norm_route_takes(device, l);
  const LoraRows u = gate_u(s);  // the router's A x too, before the experts need it
  if (fused) {  // decode: one dispatch, after the router's side path B A t into s.logits
    if (l.router_lora) {
      OSSVK_RETURN_IF_ERROR(
          encode_rmsnorm(device, stream, x, l.norm_gain, l.hidden, tokens, l.eps, s.normed));
      stream.barrier();
      OSSVK_RETURN_IF_ERROR(encode_lora_a(device, stream, l.router_lora, {&s.normed, l.hidden, 0},
                                          1, tokens, nullptr, u));
      stream.barrier();
      OSSVK_RETURN_IF_ERROR(encode_lora_b(device, stream, l.router_lora, u, tokens, nullptr,
                                          {&s.logits, l.experts, 0}, false));
      stream.barrier();
    }
    OSSVK_RETURN_IF_ERROR(encode_moe_norm_route(device, stream, l, x, tokens, top_k, s,
                                                l.router_lora ? &s.logits : nullptr));
    stream.barrier();
    return {};
  }
  // t = RMSNorm(x); logits = W_r t + b_r.
  OSSVK_RETURN_IF_ERROR(
      encode_rmsnorm(device, stream, x, l.norm_gain, l.hidden, tokens, l.eps, s.normed));
  stream.barrier();
  OSSVK_RETURN_IF_ERROR(
      encode_linear(device, stream, l.router, s.normed, tokens, &l.router_bias, s.logits));
  if (l.router_lora)
    OSSVK_RETURN_IF_ERROR(encode_lora_a(device, stream, l.router_lora, {&s.normed, l.hidden, 0}, 1,
                                        tokens, nullptr, u));
  stream.barrier();
  if (l.router_lora) {
    OSSVK_RETURN_IF_ERROR(encode_lora_b(device, stream, l.router_lora, u, tokens, nullptr,
                                        {&s.logits, l.experts, 0}, true));
    stream.barrier();
  }

  OSSVK_RETURN_IF_ERROR(
      encode_moe_route(device, stream, s.logits, tokens, l.experts, top_k, s.ids, s.weights));
  stream.barrier();
  return {};
}

host::Status encode_moe_experts(host::Device& device, host::CommandStream& stream,
                                const MoeLayer& l, const host::Buffer& x, uint32_t tokens,
                                uint32_t top_k, MoeScratch& s, const host::Buffer& out,
                                const std::string& name, MoePath path) {
  OSSVK_RETURN_IF_ERROR(check_moe(l, x, tokens, top_k, s, name));
  if (!out || out.size() < uint64_t{tokens} * l.hidden * 4)
    return fail(name, "out is smaller than tokens x hidden");
  const uint32_t pairs = tokens * top_k;
  const bool texels = use_texels(device, l, s);
  const bool columns = grouped_on_columns(device, texels, l, s);
  // moe_gate_up decodes gate and up with one decoder: experts whose gate and up differ in format
  // (a llama-quantize --tensor-type mix, an MLX recipe) take the grouped path at any count.
  const bool one_format = l.gate.format == l.up.format;
  if (path == MoePath::per_pair && !one_format)
    return fail(name, "gate and up experts in different formats take the grouped path only");
  const bool grouped =
      path == MoePath::automatic
          ? !one_format || (tokens > kMaxMatvecColumns &&
                            grouped_pays(device, texels, columns, pairs, l.experts))
          : path == MoePath::grouped;
  if (grouped) return encode_grouped(device, stream, l, x, tokens, top_k, s, out, columns);

  // The gate and up side paths, into lora_delta for gate_up to add before the SwiGLU.
  const host::Buffer* addend = nullptr;
  if (l.gate_lora || l.up_lora) {
    OSSVK_RETURN_IF_ERROR(encode_gate_up_lora_a(device, stream, l, s, tokens, top_k));
    stream.barrier();
    if (l.gate_lora)
      OSSVK_RETURN_IF_ERROR(encode_lora_b(device, stream, l.gate_lora, gate_u(s), pairs, &s.ids,
                                          {&s.lora_delta, 2 * l.ff, 0}, false));
    if (l.up_lora)
      OSSVK_RETURN_IF_ERROR(encode_lora_b(device, stream, l.up_lora, up_u(l, s), pairs, &s.ids,
                                          {&s.lora_delta, 2 * l.ff, l.ff}, false));
    stream.barrier();
    addend = &s.lora_delta;
  }
  OSSVK_RETURN_IF_ERROR(encode_moe_gate_up(device, stream, l, s, tokens, top_k, texels, addend));
  stream.barrier();
  OSSVK_RETURN_IF_ERROR(encode_moe_down(device, stream, l, s, x, out, tokens, top_k, texels));
  if (l.down_lora) {  // each pair's B_e A_e h, weighted like its expert's output, onto out
    OSSVK_RETURN_IF_ERROR(
        encode_lora_a(device, stream, l.down_lora, {&s.act, l.ff, 0}, 1, pairs, &s.ids, gate_u(s)));
    stream.barrier();
    OSSVK_RETURN_IF_ERROR(encode_lora_b(device, stream, l.down_lora, gate_u(s), pairs, &s.ids,
                                        {&s.lora_delta, l.hidden, 0}, false));
    stream.barrier();
    OSSVK_RETURN_IF_ERROR(encode_moe_combine(device, stream, s.lora_delta, s.weights, out, out,
                                             tokens, top_k, l.hidden));
  }
  return {};
}

}  // namespace ossvk
