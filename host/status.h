// Errors as values. Every fallible call returns a Status or a Result<T> that carries its category,
// the VkResult where Vulkan gave one, what was being done, and where; nothing in the library
// exits or throws.
#pragma once
#include <source_location>
#include <string>
#include <utility>
#include <variant>

#include "host/vk.h"

namespace ossvk::host {

// What kind of failure a Status reports; the C ABI maps each to one status code.
enum class ErrorCategory : unsigned char {
  internal,       // a bug, or a Vulkan call failing for none of the reasons below
  bad_file,       // a model, tokenizer or config file that is malformed or not supported
  bad_argument,   // a bad value from the caller: token ids, options, sizes
  device_limit,   // the device lacks a feature or a limit is exceeded
  out_of_memory,  // host or device memory exhausted, or more needed than the device has
  device_lost,    // VK_ERROR_DEVICE_LOST
  timeout,        // a step past its time limit
  no_vulkan,      // no usable Vulkan loader, driver or layer
};

const char* error_category_name(ErrorCategory category);

class [[nodiscard]] Status {
 public:
  Status() = default;  // success

  // The category follows from `result` (out of memory, device lost, timeout, no Vulkan, a
  // missing feature); anything else is internal.
  static Status error(std::string message, VkResult result = VK_ERROR_UNKNOWN,
                      std::source_location where = std::source_location::current());
  static Status error(ErrorCategory category, std::string message,
                      std::source_location where = std::source_location::current());
  // The user's kinds of failure; their messages name the file, key, tensor or argument.
  static Status bad_file(std::string message,
                         std::source_location where = std::source_location::current()) {
    return error(ErrorCategory::bad_file, std::move(message), where);
  }
  static Status bad_argument(std::string message,
                             std::source_location where = std::source_location::current()) {
    return error(ErrorCategory::bad_argument, std::move(message), where);
  }

  bool ok() const { return !failed_; }
  ErrorCategory category() const { return category_; }
  VkResult vk_result() const { return result_; }
  const std::string& message() const { return message_; }
  // For logs and the C ABI: the message alone for a bad file or argument (it names what is
  // wrong); otherwise "message (VK_ERROR_...) at file:line".
  std::string to_string() const;
  // Prefixes context, e.g. the tensor or kernel being worked on.
  Status with_context(const std::string& context) &&;

 private:
  bool failed_ = false;
  ErrorCategory category_ = ErrorCategory::internal;
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
