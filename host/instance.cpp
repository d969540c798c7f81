#include "host/instance.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "host/live_objects.h"

namespace ossvk::host {
namespace {

constexpr const char* kValidationLayer = "VK_LAYER_KHRONOS_validation";

bool has_layer(const char* name) {
  uint32_t n = 0;
  if (vkEnumerateInstanceLayerProperties(&n, nullptr) != VK_SUCCESS) return false;
  std::vector<VkLayerProperties> layers(n);
  if (vkEnumerateInstanceLayerProperties(&n, layers.data()) != VK_SUCCESS) return false;
  for (const auto& l : layers)
    if (std::strcmp(l.layerName, name) == 0) return true;
  return false;
}

}  // namespace

bool InstanceOptions::validation_requested_by_env() {
  const char* v = std::getenv("OSSVK_VALIDATION");
  return v != nullptr && std::strcmp(v, "0") != 0 && v[0] != '\0';
}

bool InstanceOptions::gpu_assisted_requested_by_env() {
  const char* v = std::getenv("OSSVK_VALIDATION");
  return v != nullptr && std::strcmp(v, "gpu") == 0;
}

Result<std::unique_ptr<Instance>> Instance::create(const InstanceOptions& options) {
  if (volkInitialize() != VK_SUCCESS)
    return Status::error(
        "no Vulkan loader found (libvulkan.so.1); install a Vulkan driver, e.g. "
        "mesa-vulkan-drivers, and libvulkan1",
        VK_ERROR_INITIALIZATION_FAILED);

  uint32_t loader_version = volkGetInstanceVersion();
  if (loader_version < VK_API_VERSION_1_2)
    return Status::error("the Vulkan loader supports only API " +
                             std::to_string(VK_API_VERSION_MAJOR(loader_version)) + "." +
                             std::to_string(VK_API_VERSION_MINOR(loader_version)) +
                             "; ossvk needs Vulkan 1.2",
                         VK_ERROR_INCOMPATIBLE_DRIVER);

  std::unique_ptr<Instance> self(new Instance());
  self->api_version_ =
      loader_version >= VK_API_VERSION_1_3 ? VK_API_VERSION_1_3 : VK_API_VERSION_1_2;

  VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
  app.pApplicationName = "ossvk";
  app.pEngineName = "ossvk";
  app.apiVersion = self->api_version_;

  std::vector<const char*> layers;
  std::vector<const char*> extensions;
  VkInstanceCreateInfo info{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
  VkValidationFeaturesEXT features{VK_STRUCTURE_TYPE_VALIDATION_FEATURES_EXT};
  const VkValidationFeatureEnableEXT enables[] = {
      VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT,
      VK_VALIDATION_FEATURE_ENABLE_GPU_ASSISTED_EXT};
  VkDebugUtilsMessengerCreateInfoEXT messenger{
      VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT};
  messenger.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                              VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
  messenger.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                          VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                          VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
  messenger.pfnUserCallback = &Instance::on_message;
  messenger.pUserData = self.get();
  if (options.validation) {
    if (!has_layer(kValidationLayer))
      return Status::error(
          "validation was requested (OSSVK_VALIDATION) but VK_LAYER_KHRONOS_validation is not "
          "installed; install vulkan-validationlayers",
          VK_ERROR_LAYER_NOT_PRESENT);
    layers.push_back(kValidationLayer);
    extensions.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
    extensions.push_back(VK_EXT_VALIDATION_FEATURES_EXTENSION_NAME);
    features.enabledValidationFeatureCount = options.gpu_assisted ? 2 : 1;
    features.pEnabledValidationFeatures = enables;
    features.pNext = &messenger;  // also reports messages from vkCreateInstance itself
    info.pNext = &features;
  }
  info.pApplicationInfo = &app;
  info.enabledLayerCount = static_cast<uint32_t>(layers.size());
  info.ppEnabledLayerNames = layers.data();
  info.enabledExtensionCount = static_cast<uint32_t>(extensions.size());
  info.ppEnabledExtensionNames = extensions.data();
  VkResult r = vkCreateInstance(&info, nullptr, &self->instance_);
  if (r == VK_ERROR_INCOMPATIBLE_DRIVER)
    return Status::error(
        "no Vulkan device found: the loader found no driver supporting Vulkan 1.2; install one, "
        "e.g. mesa-vulkan-drivers (lavapipe)",
        r);
  if (r != VK_SUCCESS) return vk_error(r, "vkCreateInstance");
  count_object(VK_OBJECT_TYPE_INSTANCE, +1);
  // Device functions go through the loader's per-device dispatch, so several devices can coexist.
  volkLoadInstance(self->instance_);

  if (options.validation)
    OSSVK_VK(
        vkCreateDebugUtilsMessengerEXT(self->instance_, &messenger, nullptr, &self->messenger_));
  if (self->messenger_ != VK_NULL_HANDLE)
    count_object(VK_OBJECT_TYPE_DEBUG_UTILS_MESSENGER_EXT, +1);
  self->gpu_assisted_ = options.validation && options.gpu_assisted;
  return self;
}

Instance::~Instance() {
  if (messenger_ != VK_NULL_HANDLE) {
    vkDestroyDebugUtilsMessengerEXT(instance_, messenger_, nullptr);
    count_object(VK_OBJECT_TYPE_DEBUG_UTILS_MESSENGER_EXT, -1);
  }
  if (instance_ != VK_NULL_HANDLE) {
    vkDestroyInstance(instance_, nullptr);
    count_object(VK_OBJECT_TYPE_INSTANCE, -1);
  }
}

std::string Instance::last_validation_message() const {
  std::lock_guard lock(sink_mutex_);
  return last_message_;
}

void Instance::set_validation_sink(std::function<void(const char*)> sink) {
  std::lock_guard lock(sink_mutex_);
  sink_ = std::move(sink);
}

VKAPI_ATTR VkBool32 VKAPI_CALL
Instance::on_message(VkDebugUtilsMessageSeverityFlagBitsEXT, VkDebugUtilsMessageTypeFlagsEXT,
                     const VkDebugUtilsMessengerCallbackDataEXT* data, void* user) {
  auto* self = static_cast<Instance*>(user);
  const char* text = data && data->pMessage ? data->pMessage : "(no message)";
  self->messages_.fetch_add(1);
  std::lock_guard lock(self->sink_mutex_);
  self->last_message_ = text;
  if (self->sink_)
    self->sink_(text);
  else
    std::fprintf(stderr, "ossvk: validation: %s\n", text);
  return VK_FALSE;
}

}  // namespace ossvk::host
