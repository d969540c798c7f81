#include "host/status.h"

namespace ossvk::host {
namespace {

ErrorCategory category_of(VkResult result) {
  switch (result) {
    case VK_ERROR_OUT_OF_HOST_MEMORY:
    case VK_ERROR_OUT_OF_DEVICE_MEMORY:
      return ErrorCategory::out_of_memory;
    case VK_ERROR_DEVICE_LOST:
      return ErrorCategory::device_lost;
    case VK_TIMEOUT:
      return ErrorCategory::timeout;
    case VK_ERROR_INITIALIZATION_FAILED:
    case VK_ERROR_INCOMPATIBLE_DRIVER:
    case VK_ERROR_LAYER_NOT_PRESENT:
      return ErrorCategory::no_vulkan;
    case VK_ERROR_FEATURE_NOT_PRESENT:
    case VK_ERROR_EXTENSION_NOT_PRESENT:
      return ErrorCategory::device_limit;
    default:
      return ErrorCategory::internal;
  }
}

}  // namespace

const char* error_category_name(ErrorCategory category) {
  switch (category) {
    case ErrorCategory::bad_file:
      return "bad file";
    case ErrorCategory::bad_argument:
      return "bad argument";
    case ErrorCategory::device_limit:
      return "device limit";
    case ErrorCategory::out_of_memory:
      return "out of memory";
    case ErrorCategory::device_lost:
      return "device lost";
    case ErrorCategory::timeout:
      return "timeout";
    case ErrorCategory::no_vulkan:
      return "no Vulkan";
    default:
      return "internal";
  }
}

Status Status::error(std::string message, VkResult result, std::source_location where) {
  Status s = error(category_of(result), std::move(message), where);
  s.result_ = result;
  return s;
}

Status Status::error(ErrorCategory category, std::string message, std::source_location where) {
  Status s;
  s.failed_ = true;
  s.category_ = category;
  s.result_ = VK_ERROR_UNKNOWN;
  s.message_ = std::move(message);
  s.file_ = where.file_name();
  s.line_ = where.line();
  return s;
}

std::string Status::to_string() const {
  if (ok()) return "ok";
  if (category_ == ErrorCategory::bad_file || category_ == ErrorCategory::bad_argument)
    return message_;
  std::string out = message_;
  if (result_ != VK_ERROR_UNKNOWN) out += std::string(" (") + vk_result_name(result_) + ")";
  // Only the file's name: the build path says nothing to a user.
  auto slash = file_.find_last_of('/');
  out += " at " + (slash == std::string::npos ? file_ : file_.substr(slash + 1)) + ":" +
         std::to_string(line_);
  return out;
}

Status Status::with_context(const std::string& context) && {
  if (failed_) message_ = context + ": " + message_;
  return std::move(*this);
}

const char* vk_result_name(VkResult result) {
  switch (result) {
#define OSSVK_CASE(x) \
  case x:             \
    return #x;
    OSSVK_CASE(VK_SUCCESS)
    OSSVK_CASE(VK_NOT_READY)
    OSSVK_CASE(VK_TIMEOUT)
    OSSVK_CASE(VK_INCOMPLETE)
    OSSVK_CASE(VK_ERROR_OUT_OF_HOST_MEMORY)
    OSSVK_CASE(VK_ERROR_OUT_OF_DEVICE_MEMORY)
    OSSVK_CASE(VK_ERROR_INITIALIZATION_FAILED)
    OSSVK_CASE(VK_ERROR_DEVICE_LOST)
    OSSVK_CASE(VK_ERROR_MEMORY_MAP_FAILED)
    OSSVK_CASE(VK_ERROR_LAYER_NOT_PRESENT)
    OSSVK_CASE(VK_ERROR_EXTENSION_NOT_PRESENT)
    OSSVK_CASE(VK_ERROR_FEATURE_NOT_PRESENT)
    OSSVK_CASE(VK_ERROR_INCOMPATIBLE_DRIVER)
    OSSVK_CASE(VK_ERROR_TOO_MANY_OBJECTS)
    OSSVK_CASE(VK_ERROR_FORMAT_NOT_SUPPORTED)
    OSSVK_CASE(VK_ERROR_FRAGMENTED_POOL)
    OSSVK_CASE(VK_ERROR_OUT_OF_POOL_MEMORY)
    OSSVK_CASE(VK_ERROR_INVALID_EXTERNAL_HANDLE)
    OSSVK_CASE(VK_ERROR_FRAGMENTATION)
    OSSVK_CASE(VK_ERROR_INVALID_OPAQUE_CAPTURE_ADDRESS)
    OSSVK_CASE(VK_ERROR_UNKNOWN)
#undef OSSVK_CASE
    default:
      return "VkResult(other)";
  }
}

Status vk_error(VkResult result, const char* call, std::source_location where) {
  return Status::error(std::string(call) + " failed", result, where);
}

}  // namespace ossvk::host
