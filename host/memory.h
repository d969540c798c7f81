// Device memory: buffers are ranges suballocated from blocks no larger than
// maxMemoryAllocationSize, each addressed by its buffer device address. Requests larger than a
// block get a dedicated allocation. Failures come back as statuses, never as crashes.
#pragma once
#include <algorithm>
#include <array>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "host/device_info.h"
#include "host/handle.h"

namespace ossvk::host {

enum class MemoryUse {
  device,    // device-local, for kernels
  upload,    // host-visible, written by the host
  download,  // host-visible and cached where possible, read by the host
  // host-visible system memory (not device-local where the device tells them apart) that kernels
  // read across the bus: weights too large for the device's own memory
  system,
};
inline constexpr size_t kMemoryUses = 4;

// What the allocator rounds every buffer up to on `info`'s device.
inline VkDeviceSize buffer_alignment(const DeviceInfo& info) {
  return std::max({VkDeviceSize{256}, info.min_storage_buffer_offset_alignment,
                   info.min_texel_buffer_offset_alignment});
}
// The bytes a buffer of `size` takes from the allocator on `info`'s device; sizes under 16
// count as the 16 bytes callers ask for where a buffer may be empty.
inline VkDeviceSize allocated_bytes(VkDeviceSize size, const DeviceInfo& info) {
  const VkDeviceSize a = buffer_alignment(info);
  return (std::max<VkDeviceSize>(size, 16) + a - 1) / a * a;
}

class Allocator;

// How a kernel reads a buffer through a uniform texel buffer: four 32-bit words or four floats
// per texel, or one unsigned 8- or 16-bit value per texel.
enum class TexelFormat { u32x4, f32x4, u8, u16, count };
inline constexpr uint32_t texel_bytes(TexelFormat format) {
  switch (format) {
    case TexelFormat::u8:
      return 1;
    case TexelFormat::u16:
      return 2;
    default:
      return 16;
  }
}

class Buffer {
 public:
  Buffer() = default;
  Buffer(Buffer&& o) noexcept;
  Buffer& operator=(Buffer&& o) noexcept;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer();

  VkBuffer vk_buffer() const { return vk_buffer_; }
  VkDeviceSize offset() const { return offset_; }  // within vk_buffer()
  VkDeviceSize size() const { return size_; }
  VkDeviceAddress address() const { return address_; }  // 0 for a null buffer
  std::byte* mapped() const { return mapped_; }         // null unless host-visible
  explicit operator bool() const { return owner_ != nullptr; }
  // A view of the whole buffer as 16-byte uniform texels, made on first use and destroyed with
  // the buffer (thread-safe). The last texel may run into the allocation's padding. Fails when
  // the buffer holds more than maxTexelBufferElements texels.
  Result<VkBufferView> texel_view(TexelFormat format) const;

 private:
  friend class Allocator;
  void release();
  mutable std::array<DeviceHandle<VkBufferView>, static_cast<size_t>(TexelFormat::count)> views_;
  Allocator* owner_ = nullptr;
  size_t block_ = 0;
  VkBuffer vk_buffer_ = VK_NULL_HANDLE;
  VkDeviceSize offset_ = 0;
  VkDeviceSize size_ = 0;
  VkDeviceAddress address_ = 0;
  std::byte* mapped_ = nullptr;
};

class Allocator {
 public:
  // block_size: the size of shared blocks, capped to maxMemoryAllocationSize.
  Allocator(VkDevice device, const DeviceInfo& info, VkDeviceSize block_size = 256ull << 20);
  ~Allocator();
  Allocator(const Allocator&) = delete;
  Allocator& operator=(const Allocator&) = delete;

  // Thread-safe. The buffer must not outlive the allocator.
  Result<Buffer> allocate(VkDeviceSize size, MemoryUse use);

  // Fault injection for tests: after `successes` more allocations, the next fails as the driver
  // would when memory runs out (VK_ERROR_OUT_OF_DEVICE_MEMORY); SIZE_MAX turns it off.
  void fail_allocation_after(size_t successes);

  VkDeviceSize block_size() const { return block_size_; }
  VkDeviceSize bytes_in_use() const;
  VkDeviceSize bytes_in_use(MemoryUse use) const;
  size_t block_count() const;  // live VkDeviceMemory allocations

 private:
  friend class Buffer;
  struct Block;
  Result<size_t> new_block(VkDeviceSize size, MemoryUse use, bool dedicated);
  void free(size_t block, VkDeviceSize offset, VkDeviceSize size);

  VkDevice device_;
  uint64_t max_texel_elements_;
  VkPhysicalDeviceMemoryProperties memory_props_{};
  VkDeviceSize max_allocation_;
  VkDeviceSize block_size_;
  VkDeviceSize alignment_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Block>> blocks_;
  std::array<VkDeviceSize, kMemoryUses> in_use_{};
  size_t fail_countdown_ = SIZE_MAX;
};

}  // namespace ossvk::host
