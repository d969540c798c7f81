// How many Vulkan objects of each type ossvk has created and not yet destroyed, across the
// process: tests check that freeing what they made brings every count back to where it was.
// (Command buffers go with their pool and are not counted apart.)
#pragma once
#include <cstdint>
#include <map>
#include <type_traits>

#include "host/vk.h"

namespace ossvk::host {

using ObjectCounts = std::map<VkObjectType, int64_t>;  // types with a nonzero count only

ObjectCounts live_objects();
void count_object(VkObjectType type, int delta);

template <class T>
constexpr VkObjectType object_type() {
  static_assert(sizeof(void*) == 8, "non-dispatchable handles are distinct types only on 64-bit");
  if constexpr (std::is_same_v<T, VkBuffer>) return VK_OBJECT_TYPE_BUFFER;
  if constexpr (std::is_same_v<T, VkBufferView>) return VK_OBJECT_TYPE_BUFFER_VIEW;
  if constexpr (std::is_same_v<T, VkDeviceMemory>) return VK_OBJECT_TYPE_DEVICE_MEMORY;
  if constexpr (std::is_same_v<T, VkCommandPool>) return VK_OBJECT_TYPE_COMMAND_POOL;
  if constexpr (std::is_same_v<T, VkFence>) return VK_OBJECT_TYPE_FENCE;
  if constexpr (std::is_same_v<T, VkQueryPool>) return VK_OBJECT_TYPE_QUERY_POOL;
  if constexpr (std::is_same_v<T, VkPipelineCache>) return VK_OBJECT_TYPE_PIPELINE_CACHE;
  if constexpr (std::is_same_v<T, VkShaderModule>) return VK_OBJECT_TYPE_SHADER_MODULE;
  if constexpr (std::is_same_v<T, VkDescriptorSetLayout>)
    return VK_OBJECT_TYPE_DESCRIPTOR_SET_LAYOUT;
  if constexpr (std::is_same_v<T, VkPipelineLayout>) return VK_OBJECT_TYPE_PIPELINE_LAYOUT;
  if constexpr (std::is_same_v<T, VkPipeline>) return VK_OBJECT_TYPE_PIPELINE;
}

}  // namespace ossvk::host
