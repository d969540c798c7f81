#include "backend/kernels/copy.h"

#include <algorithm>
#include <string>

#include "backend/kernels/binding.h"
#include "shaders/copy_push.h"
#include "shaders/kernel_names.h"

namespace ossvk {

static_assert(sizeof(shaders::CopyPush) == 24, "CopyPush must match its GLSL std430 layout");

host::Status encode_f32_copy(host::Device& device, host::CommandStream& stream,
                             const host::Buffer& src, const host::Buffer& dst, uint64_t bytes) {
  if (bytes % 16 != 0 || bytes / 16 > UINT32_MAX)
    return host::Status::error("f32_copy: " + std::to_string(bytes) +
                               " bytes is not a multiple of 16 below 64 GiB");
  if (!src || !dst || src.size() < bytes || dst.size() < bytes)
    return host::Status::error("f32_copy: buffers smaller than " + std::to_string(bytes) +
                               " bytes");
  constexpr uint32_t kWorkgroupSize = 256;
  const bool texels = device.prefers_descriptors() &&
                      bytes <= device.info().max_storage_buffer_range &&
                      fits_texels(src, device.info());
  host::PipelineDesc desc{
      std::string(texels ? kernel_names::f32_copy_texel : kernel_names::f32_copy),
      shaders::CopySpec{kWorkgroupSize}.words(), sizeof(shaders::CopyPush)};
  if (texels)
    desc.bindings = {VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER};
  OSSVK_ASSIGN_OR_RETURN(const host::Pipeline* pipeline, device.pipelines().get(desc));
  shaders::CopyPush push{src.address(), dst.address(), static_cast<uint32_t>(bytes / 16), 0};
  // Enough groups to fill any device; each invocation strides over the rest.
  uint32_t groups = std::min<uint64_t>((push.count + kWorkgroupSize - 1) / kWorkgroupSize, 4096);
  if (texels) {
    OSSVK_ASSIGN_OR_RETURN(host::Descriptor src_texels, texel(src, host::TexelFormat::f32x4));
    const host::Descriptor bindings[2] = {src_texels, storage(dst, bytes)};
    stream.dispatch(*pipeline, bindings, &push, std::max(1u, groups));
  } else {
    stream.dispatch(*pipeline, &push, std::max(1u, groups));
  }
  return {};
}

}  // namespace ossvk
