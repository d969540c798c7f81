#include "support/gpu.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>

#include "backend/kernels/decode_layout.h"
#include "shaders/embedded_kernels.h"

namespace ossvk::testing {

Gpu& gpu() {
  static Gpu* g = [] {
    auto* out = new Gpu();
    host::InstanceOptions io;
    io.validation = true;
    auto instance = host::Instance::create(io);
    if (!instance.ok()) {
      ADD_FAILURE() << instance.status().to_string();
      return out;
    }
    out->instance = std::move(instance).value();
    // In the build tree: shared by the test processes, and gone with `make clean`.
    out->cache_dir = OSSVK_TEST_CACHE_DIR;
    host::DeviceOptions dopt;
    dopt.kernels = shaders::embedded_kernels();
    dopt.pipeline_cache_dir = out->cache_dir;
    auto device = host::Device::create(*out->instance, dopt);
    if (!device.ok()) {
      ADD_FAILURE() << device.status().to_string();
      return out;
    }
    out->device = std::move(device).value();
    auto transfer = host::Transfer::create(*out->device);
    if (!transfer.ok()) {
      ADD_FAILURE() << transfer.status().to_string();
      return out;
    }
    out->transfer = std::move(transfer).value();
    return out;
  }();
  return *g;
}

namespace {

// Another device on the default one's physical device, made with `dopt` (and the tests' pipeline
// cache) unless `d` already holds one.
void make_device(AccessDevice& d, host::DeviceOptions dopt) {
  Gpu& g = gpu();
  if (d.device || !g.instance) return;
  dopt.pipeline_cache_dir = g.cache_dir;
  auto device = host::Device::create(*g.instance, dopt);
  if (!device.ok()) {
    ADD_FAILURE() << device.status().to_string();
    return;
  }
  d.device = std::move(device).value();
  auto transfer = host::Transfer::create(*d.device);
  if (!transfer.ok()) {
    ADD_FAILURE() << transfer.status().to_string();
    d.device.reset();
    return;
  }
  d.transfer = std::move(transfer).value();
}

}  // namespace

std::unique_ptr<host::Device> new_device() {
  Gpu& g = gpu();
  if (!g.instance) return nullptr;
  host::DeviceOptions o;
  o.kernels = shaders::embedded_kernels();
  o.pipeline_cache_dir = g.cache_dir;
  auto d = host::Device::create(*g.instance, o);
  if (!d.ok()) ADD_FAILURE() << d.status().to_string();
  return d.ok() ? std::move(d).value() : nullptr;
}

AccessDevice& gpu_with(host::BufferAccess access) {
  static AccessDevice devices[3];
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  AccessDevice& d = devices[static_cast<int>(access)];
  host::DeviceOptions dopt;
  dopt.kernels = shaders::embedded_kernels();
  dopt.buffer_access = access;
  dopt.matrix_units = host::MatrixUnits::scalar;
  make_device(d, dopt);
  return d;
}

AccessDevice& gpu_with_matvec_split(uint32_t split) {
  static std::map<uint32_t, AccessDevice> devices;
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  host::DeviceOptions dopt;
  dopt.kernels = shaders::embedded_kernels();
  dopt.buffer_access = host::BufferAccess::addresses;
  dopt.tuning[std::string(kTuneMatvecSplit)] = split;
  dopt.matrix_units = host::MatrixUnits::scalar;
  make_device(devices[split], dopt);
  return devices[split];
}

AccessDevice& gpu_with_tile_products() {
  static AccessDevice d;
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  Gpu& g = gpu();
  host::DeviceOptions dopt;
  dopt.kernels = shaders::embedded_kernels();
  dopt.matrix_units = g.device && g.device->info().matrix_units ? host::MatrixUnits::automatic
                                                                : host::MatrixUnits::emulated;
  make_device(d, dopt);
  return d;
}

const char* mma_name(host::Mma mma) {
  return mma == host::Mma::cooperative ? " (matrix units)"
         : mma == host::Mma::emulated  ? " (emulated matrix units)"
                                       : "";
}

host::Buffer device_buffer(uint64_t bytes) {
  auto b =
      gpu().device->allocator().allocate(std::max<uint64_t>(bytes, 16), host::MemoryUse::device);
  EXPECT_TRUE(b.ok()) << b.status().to_string();
  return b.ok() ? std::move(b).value() : host::Buffer{};
}

void GpuTest::SetUp() {
  Gpu& g = gpu();
  ASSERT_TRUE(g.transfer) << "no usable Vulkan device";
  messages_at_start_ = g.instance->validation_messages();
}

void GpuTest::TearDown() {
  Gpu& g = gpu();
  if (!g.instance) return;
  EXPECT_EQ(g.instance->validation_messages(), messages_at_start_)
      << "validation layer reported: " << g.instance->last_validation_message();
}

}  // namespace ossvk::testing
