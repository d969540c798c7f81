// Move-only owner of one device-level Vulkan handle; it destroys the handle and keeps the count of
// live objects (host/live_objects.h), nothing else.
#pragma once
#include <utility>

#include "host/live_objects.h"
#include "host/vk.h"

namespace ossvk::host {

template <class T>
class DeviceHandle {
 public:
  using Destroy = void(VKAPI_PTR*)(VkDevice, T, const VkAllocationCallbacks*);

  DeviceHandle() = default;
  DeviceHandle(VkDevice device, T handle, Destroy destroy)
      : device_(device), handle_(handle), destroy_(destroy) {
    if (handle_ != VK_NULL_HANDLE) count_object(object_type<T>(), +1);
  }
  DeviceHandle(DeviceHandle&& o) noexcept
      : device_(o.device_),
        handle_(std::exchange(o.handle_, VK_NULL_HANDLE)),
        destroy_(o.destroy_) {}
  DeviceHandle& operator=(DeviceHandle&& o) noexcept {
    if (this != &o) {
      reset();
      device_ = o.device_;
      handle_ = std::exchange(o.handle_, VK_NULL_HANDLE);
      destroy_ = o.destroy_;
    }
    return *this;
  }
  DeviceHandle(const DeviceHandle&) = delete;
  DeviceHandle& operator=(const DeviceHandle&) = delete;
  ~DeviceHandle() { reset(); }

  void reset() {
    if (handle_ == VK_NULL_HANDLE) return;
    destroy_(device_, handle_, nullptr);
    count_object(object_type<T>(), -1);
    handle_ = VK_NULL_HANDLE;
  }
  T get() const { return handle_; }
  explicit operator bool() const { return handle_ != VK_NULL_HANDLE; }

 private:
  VkDevice device_ = VK_NULL_HANDLE;
  T handle_ = VK_NULL_HANDLE;
  Destroy destroy_ = nullptr;
};

}  // namespace ossvk::host
