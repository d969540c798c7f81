#include "backend/kernels/moe_norm_route.h"

#include <string>

#include "backend/kernels/matvec.h"
#include "backend/kernels/moe_route.h"
#include "shaders/kernel_names.h"
#include "shaders/moe_norm_route_push.h"

namespace ossvk {

static_assert(sizeof(shaders::MoeNormRoutePush) == 104,
              "MoeNormRoutePush must match its GLSL std430 layout");

namespace {

shaders::MoeNormRouteSpec spec(const MoeLayer& l) {
  return {.stage_blocks = l.hidden / 32};
}

// The shader's shared memory: the staged row (8 vec4 planes of blocks + 1), 64 partial sums and
// kMaxExperts logits.
uint64_t shared_bytes(const MoeLayer& l) {
  return 8ull * (l.hidden / 32 + 1) * 16 + 64 * 4 + kMaxExperts * 4;
}

}  // namespace

bool moe_norm_route_takes(const host::Device& device, const MoeLayer& l) {
  const host::DeviceInfo& info = device.info();
  return l.router.parts.size() == 1 && l.experts <= kMaxExperts && l.hidden % 32 == 0 &&
         shared_bytes(l) <= info.max_shared_memory &&
         spec(l).invocations <= info.max_workgroup_invocations &&
         info.max_subgroups(spec(l).invocations) <= 64;
}

host::Status encode_moe_norm_route(host::Device& device, host::CommandStream& stream,
                                   const MoeLayer& l, const host::Buffer& x, uint32_t tokens,
                                   uint32_t top_k, const MoeScratch& s,
                                   const host::Buffer* addend) {
  const std::string kernel = kernel_for(kernel_names::moe_norm_route, l.router.format);
  if (!moe_norm_route_takes(device, l))
    return host::Status::error(kernel + ": the layer's router does not fit it");
  const uint64_t rows = uint64_t{tokens} * l.hidden * 4, pairs = uint64_t{tokens} * top_k * 4;
  if (tokens == 0 || tokens > kMaxMatvecColumns || top_k == 0 || top_k > l.experts ||
      x.size() < rows || s.normed.size() < rows || s.ids.size() < pairs ||
      s.weights.size() < pairs || (addend && addend->size() < uint64_t{tokens} * l.experts * 4))
    return host::Status::error(kernel + ": " + std::to_string(tokens) + " tokens x " +
                               std::to_string(top_k) + " experts exceed its buffers or limits");
  OSSVK_ASSIGN_OR_RETURN(
      const host::Pipeline* pipeline,
      device.pipelines().get({kernel, spec(l).words(), sizeof(shaders::MoeNormRoutePush)}));
  const DeviceMatrix::Part& w = l.router.parts[0];
  const shaders::MoeNormRoutePush push{w.quants.address(),
                                       w.scales.address(),
                                       w.aux.address(),
                                       x.address(),
                                       l.norm_gain.address(),
                                       l.router_bias.address(),
                                       s.normed.address(),
                                       s.ids.address(),
                                       s.weights.address(),
                                       addend ? addend->address() : s.weights.address(),
                                       l.hidden,
                                       l.experts,
                                       top_k,
                                       group_shift(l.router),
                                       scale_dtype_flags(l.router) | (addend ? 8u : 0u),
                                       l.eps};
  stream.dispatch(*pipeline, &push, tokens);
  return {};
}

}  // namespace ossvk
