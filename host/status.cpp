#include "host/status.h"

namespace ossvk::host {

Status Status::error(std::string message, VkResult result, std::source_location where) {
  Status s;
  s.failed_ = true;
  s.result_ = result;
  s.message_ = std::move(message);
  s.file_ = where.file_name();
  s.line_ = where.line();
  return s;
}

std::string Status::to_string() const {
  if (ok()) return "ok";
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
