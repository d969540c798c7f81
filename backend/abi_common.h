// What every C ABI entry point shares: host::Status turned into ossvk_status plus a per-thread
// message, no C++ exception escaping (guarded), and the process-wide instance and device list.
#pragma once
#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "backend/include/ossvk.h"
#include "host/device_info.h"

namespace ossvk::abi {

using ossvk::host::Status;

inline thread_local std::string t_last_error;

inline ossvk_status fail(ossvk_status code, const std::string& message) {
  t_last_error = message;
  return code;
}

inline ossvk_status fail(const Status& s) {
  ossvk_status code = OSSVK_ERROR_INTERNAL;
  switch (s.vk_result()) {
    case VK_ERROR_INITIALIZATION_FAILED:
    case VK_ERROR_INCOMPATIBLE_DRIVER:
    case VK_ERROR_LAYER_NOT_PRESENT:
      code = OSSVK_ERROR_NO_VULKAN;
      break;
    case VK_ERROR_FEATURE_NOT_PRESENT:
    case VK_ERROR_EXTENSION_NOT_PRESENT:
      code = OSSVK_ERROR_UNSUPPORTED;
      break;
    case VK_ERROR_OUT_OF_DEVICE_MEMORY:
    case VK_ERROR_OUT_OF_HOST_MEMORY:
      code = OSSVK_ERROR_OUT_OF_MEMORY;
      break;
    case VK_ERROR_DEVICE_LOST:
      code = OSSVK_ERROR_DEVICE_LOST;
      break;
    case VK_TIMEOUT:
      code = OSSVK_ERROR_TIMEOUT;
      break;
    case VK_ERROR_FORMAT_NOT_SUPPORTED:  // the loaders' malformed-file errors
      code = OSSVK_ERROR_BAD_FILE;
      break;
    default:
      break;
  }
  return fail(code, s.to_string());
}

template <class F>
ossvk_status guarded(F&& f) {
  try {
    t_last_error.clear();
    return f();
  } catch (const std::exception& e) {
    return fail(OSSVK_ERROR_INTERNAL, std::string("internal error: ") + e.what());
  } catch (...) {
    return fail(OSSVK_ERROR_INTERNAL, "internal error");
  }
}

// The instance and device list, made once per process; instance creation is not cheap.
struct DeviceList {
  std::unique_ptr<ossvk::host::Instance> instance;
  std::vector<ossvk::host::DeviceInfo> devices;
  Status status;
};

inline const DeviceList& device_list() {
  static DeviceList list = [] {
    DeviceList l;
    auto inst = ossvk::host::Instance::create();
    if (!inst.ok()) {
      l.status = inst.status();
      return l;
    }
    l.instance = std::move(inst).value();
    auto devs = ossvk::host::enumerate_devices(*l.instance);
    if (!devs.ok())
      l.status = devs.status();
    else
      l.devices = std::move(devs).value();
    return l;
  }();
  return list;
}

template <size_t N>
void copy_string(char (&dst)[N], const std::string& src) {
  std::snprintf(dst, N, "%s", src.c_str());
}

}  // namespace ossvk::abi
