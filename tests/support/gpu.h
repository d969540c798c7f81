// The process-wide GPU every device test runs on: the default Vulkan device (lavapipe on CI),
// always with the Khronos validation layer. GpuTest fails any test during which the layer
// reported a warning or an error.
#pragma once
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "host/transfer.h"

namespace ossvk::testing {

struct Gpu {
  std::unique_ptr<host::Instance> instance;
  std::unique_ptr<host::Device> device;  // BufferAccess::automatic
  std::unique_ptr<host::Transfer> transfer;
  std::filesystem::path cache_dir;  // a private pipeline-cache directory
};

// Creates the instance and device on first use; fails the calling test if there is none.
Gpu& gpu();

// The same physical device with one buffer access forced, so kernels are tested through both
// device addresses (what GPUs use) and descriptors (what lavapipe uses), made on first use.
struct AccessDevice {
  std::unique_ptr<host::Device> device;
  std::unique_ptr<host::Transfer> transfer;
};
AccessDevice& gpu_with(host::BufferAccess access);
// The same physical device through device addresses, with `split` subgroups sharing each run of
// matvec rows (what GPUs take) whatever its type, made on first use.
AccessDevice& gpu_with_matvec_split(uint32_t split);

class GpuTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  host::Device& device() { return *gpu().device; }
  host::Transfer& transfer() { return *gpu().transfer; }

 private:
  uint32_t messages_at_start_ = 0;
};

// Asserts a Status/Result is ok, printing its message otherwise.
#define ASSERT_OK(expr)                                                              \
  do {                                                                               \
    const auto& ossvk_t_ = (expr);                                                   \
    ASSERT_TRUE(ossvk_t_.ok()) << ::ossvk::testing::status_of(ossvk_t_).to_string(); \
  } while (0)

inline host::Status status_of(const host::Status& s) {
  return s;
}
template <class T>
host::Status status_of(const host::Result<T>& r) {
  return r.status();
}

}  // namespace ossvk::testing
