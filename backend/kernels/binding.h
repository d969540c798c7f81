// How launchers hand buffers to kernels: through device addresses (any size), or, where the
// device prefers it (host::BufferAccess), through the kernel's _ssbo variant with storage-buffer
// descriptors, when every range fits maxStorageBufferRange.
#pragma once
#include <algorithm>

#include "host/device.h"

namespace ossvk {

// The largest plane a weight part may have on this device: parts fit a descriptor where
// descriptors are preferred.
inline uint64_t max_part_bytes(const host::Device& device) {
  const host::DeviceInfo& info = device.info();
  return device.prefers_descriptors()
             ? std::min(info.max_memory_allocation_size, info.max_storage_buffer_range)
             : info.max_memory_allocation_size;
}

inline VkDescriptorBufferInfo descriptor(const host::Buffer& b, VkDeviceSize bytes) {
  return {b.vk_buffer(), b.offset(), bytes};
}

}  // namespace ossvk
