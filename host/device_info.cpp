#include "host/device_info.h"

#include <unistd.h>
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

namespace ossvk::host {
namespace {

bool has_extension(const std::vector<VkExtensionProperties>& exts, const char* name) {
  return std::any_of(exts.begin(), exts.end(), [&](const VkExtensionProperties& e) {
    return std::strcmp(e.extensionName, name) == 0;
  });
}

// Whether the device's VK_NV_cooperative_matrix is on and offers the one shape ossvk's matrix
// kernels use: 16x16x16, fp16 A and B, fp32 C and result, subgroup scope.
bool offers_fp16_mma(VkPhysicalDevice physical) {
  if (!vkGetPhysicalDeviceCooperativeMatrixPropertiesNV) return false;
  VkPhysicalDeviceCooperativeMatrixFeaturesNV feat{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_NV};
  VkPhysicalDeviceFeatures2 features2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
  features2.pNext = &feat;
  vkGetPhysicalDeviceFeatures2(physical, &features2);
  if (!feat.cooperativeMatrix) return false;
  uint32_t n = 0;
  if (vkGetPhysicalDeviceCooperativeMatrixPropertiesNV(physical, &n, nullptr) != VK_SUCCESS)
    return false;
  std::vector<VkCooperativeMatrixPropertiesNV> shapes(
      n, {VK_STRUCTURE_TYPE_COOPERATIVE_MATRIX_PROPERTIES_NV});
  if (vkGetPhysicalDeviceCooperativeMatrixPropertiesNV(physical, &n, shapes.data()) != VK_SUCCESS)
    return false;
  for (const VkCooperativeMatrixPropertiesNV& p : shapes)
    if (p.MSize == 16 && p.NSize == 16 && p.KSize == 16 &&
        p.AType == VK_COMPONENT_TYPE_FLOAT16_NV && p.BType == VK_COMPONENT_TYPE_FLOAT16_NV &&
        p.CType == VK_COMPONENT_TYPE_FLOAT32_NV && p.DType == VK_COMPONENT_TYPE_FLOAT32_NV &&
        p.scope == VK_SCOPE_SUBGROUP_NV)
      return true;
  return false;
}

int type_rank(VkPhysicalDeviceType t) {
  switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
      return 0;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
      return 1;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
      return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
      return 3;
    default:
      return 4;
  }
}

// The memory the system can give without swapping: /proc/meminfo's MemAvailable, else the free
// pages (systems without /proc).
uint64_t system_available_bytes() {
  std::ifstream meminfo("/proc/meminfo");
  for (std::string key; meminfo >> key;) {
    uint64_t kib = 0;
    if (key == "MemAvailable:" && meminfo >> kib) return kib * 1024;
    meminfo.ignore(1 << 10, '\n');
  }
  const long pages = sysconf(_SC_AVPHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? uint64_t(pages) * uint64_t(page) : 0;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

void query(DeviceInfo& d, uint32_t instance_api) {
  VkPhysicalDeviceProperties props;
  vkGetPhysicalDeviceProperties(d.physical, &props);
  d.name = props.deviceName;
  d.type = props.deviceType;
  d.api_version = props.apiVersion;
  d.driver_version = props.driverVersion;
  d.vendor_id = props.vendorID;
  d.device_id = props.deviceID;
  std::memcpy(d.pipeline_cache_uuid.data(), props.pipelineCacheUUID, VK_UUID_SIZE);
  d.max_storage_buffer_range = props.limits.maxStorageBufferRange;
  d.min_storage_buffer_offset_alignment = props.limits.minStorageBufferOffsetAlignment;
  d.min_texel_buffer_offset_alignment = props.limits.minTexelBufferOffsetAlignment;
  d.max_texel_buffer_elements = props.limits.maxTexelBufferElements;
  d.max_shared_memory = props.limits.maxComputeSharedMemorySize;
  d.max_workgroup_invocations = props.limits.maxComputeWorkGroupInvocations;
  d.max_workgroup_count_x = props.limits.maxComputeWorkGroupCount[0];
  d.max_push_constants = props.limits.maxPushConstantsSize;
  d.timestamp_period_ns = props.limits.timestampPeriod;

  VkPhysicalDeviceMemoryProperties mem;
  vkGetPhysicalDeviceMemoryProperties(d.physical, &mem);
  for (uint32_t i = 0; i < mem.memoryHeapCount; ++i)
    d.heaps.push_back({mem.memoryHeaps[i].size,
                       (mem.memoryHeaps[i].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) != 0});
  d.system_available_bytes = system_available_bytes();

  uint32_t nq = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(d.physical, &nq, nullptr);
  std::vector<VkQueueFamilyProperties> queues(nq);
  vkGetPhysicalDeviceQueueFamilyProperties(d.physical, &nq, queues.data());
  for (uint32_t i = 0; i < nq; ++i) {
    if (queues[i].queueFlags & VK_QUEUE_COMPUTE_BIT) {
      d.compute_queue_family = i;
      d.timestamp_valid_bits = queues[i].timestampValidBits;
      break;
    }
  }

  uint32_t next = 0;
  vkEnumerateDeviceExtensionProperties(d.physical, nullptr, &next, nullptr);
  std::vector<VkExtensionProperties> exts(next);
  vkEnumerateDeviceExtensionProperties(d.physical, nullptr, &next, exts.data());
  d.memory_budget = has_extension(exts, VK_EXT_MEMORY_BUDGET_EXTENSION_NAME);
  d.push_descriptor = has_extension(exts, VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME);
  d.cooperative_matrix = has_extension(exts, "VK_KHR_cooperative_matrix") ||
                         has_extension(exts, "VK_NV_cooperative_matrix");
  bool is13 = std::min(d.api_version, instance_api) >= VK_API_VERSION_1_3;
  bool size_control_ext = has_extension(exts, VK_EXT_SUBGROUP_SIZE_CONTROL_EXTENSION_NAME);
  bool dot_ext = has_extension(exts, VK_KHR_SHADER_INTEGER_DOT_PRODUCT_EXTENSION_NAME);

  if (d.api_version < VK_API_VERSION_1_2) {
    d.missing.push_back("Vulkan 1.2 (device reports " + d.api_version_string() + ")");
    return;
  }

  // Vulkan 1.2 core property and feature structs are chainable on a 1.2 device.
  VkPhysicalDeviceSubgroupSizeControlProperties size_props{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_PROPERTIES};
  VkPhysicalDeviceVulkan12Properties p12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_PROPERTIES};
  VkPhysicalDeviceVulkan11Properties p11{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_PROPERTIES};
  VkPhysicalDeviceMaintenance3Properties m3{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES};
  p11.pNext = &p12;
  p12.pNext = &m3;
  if (is13 || size_control_ext) m3.pNext = &size_props;
  VkPhysicalDeviceProperties2 props2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
  props2.pNext = &p11;
  vkGetPhysicalDeviceProperties2(d.physical, &props2);
  d.driver_name = p12.driverName;
  d.driver_info = p12.driverInfo;
  d.max_memory_allocation_size = m3.maxMemoryAllocationSize;
  d.subgroup_size = p11.subgroupSize;
  d.min_subgroup_size = d.max_subgroup_size = p11.subgroupSize;
  d.subgroup_arithmetic = (p11.subgroupSupportedStages & VK_SHADER_STAGE_COMPUTE_BIT) &&
                          (p11.subgroupSupportedOperations & VK_SUBGROUP_FEATURE_ARITHMETIC_BIT);
  d.subgroup_shuffle = (p11.subgroupSupportedStages & VK_SHADER_STAGE_COMPUTE_BIT) &&
                       (p11.subgroupSupportedOperations & VK_SUBGROUP_FEATURE_SHUFFLE_BIT);

  VkPhysicalDeviceSubgroupSizeControlFeatures size_feat{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES};
  VkPhysicalDeviceShaderIntegerDotProductFeatures dot_feat{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_INTEGER_DOT_PRODUCT_FEATURES};
  VkPhysicalDeviceVulkan12Features f12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
  VkPhysicalDeviceVulkan11Features f11{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES};
  f11.pNext = &f12;
  void** tail = &f12.pNext;
  if (is13 || size_control_ext) {
    *tail = &size_feat;
    tail = &size_feat.pNext;
  }
  if (is13 || dot_ext) *tail = &dot_feat;
  VkPhysicalDeviceFeatures2 features2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
  features2.pNext = &f11;
  vkGetPhysicalDeviceFeatures2(d.physical, &features2);

  d.buffer_device_address = f12.bufferDeviceAddress;
  d.storage_buffer_8bit = f12.storageBuffer8BitAccess;
  d.storage_buffer_16bit = f11.storageBuffer16BitAccess;
  d.shader_int8 = f12.shaderInt8;
  d.shader_float16 = f12.shaderFloat16;
  d.shader_int64 = features2.features.shaderInt64;
  d.integer_dot_product = dot_feat.shaderIntegerDotProduct;
  d.subgroup_size_control = size_feat.subgroupSizeControl && size_feat.computeFullSubgroups &&
                            (size_props.requiredSubgroupSizeStages & VK_SHADER_STAGE_COMPUTE_BIT);
  if (d.subgroup_size_control) {
    d.min_subgroup_size = size_props.minSubgroupSize;
    d.max_subgroup_size = size_props.maxSubgroupSize;
  }

  d.matrix_units = d.shader_float16 && d.subgroup_size == 32 &&
                   has_extension(exts, VK_NV_COOPERATIVE_MATRIX_EXTENSION_NAME) &&
                   offers_fp16_mma(d.physical);

  auto need = [&](bool have, const char* what) {
    if (!have) d.missing.push_back(what);
  };
  need(d.compute_queue_family != UINT32_MAX, "a compute queue");
  need(d.buffer_device_address, "bufferDeviceAddress");
  need(d.storage_buffer_8bit, "storageBuffer8BitAccess");
  need(d.storage_buffer_16bit, "storageBuffer16BitAccess");
  need(d.shader_int8, "shaderInt8");
  need(d.shader_int64, "shaderInt64");
  need(d.subgroup_arithmetic, "subgroup arithmetic operations in compute shaders");
  need(d.subgroup_shuffle, "subgroup shuffle operations in compute shaders");
}

}  // namespace

const char* DeviceInfo::type_name() const {
  switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
      return "discrete";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
      return "integrated";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
      return "virtual";
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
      return "cpu";
    default:
      return "other";
  }
}

std::string DeviceInfo::api_version_string() const {
  return std::to_string(VK_API_VERSION_MAJOR(api_version)) + "." +
         std::to_string(VK_API_VERSION_MINOR(api_version)) + "." +
         std::to_string(VK_API_VERSION_PATCH(api_version));
}

std::string DeviceInfo::driver_version_string() const {
  // NVIDIA packs 10.8.8.6 bits; everyone else follows the Vulkan version packing.
  uint32_t v = driver_version;
  if (vendor_id == 0x10DE)
    return std::to_string(v >> 22) + "." + std::to_string((v >> 14) & 0xFF) + "." +
           std::to_string((v >> 6) & 0xFF);
  return std::to_string(VK_API_VERSION_MAJOR(v)) + "." + std::to_string(VK_API_VERSION_MINOR(v)) +
         "." + std::to_string(VK_API_VERSION_PATCH(v));
}

uint64_t DeviceInfo::device_local_bytes() const {
  uint64_t total = 0;
  for (const auto& h : heaps)
    if (h.device_local) total += h.size;
  return total;
}

uint64_t DeviceInfo::usable_bytes() const {
  return type == VK_PHYSICAL_DEVICE_TYPE_CPU
             ? std::max(device_local_bytes(), system_available_bytes)
             : device_local_bytes();
}

Result<std::vector<DeviceInfo>> enumerate_devices(const Instance& instance) {
  uint32_t n = 0;
  OSSVK_VK(vkEnumeratePhysicalDevices(instance.handle(), &n, nullptr));
  std::vector<VkPhysicalDevice> physical(n);
  OSSVK_VK(vkEnumeratePhysicalDevices(instance.handle(), &n, physical.data()));
  std::vector<DeviceInfo> out(n);
  for (uint32_t i = 0; i < n; ++i) {
    out[i].index = i;
    out[i].physical = physical[i];
    query(out[i], instance.api_version());
  }
  return out;
}

Result<uint32_t> select_device(const std::vector<DeviceInfo>& devices, std::string_view selector) {
  if (devices.empty())
    return Status::error("no Vulkan device found; install a driver (lavapipe: mesa-vulkan-drivers)",
                         VK_ERROR_INITIALIZATION_FAILED);
  std::string sel(selector);
  std::string source = "device selector";
  if (sel.empty()) {
    if (const char* env = std::getenv("OSSVK_DEVICE"); env && *env) {
      sel = env;
      source = "OSSVK_DEVICE";
    }
  }
  auto list = [&] {
    std::string s;
    for (const auto& d : devices)
      s += "\n  " + std::to_string(d.index) + ": " + d.name + (d.usable() ? "" : " (unusable)");
    return s;
  };
  auto check = [&](const DeviceInfo& d) -> Result<uint32_t> {
    if (d.usable()) return d.index;
    std::string why;
    for (const auto& m : d.missing) why += (why.empty() ? "" : ", ") + m;
    return Status::error(
        "device " + std::to_string(d.index) + " (" + d.name + ") cannot run ossvk: it lacks " + why,
        VK_ERROR_FEATURE_NOT_PRESENT);
  };

  if (!sel.empty()) {
    bool numeric = std::all_of(sel.begin(), sel.end(),
                               [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
    if (numeric && sel.size() < 9) {
      uint32_t idx = static_cast<uint32_t>(std::stoul(sel));
      if (idx >= devices.size())
        return Status::error(source + " '" + sel + "' is out of range; devices are:" + list(),
                             VK_ERROR_INITIALIZATION_FAILED);
      return check(devices[idx]);
    }
    for (const auto& d : devices)
      if (lower(d.name).find(lower(sel)) != std::string::npos) return check(d);
    return Status::error(source + " '" + sel + "' matches no device; devices are:" + list(),
                         VK_ERROR_INITIALIZATION_FAILED);
  }

  const DeviceInfo* best = nullptr;
  for (const auto& d : devices)
    if (d.usable() && (!best || type_rank(d.type) < type_rank(best->type))) best = &d;
  if (!best) return check(devices.front());
  return best->index;
}

std::vector<const DeviceInfo*> usable_gpus(const std::vector<DeviceInfo>& devices) {
  std::vector<const DeviceInfo*> gpus;
  for (const auto& d : devices)
    if (d.usable() && d.type != VK_PHYSICAL_DEVICE_TYPE_CPU) gpus.push_back(&d);
  std::stable_sort(gpus.begin(), gpus.end(), [](const DeviceInfo* a, const DeviceInfo* b) {
    return type_rank(a->type) < type_rank(b->type);
  });
  return gpus;
}

}  // namespace ossvk::host
