#include "backend/kernels/moe_combine.h"

#include <string>

#include "shaders/kernel_names.h"
#include "shaders/moe_combine_push.h"

namespace ossvk {

static_assert(sizeof(shaders::MoeCombinePush) == 48,
              "MoeCombinePush must match its GLSL std430 layout");

host::Status encode_moe_combine(host::Device& device, host::CommandStream& stream,
                                const host::Buffer& y, const host::Buffer& weights,
                                const host::Buffer& residual, const host::Buffer& out,
                                uint32_t tokens, uint32_t top_k, uint32_t hidden) {
  const uint64_t rows = uint64_t{tokens} * hidden * 4;
  if (!tokens || !top_k || hidden % 4 || !y || y.size() < rows * top_k || !weights ||
      weights.size() < uint64_t{tokens} * top_k * 4 || !residual || residual.size() < rows ||
      !out || out.size() < rows)
    return host::Status::error("f32_moe_combine: bad sizes or short buffers");
  OSSVK_ASSIGN_OR_RETURN(
      const host::Pipeline* combine,
      device.pipelines().get(
          {std::string(kernel_names::f32_moe_combine), {}, sizeof(shaders::MoeCombinePush)}));
  shaders::MoeCombinePush cp{
      y.address(), weights.address(), residual.address(), out.address(), tokens, top_k, hidden, 0};
  stream.dispatch(*combine, &cp, (tokens * (hidden / 4) + 63) / 64);
  return {};
}

}  // namespace ossvk
