// Errors as values. Every fallible host/ call returns a Status or a Result<T> that carries the
// VkResult, what was being done, and where; nothing in the library exits or throws.
#pragma once
#include <source_location>
#include <string>
#include <utility>
#include <variant>

#include "host/vk.h"

namespace ossvk::host {

class [[nodiscard]] Status {
 public:
  Status() = default;  // success

  static Status error(std::string message, VkResult result = VK_ERROR_UNKNOWN,
                      std::source_location where = std::source_location::current());

  bool ok() const { return !failed_; }
  VkResult vk_result() const { return result_; }
  const std::string& message() const { return message_; }
  // "message (VK_ERROR_...) at file:line" for logs and the C ABI.
  std::string to_string() const;
  // Prefixes context, e.g. the tensor or kernel being worked on.
  Status with_context(const std::string& context) &&;

 private:
  bool failed_ = false;
  VkResult result_ = VK_SUCCESS;
  std::string message_;
  std::string file_;
  unsigned line_ = 0;
};

const char* vk_result_name(VkResult result);

// A failed Vulkan call: "<call> failed".
Status vk_error(VkResult result, const char* call,
                std::source_location where = std::source_location::current());

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Status status) : v_(std::move(status)) {}

  bool ok() const { return std::holds_alternative<T>(v_); }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  Status status() const { return ok() ? Status() : std::get<Status>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace ossvk::host

#define OSSVK_CONCAT_INNER(a, b) a##b
#define OSSVK_CONCAT(a, b) OSSVK_CONCAT_INNER(a, b)

#define OSSVK_RETURN_IF_ERROR(expr)          \
  do {                                       \
    ::ossvk::host::Status ossvk_s_ = (expr); \
    if (!ossvk_s_.ok()) return ossvk_s_;     \
  } while (0)

#define OSSVK_ASSIGN_OR_RETURN(lhs, expr)                                                       \
  auto OSSVK_CONCAT(ossvk_r_, __LINE__) = (expr);                                               \
  if (!OSSVK_CONCAT(ossvk_r_, __LINE__).ok()) return OSSVK_CONCAT(ossvk_r_, __LINE__).status(); \
  lhs = std::move(OSSVK_CONCAT(ossvk_r_, __LINE__)).value()

#define OSSVK_VK(call)                                                             \
  do {                                                                             \
    VkResult ossvk_vr_ = (call);                                                   \
    if (ossvk_vr_ != VK_SUCCESS) return ::ossvk::host::vk_error(ossvk_vr_, #call); \
  } while (0)
