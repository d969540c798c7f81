#include "backend/kernels/moe_route.h"

#include <string>

#include "shaders/kernel_names.h"
#include "shaders/moe_route_push.h"

namespace ossvk {

static_assert(sizeof(shaders::MoeRoutePush) == 40,
              "MoeRoutePush must match its GLSL std430 layout");

host::Status encode_moe_route(host::Device& device, host::CommandStream& stream,
                              const host::Buffer& logits, uint32_t tokens, uint32_t experts,
                              uint32_t top_k, const host::Buffer& ids,
                              const host::Buffer& weights) {
  const uint64_t pairs = uint64_t{tokens} * top_k;
  if (!tokens || !top_k || top_k > experts || experts > kMaxExperts || !logits ||
      logits.size() < uint64_t{tokens} * experts * 4 || !ids || ids.size() < pairs * 4 ||
      !weights || weights.size() < pairs * 4)
    return host::Status::error("f32_moe_route: bad sizes (" + std::to_string(tokens) + " tokens, " +
                               std::to_string(top_k) + " of " + std::to_string(experts) +
                               " experts) or short buffers");
  OSSVK_ASSIGN_OR_RETURN(
      const host::Pipeline* route,
      device.pipelines().get(
          {std::string(kernel_names::f32_moe_route), {}, sizeof(shaders::MoeRoutePush)}));
  shaders::MoeRoutePush rp{
      logits.address(), ids.address(), weights.address(), tokens, experts, top_k, 0};
  stream.dispatch(*route, &rp, (tokens + 63) / 64);
  return {};
}

}  // namespace ossvk
