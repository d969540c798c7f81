// How launchers hand buffers to kernels: through device addresses (any size), or, where the
// device prefers it (host::BufferAccess), through the kernel's _texel variant, which reads its
// weights and activations through uniform texel buffers and the rest through storage buffers,
// when every range fits the device's limits. On lavapipe a texel fetch is one branchless gather
// of whole texels where a storage or address load is a loop over the lanes: 2 to 6 times faster
// (docs/performance.md).
#pragma once
#include <algorithm>
#include <array>

#include "backend/device_matrix.h"
#include "host/commands.h"

namespace ossvk {

// The largest quant plane a weight part may have on this device: parts fit one texel view where
// descriptors are preferred.
inline uint64_t max_part_bytes(const host::Device& device) {
  const host::DeviceInfo& info = device.info();
  const uint64_t texel_range =
      uint64_t{info.max_texel_buffer_elements} * host::texel_bytes(host::TexelFormat::u32x4);
  return device.prefers_descriptors() ? std::min(info.max_memory_allocation_size, texel_range)
                                      : info.max_memory_allocation_size;
}

inline bool fits_texels(const host::Buffer& b, const host::DeviceInfo& info,
                        host::TexelFormat format = host::TexelFormat::f32x4) {
  const uint64_t bytes = host::texel_bytes(format);
  return (b.size() + bytes - 1) / bytes <= info.max_texel_buffer_elements;
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

// A part's planes, each with the view it is read through; a plane the format lacks is a null
// buffer. Quants and 32-bit aux are read four words a texel; 8- and 16-bit scales and aux one
// value a texel, which measured faster than a 16-byte texel cut down to one value
// (docs/performance.md).
struct TexelPlane {
  const host::Buffer* buffer;
  host::TexelFormat format;
};

inline std::array<TexelPlane, 3> texel_planes(DeviceFormat format, const DeviceMatrix::Part& part) {
  const DeviceFormatInfo& f = device_format_info(format);
  auto values = [](uint32_t bytes) {
    return bytes == 1   ? host::TexelFormat::u8
           : bytes == 2 ? host::TexelFormat::u16
                        : host::TexelFormat::u32x4;
  };
  return {{{&part.quants, host::TexelFormat::u32x4},
           {&part.scales, values(f.scale_bytes)},
           {&part.aux, values(f.aux_bytes)}}};
}

inline bool fits_texels(DeviceFormat format, const DeviceMatrix::Part& part,
                        const host::DeviceInfo& info) {
  for (const TexelPlane& p : texel_planes(format, part))
    if (*p.buffer && !fits_texels(*p.buffer, info, p.format)) return false;
  return true;
}

inline host::Result<WeightTexels> weight_texels(DeviceFormat format,
                                                const DeviceMatrix::Part& part) {
  host::Descriptor d[3];
  const std::array<TexelPlane, 3> planes = texel_planes(format, part);
  for (size_t i = 0; i < planes.size(); ++i) {
    // A plane the format lacks is never read; the quants stand in for it.
    if (!*planes[i].buffer) {
      d[i] = d[0];
      continue;
    }
    OSSVK_ASSIGN_OR_RETURN(d[i], texel(*planes[i].buffer, planes[i].format));
  }
  return WeightTexels{d[0], d[1], d[2]};
}

}  // namespace ossvk
