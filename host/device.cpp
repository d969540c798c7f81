#include "host/device.h"

#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "host/commands.h"
#include "host/live_objects.h"

namespace ossvk::host {

Result<std::unique_ptr<Device>> Device::create(const Instance& instance,
                                               const DeviceOptions& options) {
  OSSVK_ASSIGN_OR_RETURN(auto devices, enumerate_devices(instance));
  OSSVK_ASSIGN_OR_RETURN(uint32_t index, select_device(devices, options.selector));
  std::unique_ptr<Device> self(new Device(instance, devices[index]));
  const DeviceInfo& info = self->info_;
  bool is13 = std::min(info.api_version, instance.api_version()) >= VK_API_VERSION_1_3;

  std::vector<const char*> extensions;
  if (info.memory_budget) extensions.push_back(VK_EXT_MEMORY_BUDGET_EXTENSION_NAME);
  if (info.push_descriptor) extensions.push_back(VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME);

  VkPhysicalDeviceVulkan11Features f11{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES};
  VkPhysicalDeviceVulkan12Features f12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
  VkPhysicalDeviceSubgroupSizeControlFeatures size_feat{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES};
  VkPhysicalDeviceShaderIntegerDotProductFeatures dot_feat{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_INTEGER_DOT_PRODUCT_FEATURES};
  VkPhysicalDeviceCooperativeMatrixFeaturesNV mma_feat{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_NV};
  VkPhysicalDeviceFeatures2 features{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
  features.pNext = &f11;
  f11.pNext = &f12;
  void** tail = &f12.pNext;
  features.features.shaderInt64 = VK_TRUE;
  f11.storageBuffer16BitAccess = VK_TRUE;
  f12.bufferDeviceAddress = VK_TRUE;
  f12.storageBuffer8BitAccess = VK_TRUE;
  f12.shaderInt8 = VK_TRUE;
  f12.shaderFloat16 = info.shader_float16;
  if (info.subgroup_size_control) {
    if (!is13) extensions.push_back(VK_EXT_SUBGROUP_SIZE_CONTROL_EXTENSION_NAME);
    size_feat.subgroupSizeControl = VK_TRUE;
    size_feat.computeFullSubgroups = VK_TRUE;
    *tail = &size_feat;
    tail = &size_feat.pNext;
  }
  if (info.integer_dot_product) {
    if (!is13) extensions.push_back(VK_KHR_SHADER_INTEGER_DOT_PRODUCT_EXTENSION_NAME);
    dot_feat.shaderIntegerDotProduct = VK_TRUE;
    *tail = &dot_feat;
    tail = &dot_feat.pNext;
  }
  if (options.matrix_units == MatrixUnits::emulated) {
    self->mma_ = Mma::emulated;
  } else if (options.matrix_units == MatrixUnits::automatic && info.matrix_units) {
    extensions.push_back(VK_NV_COOPERATIVE_MATRIX_EXTENSION_NAME);
    mma_feat.cooperativeMatrix = VK_TRUE;
    *tail = &mma_feat;
    self->mma_ = Mma::cooperative;
  }

  float priority = 1.0f;
  VkDeviceQueueCreateInfo qci{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
  qci.queueFamilyIndex = info.compute_queue_family;
  qci.queueCount = 1;
  qci.pQueuePriorities = &priority;
  VkDeviceCreateInfo dci{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
  dci.pNext = &features;
  dci.queueCreateInfoCount = 1;
  dci.pQueueCreateInfos = &qci;
  dci.enabledExtensionCount = static_cast<uint32_t>(extensions.size());
  dci.ppEnabledExtensionNames = extensions.data();
  VkResult r = vkCreateDevice(info.physical, &dci, nullptr, &self->device_);
  if (r != VK_SUCCESS) return vk_error(r, "vkCreateDevice").with_context(info.name);
  count_object(VK_OBJECT_TYPE_DEVICE, +1);
  vkGetDeviceQueue(self->device_, info.compute_queue_family, 0, &self->queue_);

  if (options.buffer_access == BufferAccess::descriptors && !info.push_descriptor)
    return Status::error(
        info.name + " lacks VK_KHR_push_descriptor, needed for descriptor buffer access",
        VK_ERROR_EXTENSION_NOT_PRESENT);
  // On lavapipe a device-address or storage-buffer load is a loop over the lanes, a word at a
  // time with a branch per lane; a texel fetch is one branchless gather of whole texels:
  // f32_copy streams 16.5 GB/s reading texels against 6.2 GB/s through addresses.
  // Under GPU-assisted validation, addresses: the layer Debian 12 ships (1.3.239) reports pushed
  // descriptors as uninitialized (KhronosGroup/Vulkan-ValidationLayers#5321, fixed later).
  self->prefers_descriptors_ = options.buffer_access == BufferAccess::descriptors ||
                               (options.buffer_access == BufferAccess::automatic &&
                                info.type == VK_PHYSICAL_DEVICE_TYPE_CPU && info.push_descriptor &&
                                !instance.gpu_assisted_validation());
  self->tuning_ = options.tuning;
  self->allocator_ = std::make_unique<Allocator>(self->device_, info, options.block_size);
  self->pipelines_ = std::make_unique<PipelineSet>(self->device_, info, options.kernels,
                                                   options.pipeline_cache_dir);
  if (options.profile) self->profile_ = std::make_unique<KernelProfile>();
  // Device-local: kernels read it on every step that is not replayed.
  self->own_memory_ = std::make_unique<Allocator>(self->device_, info, buffer_alignment(info));
  OSSVK_ASSIGN_OR_RETURN(self->zero_word_, self->own_memory_->allocate(4, MemoryUse::device));
  OSSVK_ASSIGN_OR_RETURN(auto stream, CommandStream::create(*self, 0));
  OSSVK_RETURN_IF_ERROR(stream->begin());
  stream->fill(self->zero_word_, 0);
  OSSVK_RETURN_IF_ERROR(stream->submit_and_wait());
  return self;
}

bool matrix_units_from_name(std::string_view name, MatrixUnits* out) {
  if (name == "auto")
    *out = MatrixUnits::automatic;
  else if (name == "scalar")
    *out = MatrixUnits::scalar;
  else if (name == "emulated")
    *out = MatrixUnits::emulated;
  else
    return false;
  return true;
}

MatrixUnits requested_matrix_units() {
  const char* v = std::getenv("OSSVK_MATMUL");
  MatrixUnits units = MatrixUnits::automatic;
  if (v) matrix_units_from_name(v, &units);
  return units;
}

Device::~Device() {
  if (device_ == VK_NULL_HANDLE) return;
  vkDeviceWaitIdle(device_);
  if (profile_) {
    const std::string table = profile_->report();
    if (!table.empty())
      std::fprintf(stderr, "ossvk profile, %s (OSSVK_PROFILE):\n%s", info_.name.c_str(),
                   table.c_str());
  }
  pipelines_.reset();
  allocator_.reset();
  zero_word_ = Buffer();
  own_memory_.reset();
  vkDestroyDevice(device_, nullptr);
  count_object(VK_OBJECT_TYPE_DEVICE, -1);
}

Status Device::lost_error() const {
  return Status::error("the Vulkan device " + info_.name +
                           " was lost; free every model and session on it and load again",
                       VK_ERROR_DEVICE_LOST);
}

Status Device::submit(VkCommandBuffer cmd, VkFence fence) {
  VkSubmitInfo si{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  si.commandBufferCount = 1;
  si.pCommandBuffers = &cmd;
  std::lock_guard lock(queue_mutex_);
  if (lost_) return lost_error();
  VkResult r = injected_.exchange(VK_SUCCESS);
  if (r == VK_SUCCESS) r = vkQueueSubmit(queue_, 1, &si, fence);
  if (r == VK_ERROR_DEVICE_LOST) {
    lost_ = true;
    return lost_error();
  }
  if (r != VK_SUCCESS) return vk_error(r, "vkQueueSubmit");
  return {};
}

Status Device::wait(VkFence fence, uint64_t timeout_ns) {
  VkResult r = vkWaitForFences(device_, 1, &fence, VK_TRUE, timeout_ns);
  if (r == VK_TIMEOUT)
    return Status::error(
        "GPU work did not finish within " + std::to_string(timeout_ns / 1000000) + " ms",
        VK_TIMEOUT);
  if (r == VK_ERROR_DEVICE_LOST) {
    lost_ = true;
    return lost_error();
  }
  if (r != VK_SUCCESS) return vk_error(r, "vkWaitForFences");
  return {};
}

}  // namespace ossvk::host
