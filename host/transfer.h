// Moves bytes between host memory and device buffers through bounded host-visible staging
// buffers, so uploading a 12 GB model never needs 12 GB of staging memory.
#pragma once
#include <memory>

#include "host/commands.h"

namespace ossvk::host {

class Transfer {
 public:
  static constexpr VkDeviceSize kDefaultChunk = 64ull << 20;
  static Result<std::unique_ptr<Transfer>> create(Device& device,
                                                  VkDeviceSize chunk = kDefaultChunk);

  Status upload(const Buffer& dst, VkDeviceSize dst_offset, const void* src, VkDeviceSize size);
  Status download(const Buffer& src, VkDeviceSize src_offset, void* dst, VkDeviceSize size);
  VkDeviceSize chunk() const { return chunk_; }

 private:
  Transfer(Device& device, VkDeviceSize chunk) : device_(device), chunk_(chunk) {}
  Status check_range(const Buffer& b, VkDeviceSize offset, VkDeviceSize size,
                     const char* what) const;
  Device& device_;
  VkDeviceSize chunk_;
  std::unique_ptr<CommandStream> stream_;
  Buffer upload_staging_;
  Buffer download_staging_;
};

}  // namespace ossvk::host
