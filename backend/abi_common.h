// What every C ABI entry point shares: host::Status turned into ossvk_status plus a per-thread
// message, no C++ exception escaping (guarded), and the process-wide instance and device list.
#pragma once
#include <cstddef>
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
  using ossvk::host::ErrorCategory;
  switch (s.category()) {
    case ErrorCategory::bad_file:
      return fail(OSSVK_ERROR_BAD_FILE, s.to_string());
    case ErrorCategory::bad_argument:
      return fail(OSSVK_ERROR_INVALID_ARGUMENT, s.to_string());
    case ErrorCategory::device_limit:
      return fail(OSSVK_ERROR_UNSUPPORTED, s.to_string());
    case ErrorCategory::out_of_memory:
      return fail(OSSVK_ERROR_OUT_OF_MEMORY, s.to_string());
    case ErrorCategory::device_lost:
      return fail(OSSVK_ERROR_DEVICE_LOST, s.to_string());
    case ErrorCategory::timeout:
      return fail(OSSVK_ERROR_TIMEOUT, s.to_string());
    case ErrorCategory::no_vulkan:
      return fail(OSSVK_ERROR_NO_VULKAN, s.to_string());
    default:
      return fail(OSSVK_ERROR_INTERNAL, s.to_string());
  }
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

// ossvk_model_load and ossvk_model_create_synthetic for callers of older ABI versions, whose
// ossvk_model_options ends at byte kEnd (abi_model.cpp): versions 3 and 4 before lora_paths,
// version 5 before experts_on, version 6 before experts_device, version 7 before plan_sessions;
// version 8's is this version's.
inline constexpr size_t kOptionsEndV4 = offsetof(ossvk_model_options, lora_paths);
inline constexpr size_t kOptionsEndV5 = offsetof(ossvk_model_options, experts_on);
inline constexpr size_t kOptionsEndV6 = offsetof(ossvk_model_options, experts_device);
inline constexpr size_t kOptionsEndV7 = offsetof(ossvk_model_options, plan_sessions);
inline constexpr size_t kOptionsEndV8 = sizeof(ossvk_model_options);
// ossvk_model_get_placement writing an older version's shorter ossvk_placement: version 6's
// ends before experts_device_name, version 7's before cache_sessions, version 8's before
// experts_device_work_bytes.
inline constexpr size_t kPlacementEndV6 = offsetof(ossvk_placement, experts_device_name);
inline constexpr size_t kPlacementEndV7 = offsetof(ossvk_placement, cache_sessions);
inline constexpr size_t kPlacementEndV8 = offsetof(ossvk_placement, experts_device_work_bytes);
template <size_t kEnd>
ossvk_status model_get_placement_old(const ossvk_model* model, uint32_t part,
                                     ossvk_placement* placement);
template <size_t kEnd>
ossvk_status model_load_old(const char* path, const ossvk_model_options* options,
                            ossvk_model** model);
template <size_t kEnd>
ossvk_status model_create_synthetic_old(const ossvk_synthetic_options* synthetic,
                                        const ossvk_model_options* options, ossvk_model** model);

template <size_t N>
void copy_string(char (&dst)[N], const std::string& src) {
  std::snprintf(dst, N, "%s", src.c_str());
}

}  // namespace ossvk::abi
