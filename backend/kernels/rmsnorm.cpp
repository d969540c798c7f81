#include "backend/kernels/rmsnorm.h"

#include <string>

#include "shaders/kernel_names.h"
#include "shaders/rmsnorm_push.h"

namespace ossvk {

static_assert(sizeof(shaders::RmsnormPush) == 40, "RmsnormPush must match its GLSL std430 layout");

host::Status encode_rmsnorm(host::Device& device, host::CommandStream& stream,
                            const host::Buffer& x, const host::Buffer& gain, uint32_t n,
                            uint32_t tokens, float eps, const host::Buffer& y) {
  if (n == 0 || tokens == 0) return host::Status::error("rmsnorm: empty input");
  const uint64_t bytes = uint64_t{n} * tokens * 4;
  if (!x || x.size() < bytes || !y || y.size() < bytes || !gain || gain.size() < uint64_t{n} * 4)
    return host::Status::error("rmsnorm: buffers smaller than " + std::to_string(tokens) + " x " +
                               std::to_string(n) + " floats");
  OSSVK_ASSIGN_OR_RETURN(
      const host::Pipeline* pipeline,
      device.pipelines().get({std::string(kernel_names::f32_rmsnorm),
                              shaders::RmsnormSpec{}.words(), sizeof(shaders::RmsnormPush)}));
  shaders::RmsnormPush push{x.address(), gain.address(), y.address(), n, tokens, eps, 0};
  stream.dispatch(*pipeline, &push, tokens);
  return {};
}

}  // namespace ossvk
