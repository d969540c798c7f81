// What ossvk needs to know about each physical device, whether it can run there, and which one to
// use (OSSVK_DEVICE, an explicit selector, or the best usable device by type).
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "host/instance.h"

namespace ossvk::host {

struct MemoryHeap {
  uint64_t size = 0;
  bool device_local = false;
};

struct DeviceInfo {
  uint32_t index = 0;
  VkPhysicalDevice physical = VK_NULL_HANDLE;
  std::string name;
  VkPhysicalDeviceType type = VK_PHYSICAL_DEVICE_TYPE_OTHER;
  std::string driver_name;
  std::string driver_info;
  uint32_t api_version = 0;
  uint32_t driver_version = 0;
  uint32_t vendor_id = 0;
  uint32_t device_id = 0;
  std::array<uint8_t, VK_UUID_SIZE> pipeline_cache_uuid{};
  std::vector<MemoryHeap> heaps;

  uint64_t max_storage_buffer_range = 0;
  uint64_t max_memory_allocation_size = 0;
  uint64_t min_storage_buffer_offset_alignment = 0;
  uint64_t min_texel_buffer_offset_alignment = 0;
  uint32_t max_texel_buffer_elements = 0;
  uint32_t max_shared_memory = 0;
  uint32_t max_workgroup_invocations = 0;
  uint32_t max_workgroup_count_x = 0;
  uint32_t max_push_constants = 0;
  uint32_t subgroup_size = 0;
  uint32_t min_subgroup_size = 0;
  uint32_t max_subgroup_size = 0;
  // The most subgroups a workgroup of `invocations` can hold (with the smallest subgroups), for
  // sizing a kernel's per-subgroup shared memory.
  uint32_t max_subgroups(uint32_t invocations) const {
    const uint32_t lanes = min_subgroup_size ? min_subgroup_size : subgroup_size;
    return lanes ? (invocations + lanes - 1) / lanes : invocations;
  }
  float timestamp_period_ns = 0;
  uint32_t timestamp_valid_bits = 0;
  uint32_t compute_queue_family = UINT32_MAX;

  // Required features.
  bool buffer_device_address = false;
  bool storage_buffer_8bit = false;
  bool storage_buffer_16bit = false;
  bool shader_int8 = false;
  bool shader_int64 = false;
  bool subgroup_arithmetic = false;
  bool subgroup_shuffle = false;
  // Reported, used where present.
  bool shader_float16 = false;
  bool integer_dot_product = false;
  bool subgroup_size_control = false;  // VK_EXT_subgroup_size_control or Vulkan 1.3
  bool cooperative_matrix = false;     // VK_KHR_cooperative_matrix or VK_NV_cooperative_matrix
  // The prefill matmuls' matrix units: VK_NV_cooperative_matrix offering 16x16x16 fp16 products
  // with fp32 accumulation in a subgroup of 32, with shaderFloat16 (shaders/mma.glsl). Debian 12's
  // glslang and Vulkan headers predate VK_KHR_cooperative_matrix, so devices offering only the
  // KHR extension take the scalar tiles.
  bool matrix_units = false;
  bool memory_budget = false;    // VK_EXT_memory_budget
  bool push_descriptor = false;  // VK_KHR_push_descriptor

  // Why ossvk cannot use this device; empty when it can.
  std::vector<std::string> missing;
  bool usable() const { return missing.empty(); }

  const char* type_name() const;
  std::string api_version_string() const;
  std::string driver_version_string() const;
  uint64_t device_local_bytes() const;
  // What the device's buffers can hold in all: its device-local heaps; on a CPU device, whose
  // heaps are system memory however they are advertised (Mesa 22.3's lavapipe: 2 GiB on a
  // 24 GiB machine), the system's available memory where that is more.
  uint64_t usable_bytes() const;
  uint64_t system_available_bytes = 0;  // the system's MemAvailable when enumerated
};

Result<std::vector<DeviceInfo>> enumerate_devices(const Instance& instance);

// selector: a device index ("1"), a case-insensitive substring of the name ("llvmpipe"), or empty
// for OSSVK_DEVICE, falling back to the best usable device (discrete > integrated > virtual > CPU).
Result<uint32_t> select_device(const std::vector<DeviceInfo>& devices, std::string_view selector);

// The usable GPUs (discrete, integrated, virtual; not CPU devices), best first as select_device
// ranks them.
std::vector<const DeviceInfo*> usable_gpus(const std::vector<DeviceInfo>& devices);

}  // namespace ossvk::host
