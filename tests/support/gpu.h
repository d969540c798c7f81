// The process-wide GPU every device test runs on: the default Vulkan device (lavapipe on CI),
// always with the Khronos validation layer. GpuTest fails any test during which the layer
// reported a warning or an error.
#pragma once
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <vector>

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
// device addresses (what GPUs use) and descriptors (what lavapipe uses), made on first use; its
// prefill matmuls take the scalar tiles.
struct AccessDevice {
  std::unique_ptr<host::Device> device;
  std::unique_ptr<host::Transfer> transfer;
};
AccessDevice& gpu_with(host::BufferAccess access);
// The same physical device through device addresses, with `split` subgroups sharing each run of
// matvec rows (what GPUs take) whatever its type, made on first use.
AccessDevice& gpu_with_matvec_split(uint32_t split);
// The same physical device with prefill's matmuls on tile products (shaders/mma.glsl): its matrix
// units where it has them, else their emulation (what lavapipe runs), made on first use.
AccessDevice& gpu_with_tile_products();
// " (matrix units)", " (emulated matrix units)" or "", for a test's trace.
const char* mma_name(host::Mma mma);

// A new logical device on the default one's physical device, owned by the caller (what it
// loses or leaks is its own); null, with the test failed, where it cannot be made.
std::unique_ptr<host::Device> new_device();

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
#define EXPECT_OK(expr)                                                              \
  do {                                                                               \
    const auto& ossvk_t_ = (expr);                                                   \
    EXPECT_TRUE(ossvk_t_.ok()) << ::ossvk::testing::status_of(ossvk_t_).to_string(); \
  } while (0)

inline host::Status status_of(const host::Status& s) {
  return s;
}
template <class T>
host::Status status_of(const host::Result<T>& r) {
  return r.status();
}

// Buffers on the default device for kernel tests: one of `bytes` (at least 16), one holding
// `values`, and a buffer's first `n` values read back. Failures fail the calling test.
host::Buffer device_buffer(uint64_t bytes);
template <class T>
host::Buffer device_buffer_with(const std::vector<T>& values) {
  host::Buffer b = device_buffer(values.size() * sizeof(T));
  EXPECT_TRUE(gpu().transfer->upload(b, 0, values.data(), values.size() * sizeof(T)).ok());
  return b;
}
template <class T>
std::vector<T> read_back(const host::Buffer& b, size_t n) {
  std::vector<T> out(n);
  EXPECT_TRUE(gpu().transfer->download(b, 0, out.data(), n * sizeof(T)).ok());
  return out;
}

}  // namespace ossvk::testing
