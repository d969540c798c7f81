// How launchers hand buffers to kernels: through device addresses (any size), or, where the
// device prefers it (host::BufferAccess), through the kernel's _texel variant, which reads its
// weights and activations through uniform texel buffers and the rest through storage buffers,
// when every range fits the device's limits. On lavapipe a storage-buffer or device-address load
// whose index differs between lanes is a loop over the lanes with a branch and a bounds check per
// 32-bit word; a texel fetch is one branchless gather of whole texels (a uvec4 per lane), which
// streams 2 to 6 times faster there.
#pragma once
#include <algorithm>

#include "backend/device_matrix.h"
#include "host/commands.h"

namespace ossvk {

// The largest quant plane a weight part may have on this device: parts fit one texel view where
// descriptors are preferred.
inline uint64_t max_part_bytes(const host::Device& device) {
  const host::DeviceInfo& info = device.info();
  const uint64_t texel_range = uint64_t{info.max_texel_buffer_elements} * host::kTexelBytes;
  return device.prefers_descriptors() ? std::min(info.max_memory_allocation_size, texel_range)
                                      : info.max_memory_allocation_size;
}

inline bool fits_texels(const host::Buffer& b, const host::DeviceInfo& info) {
  return (b.size() + host::kTexelBytes - 1) / host::kTexelBytes <= info.max_texel_buffer_elements;
}

inline host::Descriptor storage(const host::Buffer& b, VkDeviceSize bytes) {
  return {VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, {b.vk_buffer(), b.offset(), bytes}, VK_NULL_HANDLE};
}

inline host::Result<host::Descriptor> texel(const host::Buffer& b, host::TexelFormat format) {
  OSSVK_ASSIGN_OR_RETURN(VkBufferView view, b.texel_view(format));
  return host::Descriptor{VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER, {}, view};
}

// The planes of one weight part as texel bindings (shaders/texel_weights.glsl).
struct WeightTexels {
  host::Descriptor quants, scales, aux;
};

inline bool fits_texels(const DeviceMatrix::Part& part, const host::DeviceInfo& info) {
  return fits_texels(part.quants, info) && (!part.scales || fits_texels(part.scales, info)) &&
         (!part.aux || fits_texels(part.aux, info));
}

inline host::Result<WeightTexels> weight_texels(const DeviceMatrix::Part& part) {
  WeightTexels t;
  OSSVK_ASSIGN_OR_RETURN(t.quants, texel(part.quants, host::TexelFormat::u32x4));
  // A plane the format lacks is never read; the quants stand in for it.
  t.scales = t.aux = t.quants;
  if (part.scales) {
    OSSVK_ASSIGN_OR_RETURN(t.scales, texel(part.scales, host::TexelFormat::u32x4));
  }
  if (part.aux) {
    OSSVK_ASSIGN_OR_RETURN(t.aux, texel(part.aux, host::TexelFormat::u32x4));
  }
  return t;
}

}  // namespace ossvk
