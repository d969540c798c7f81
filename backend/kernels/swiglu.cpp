#include "backend/kernels/swiglu.h"

#include <algorithm>
#include <string>

#include "shaders/kernel_names.h"
#include "shaders/swiglu_push.h"

namespace ossvk {

static_assert(sizeof(shaders::SwigluPush) == 24, "SwigluPush must match its GLSL std430 layout");

host::Status encode_swiglu(host::Device& device, host::CommandStream& stream,
                           const host::Buffer& gate, const host::Buffer& up, uint64_t count,
                           float alpha, float limit) {
  if (count > UINT32_MAX)
    return host::Status::error("f32_swiglu: " + std::to_string(count) +
                               " values exceed one dispatch's 2^32");
  if (!gate || !up || gate.size() < count * 4 || up.size() < count * 4)
    return host::Status::error("f32_swiglu: gate or up holds fewer than " + std::to_string(count) +
                               " floats");
  if (count == 0) return {};
  constexpr uint32_t kWorkgroupSize = 256;
  OSSVK_ASSIGN_OR_RETURN(
      const host::Pipeline* pipeline,
      device.pipelines().get(host::PipelineDesc{
          std::string(kernel_names::f32_swiglu),
          shaders::SwigluSpec{kWorkgroupSize, alpha, limit}.words(), sizeof(shaders::SwigluPush)}));
  const shaders::SwigluPush push{gate.address(), up.address(), static_cast<uint32_t>(count), 0};
  // Enough groups to fill any device; each invocation strides over the rest.
  const uint32_t groups = static_cast<uint32_t>(
      std::min<uint64_t>((count + kWorkgroupSize - 1) / kWorkgroupSize, 4096));
  stream.dispatch(*pipeline, &push, groups);
  return {};
}

}  // namespace ossvk
