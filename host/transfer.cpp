#include "host/transfer.h"

#include <algorithm>
#include <cstring>

namespace ossvk::host {

Result<std::unique_ptr<Transfer>> Transfer::create(Device& device, VkDeviceSize chunk) {
  std::unique_ptr<Transfer> t(
      new Transfer(device, std::min(chunk, device.allocator().block_size())));
  OSSVK_ASSIGN_OR_RETURN(t->stream_, CommandStream::create(device, 0));
  return t;
}

Status Transfer::check_range(const Buffer& b, VkDeviceSize offset, VkDeviceSize size,
                             const char* what) const {
  if (!b) return Status::error(std::string(what) + ": null buffer");
  if (offset > b.size() || size > b.size() - offset)
    return Status::error(std::string(what) + ": range [" + std::to_string(offset) + ", +" +
                         std::to_string(size) + ") exceeds the buffer's " +
                         std::to_string(b.size()) + " bytes");
  return {};
}

Status Transfer::upload(const Buffer& dst, VkDeviceSize dst_offset, const void* src,
                        VkDeviceSize size) {
  OSSVK_RETURN_IF_ERROR(check_range(dst, dst_offset, size, "upload"));
  if (size && !src) return Status::error("upload: null source");
  if (dst.mapped()) {  // host-visible: no staging, no queue
    std::memcpy(dst.mapped() + dst_offset, src, size);
    return {};
  }
  if (!upload_staging_) {
    OSSVK_ASSIGN_OR_RETURN(upload_staging_,
                           device_.allocator().allocate(chunk_, MemoryUse::upload));
  }
  auto* from = static_cast<const std::byte*>(src);
  for (VkDeviceSize done = 0; done < size;) {
    VkDeviceSize n = std::min(chunk_, size - done);
    std::memcpy(upload_staging_.mapped(), from + done, n);
    OSSVK_RETURN_IF_ERROR(stream_->begin());
    stream_->copy(upload_staging_, 0, dst, dst_offset + done, n);
    OSSVK_RETURN_IF_ERROR(stream_->submit_and_wait());
    done += n;
  }
  return {};
}

Status Transfer::download(const Buffer& src, VkDeviceSize src_offset, void* dst,
                          VkDeviceSize size) {
  OSSVK_RETURN_IF_ERROR(check_range(src, src_offset, size, "download"));
  if (size && !dst) return Status::error("download: null destination");
  if (!download_staging_) {
    OSSVK_ASSIGN_OR_RETURN(download_staging_,
                           device_.allocator().allocate(chunk_, MemoryUse::download));
  }
  auto* to = static_cast<std::byte*>(dst);
  for (VkDeviceSize done = 0; done < size;) {
    VkDeviceSize n = std::min(chunk_, size - done);
    OSSVK_RETURN_IF_ERROR(stream_->begin());
    stream_->copy(src, src_offset + done, download_staging_, 0, n);
    stream_->host_barrier();
    OSSVK_RETURN_IF_ERROR(stream_->submit_and_wait());
    std::memcpy(to + done, download_staging_.mapped(), n);
    done += n;
  }
  return {};
}

}  // namespace ossvk::host
