// The Vulkan instance: loads the loader through volk, optionally enables the Khronos validation
// layer (with synchronization validation) and counts every message it reports.
#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "host/status.h"

namespace ossvk::host {

struct InstanceOptions {
  // Enable VK_LAYER_KHRONOS_validation. Defaults to the OSSVK_VALIDATION environment variable.
  bool validation = validation_requested_by_env();
  static bool validation_requested_by_env();
  // With validation, also GPU-assisted validation (shaders instrumented for out-of-bounds
  // device-address and descriptor accesses): OSSVK_VALIDATION=gpu.
  bool gpu_assisted = gpu_assisted_requested_by_env();
  static bool gpu_assisted_requested_by_env();
};

class Instance {
 public:
  static Result<std::unique_ptr<Instance>> create(const InstanceOptions& options = {});
  ~Instance();
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  VkInstance handle() const { return instance_; }
  uint32_t api_version() const { return api_version_; }
  bool validation_enabled() const { return messenger_ != VK_NULL_HANDLE; }
  bool gpu_assisted_validation() const { return gpu_assisted_; }

  // Validation messages of warning or error severity seen so far.
  uint32_t validation_messages() const { return messages_.load(); }
  std::string last_validation_message() const;
  // Receives each counted message; the default writes it to stderr.
  void set_validation_sink(std::function<void(const char*)> sink);

 private:
  Instance() = default;
  static VKAPI_ATTR VkBool32 VKAPI_CALL on_message(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                                   VkDebugUtilsMessageTypeFlagsEXT types,
                                                   const VkDebugUtilsMessengerCallbackDataEXT* data,
                                                   void* user);

  VkInstance instance_ = VK_NULL_HANDLE;
  bool gpu_assisted_ = false;
  VkDebugUtilsMessengerEXT messenger_ = VK_NULL_HANDLE;
  uint32_t api_version_ = 0;
  std::atomic<uint32_t> messages_{0};
  mutable std::mutex sink_mutex_;
  std::function<void(const char*)> sink_;
  std::string last_message_;
};

}  // namespace ossvk::host
