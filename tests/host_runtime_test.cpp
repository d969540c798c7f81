// host/: memory, transfers, pipelines and their cache, command streams and timestamps.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <numeric>

#include "backend/formats/device_format.h"
#include "backend/kernels/copy.h"
#include "host/live_objects.h"
#include "host/profile.h"
#include "shaders/embedded_kernels.h"
#include "shaders/kernel_names.h"
#include "support/gpu.h"

namespace ossvk::testing {
namespace {

std::vector<uint8_t> pattern(size_t n, uint32_t seed) {
  std::vector<uint8_t> v(n);
  uint32_t s = seed;
  for (auto& b : v) b = static_cast<uint8_t>((s = s * 1664525u + 1013904223u) >> 24);
  return v;
}

class HostRuntime : public GpuTest {};

bool embedded(std::string_view name) {
  for (const host::KernelBinary& k : shaders::embedded_kernels())
    if (name == k.name) return true;
  return false;
}

// The generated names: every one is an embedded kernel, and each family lists its kernels in
// DeviceFormat's order, which launchers index it by.
TEST(KernelNames, every_name_is_embedded_and_families_follow_the_formats) {
  namespace k = kernel_names;
  for (const auto& family :
       {k::matvec, k::matmul, k::get_rows, k::moe_gate_up, k::moe_down, k::moe_matmul,
        k::moe_swiglu_matmul, k::matvec_texel, k::moe_gate_up_texel, k::moe_down_texel,
        k::matmul_mma, k::matmul_mma_emulated, k::moe_matmul_mma, k::moe_matmul_mma_emulated,
        k::moe_swiglu_matmul_mma, k::moe_swiglu_matmul_mma_emulated, k::moe_matvec_texel})
    for (std::string_view name : family) EXPECT_TRUE(embedded(name)) << name;
  for (int f = 0; f < kDeviceFormatCount; ++f) {
    const auto format = static_cast<DeviceFormat>(f);
    const std::string stem = std::string("f32_") + device_format_info(format).name + "w_";
    EXPECT_EQ(kernel_for(k::matvec, format), stem + "matvec");
    EXPECT_EQ(kernel_for(k::matvec_texel, format), stem + "matvec_texel");
    EXPECT_EQ(kernel_for(k::matmul, format), stem + "matmul");
    EXPECT_EQ(kernel_for(k::get_rows, format), stem + "get_rows");
    EXPECT_EQ(kernel_for(k::moe_gate_up, format), stem + "moe_gate_up");
    EXPECT_EQ(kernel_for(k::moe_gate_up_texel, format), stem + "moe_gate_up_texel");
    EXPECT_EQ(kernel_for(k::moe_down, format), stem + "moe_down");
    EXPECT_EQ(kernel_for(k::moe_down_texel, format), stem + "moe_down_texel");
    EXPECT_EQ(kernel_for(k::moe_matmul, format), stem + "moe_matmul");
    EXPECT_EQ(kernel_for(k::moe_swiglu_matmul, format), stem + "moe_swiglu_matmul");
    EXPECT_EQ(kernel_for(k::moe_matvec_texel, format), stem + "moe_matvec_texel");
    EXPECT_EQ(kernel_for(k::matmul_mma, format), stem + "matmul_mma");
    EXPECT_EQ(kernel_for(k::moe_swiglu_matmul_mma_emulated, format),
              stem + "moe_swiglu_matmul_mma_emulated");
  }
  for (std::string_view name : {k::f32_copy, k::f32_rmsnorm, k::f32_topk, k::f32_moe_route,
                                k::f32_moe_group, k::f32_moe_combine, k::f32_attention_reduce})
    EXPECT_TRUE(embedded(name)) << name;
}

// A status's category decides the ABI's code: from the VkResult where Vulkan gave one, else as
// made. A bad file or argument prints its message alone (it names what is wrong); others add
// the VkResult and the source line for a bug report.
TEST(Status, categories_follow_the_vkresult_and_user_errors_print_their_message) {
  using host::ErrorCategory;
  using host::Status;
  EXPECT_EQ(Status::error("x", VK_ERROR_OUT_OF_DEVICE_MEMORY).category(),
            ErrorCategory::out_of_memory);
  EXPECT_EQ(Status::error("x", VK_ERROR_DEVICE_LOST).category(), ErrorCategory::device_lost);
  EXPECT_EQ(Status::error("x", VK_TIMEOUT).category(), ErrorCategory::timeout);
  EXPECT_EQ(Status::error("x", VK_ERROR_INCOMPATIBLE_DRIVER).category(), ErrorCategory::no_vulkan);
  EXPECT_EQ(Status::error("x", VK_ERROR_FEATURE_NOT_PRESENT).category(),
            ErrorCategory::device_limit);
  EXPECT_EQ(Status::error("x").category(), ErrorCategory::internal);
  EXPECT_EQ(Status::bad_file("m.gguf: truncated").to_string(), "m.gguf: truncated");
  EXPECT_EQ(Status::bad_argument("token id 9").category(), ErrorCategory::bad_argument);
  const std::string internal =
      Status::error("vkQueueSubmit failed", VK_ERROR_DEVICE_LOST).to_string();
  EXPECT_NE(internal.find("(VK_ERROR_DEVICE_LOST) at host_runtime_test.cpp:"), std::string::npos)
      << internal;
  EXPECT_EQ(std::move(Status::bad_file("truncated")).with_context("m.gguf").category(),
            ErrorCategory::bad_file);
}

// Kernels read a replayed step's position word without testing its pointer, so launchers pass
// the device's zero word outside replayed steps: it exists from the start, outside what the
// allocator counts. That it holds 0 every non-replayed attention and RoPE test shows.
TEST_F(HostRuntime, a_new_device_has_a_zero_word_outside_its_allocator) {
  auto d = new_device();
  ASSERT_TRUE(d);
  EXPECT_NE(d->zero_word(), 0u);
  EXPECT_EQ(d->allocator().bytes_in_use(), 0u);
  EXPECT_EQ(d->allocator().block_count(), 0u);
}

TEST_F(HostRuntime, round_trip_of_odd_sizes_across_chunks) {
  // A 4 KiB staging chunk forces many chunks and a partial last one.
  auto small = host::Transfer::create(device(), 4096);
  ASSERT_OK(small);
  for (size_t n : {size_t{1}, size_t{3}, size_t{4097}, size_t{65536 + 7}}) {
    auto buf = device().allocator().allocate(n + 13, host::MemoryUse::device);
    ASSERT_OK(buf);
    auto data = pattern(n, static_cast<uint32_t>(n));
    ASSERT_OK(small.value()->upload(buf.value(), 13, data.data(), n));
    std::vector<uint8_t> back(n);
    ASSERT_OK(small.value()->download(buf.value(), 13, back.data(), n));
    EXPECT_EQ(back, data) << n << " bytes";
  }
}

TEST_F(HostRuntime, round_trip_of_a_buffer_larger_than_128_mib) {
  const size_t n = (160ull << 20) + 5;  // beyond lavapipe's maxStorageBufferRange
  auto buf = device().allocator().allocate(n, host::MemoryUse::device);
  ASSERT_OK(buf);
  auto data = pattern(n, 99);
  ASSERT_OK(transfer().upload(buf.value(), 0, data.data(), n));
  std::vector<uint8_t> back(n);
  ASSERT_OK(transfer().download(buf.value(), 0, back.data(), n));
  EXPECT_TRUE(back == data);
}

TEST_F(HostRuntime, transfer_past_the_end_is_an_error) {
  auto buf = device().allocator().allocate(100, host::MemoryUse::device);
  ASSERT_OK(buf);
  std::vector<uint8_t> data(64);
  auto s = transfer().upload(buf.value(), 50, data.data(), 64);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("exceeds the buffer's 100 bytes"), std::string::npos) << s.message();
  s = transfer().download(buf.value(), 101, data.data(), 0);
  EXPECT_FALSE(s.ok());
}

TEST_F(HostRuntime, suballocations_are_aligned_distinct_and_reused) {
  auto& alloc = device().allocator();
  const auto before = alloc.bytes_in_use();
  {
    std::vector<host::Buffer> bufs;
    for (int i = 0; i < 50; ++i) {
      auto b = alloc.allocate(1000 + i, host::MemoryUse::device);
      ASSERT_OK(b);
      EXPECT_EQ(b.value().address() % 256, 0u);
      bufs.push_back(std::move(b).value());
    }
    for (size_t i = 1; i < bufs.size(); ++i)
      for (size_t j = 0; j < i; ++j)
        EXPECT_TRUE(bufs[i].address() >= bufs[j].address() + bufs[j].size() ||
                    bufs[j].address() >= bufs[i].address() + bufs[i].size());
  }
  EXPECT_EQ(alloc.bytes_in_use(), before);
}

// Views are made once per format, follow a moved buffer and go with it.
TEST_F(HostRuntime, texel_views_are_made_once_and_freed_with_the_buffer) {
  auto count = [] {
    auto counts = host::live_objects();
    auto it = counts.find(VK_OBJECT_TYPE_BUFFER_VIEW);
    return it == counts.end() ? int64_t{0} : it->second;
  };
  const int64_t at_start = count();
  {
    auto b = device().allocator().allocate(1000, host::MemoryUse::device);
    ASSERT_OK(b);
    auto floats = b.value().texel_view(host::TexelFormat::f32x4);
    auto words = b.value().texel_view(host::TexelFormat::u32x4);
    auto bytes = b.value().texel_view(host::TexelFormat::u8);
    auto halves = b.value().texel_view(host::TexelFormat::u16);
    ASSERT_OK(floats);
    ASSERT_OK(words);
    ASSERT_OK(bytes);
    ASSERT_OK(halves);
    EXPECT_NE(floats.value(), words.value());
    EXPECT_NE(bytes.value(), halves.value());
    EXPECT_EQ(count(), at_start + 4);
    host::Buffer moved = std::move(b).value();
    auto again = moved.texel_view(host::TexelFormat::f32x4);
    ASSERT_OK(again);
    EXPECT_EQ(again.value(), floats.value());
    EXPECT_EQ(count(), at_start + 4);
  }
  EXPECT_EQ(count(), at_start);
  EXPECT_FALSE(host::Buffer().texel_view(host::TexelFormat::u32x4).ok());
}

TEST_F(HostRuntime, allocation_beyond_max_memory_allocation_size_is_a_clear_error) {
  auto r = device().allocator().allocate(device().info().max_memory_allocation_size + 1,
                                         host::MemoryUse::device);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("maxMemoryAllocationSize"), std::string::npos)
      << r.status().message();
  EXPECT_EQ(r.status().vk_result(), VK_ERROR_OUT_OF_DEVICE_MEMORY);
}

// A CPU device's heaps are system memory, whatever size it advertises (lavapipe: 2 GiB): what
// fits is what the system has available. Other devices count their device-local heaps.
TEST_F(HostRuntime, a_cpu_device_counts_system_memory) {
  const host::DeviceInfo& info = device().info();
  if (info.type != VK_PHYSICAL_DEVICE_TYPE_CPU) {
    EXPECT_EQ(info.usable_bytes(), info.device_local_bytes());
    return;
  }
  EXPECT_GT(info.system_available_bytes, 0u);
  EXPECT_EQ(info.usable_bytes(), std::max(info.device_local_bytes(), info.system_available_bytes));
}

TEST_F(HostRuntime, empty_allocation_is_an_error) {
  EXPECT_FALSE(device().allocator().allocate(0, host::MemoryUse::device).ok());
}

TEST_F(HostRuntime, unknown_kernel_is_an_error) {
  auto p = device().pipelines().get({"no_such_kernel", {}, 0});
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("no_such_kernel"), std::string::npos);
}

TEST_F(HostRuntime, required_subgroup_size_builds_where_supported_and_errors_elsewhere) {
  const auto& info = device().info();
  if (info.subgroup_size_control) {
    ASSERT_OK(device().pipelines().get({"f32_copy", {64}, 24, info.max_subgroup_size}));
  }
  auto p = device().pipelines().get({"f32_copy", {64}, 24, info.max_subgroup_size * 2});
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("subgroup size"), std::string::npos) << p.status().message();
}

TEST_F(HostRuntime, timestamps_are_nonzero_and_monotonic) {
  const uint64_t bytes = 4 << 20;
  auto a = device().allocator().allocate(bytes, host::MemoryUse::device);
  auto b = device().allocator().allocate(bytes, host::MemoryUse::device);
  ASSERT_OK(a);
  ASSERT_OK(b);
  auto stream = host::CommandStream::create(device());
  ASSERT_OK(stream);
  auto& cs = *stream.value();
  ASSERT_OK(cs.begin());
  ASSERT_TRUE(cs.timestamp());
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK(encode_f32_copy(device(), cs, a.value(), b.value(), bytes));
    cs.barrier();
    ASSERT_TRUE(cs.timestamp());
  }
  ASSERT_OK(cs.submit_and_wait());
  auto ns = cs.timestamps_ns();
  ASSERT_OK(ns);
  ASSERT_EQ(ns.value().size(), 4u);
  for (size_t i = 1; i < 4; ++i) EXPECT_GT(ns.value()[i], ns.value()[i - 1]) << i;
}

TEST_F(HostRuntime, copy_kernel_copies) {
  const uint64_t bytes = 1 << 20;
  auto a = device().allocator().allocate(bytes, host::MemoryUse::device);
  auto b = device().allocator().allocate(bytes, host::MemoryUse::device);
  ASSERT_OK(a);
  ASSERT_OK(b);
  auto data = pattern(bytes, 5);
  ASSERT_OK(transfer().upload(a.value(), 0, data.data(), bytes));
  auto stream = host::CommandStream::create(device());
  ASSERT_OK(stream);
  ASSERT_OK(stream.value()->begin());
  ASSERT_OK(encode_f32_copy(device(), *stream.value(), a.value(), b.value(), bytes));
  ASSERT_OK(stream.value()->submit_and_wait());
  std::vector<uint8_t> back(bytes);
  ASSERT_OK(transfer().download(b.value(), 0, back.data(), bytes));
  EXPECT_TRUE(back == data);
  EXPECT_FALSE(encode_f32_copy(device(), *stream.value(), a.value(), b.value(), 10).ok());
}

// DeviceOptions::profile (OSSVK_PROFILE=1): every dispatch of every stream, replays included, is
// charged to its kernel; a device without it keeps no profile.
TEST_F(HostRuntime, profile_charges_every_dispatch_to_its_kernel) {
  EXPECT_EQ(device().profile(), nullptr);
  host::DeviceOptions opt;
  opt.kernels = shaders::embedded_kernels();
  opt.pipeline_cache_dir = gpu().cache_dir;
  opt.profile = true;
  auto dev = host::Device::create(*gpu().instance, opt);
  ASSERT_OK(dev);
  host::Device& d = *dev.value();
  ASSERT_NE(d.profile(), nullptr);
  EXPECT_EQ(d.profile()->report(), "");
  const uint64_t bytes = 1 << 20;
  auto a = d.allocator().allocate(bytes, host::MemoryUse::device);
  auto b = d.allocator().allocate(bytes, host::MemoryUse::device);
  ASSERT_OK(a);
  ASSERT_OK(b);
  auto stream = host::CommandStream::create(d);
  ASSERT_OK(stream);
  auto& cs = *stream.value();
  ASSERT_OK(cs.begin(true));
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK(encode_f32_copy(d, cs, a.value(), b.value(), bytes));
    cs.barrier();
  }
  ASSERT_OK(cs.submit_and_wait());
  ASSERT_OK(cs.resubmit_and_wait());
  const std::string report = d.profile()->report();
  const std::string kernel = d.prefers_descriptors() ? "f32_copy_texel" : "f32_copy";
  EXPECT_NE(report.find(kernel + std::string(37 - kernel.size(), ' ') + "     6"),
            std::string::npos)
      << report;
}

// The median column leaves out one slow call (lavapipe compiles a pipeline when it first runs);
// an even count takes the mean of the middle two.
TEST(KernelProfile, reports_calls_total_mean_and_median) {
  host::KernelProfile profile;
  for (double ns : {100e3, 2e3, 1e3}) profile.add("odd", ns);
  for (double ns : {1e3, 3e3, 5e3, 900e3}) profile.add("even", ns);
  const std::string report = profile.report();
  EXPECT_NE(
      report.find("odd                                       3      0.103      34.33       2.00"),
      std::string::npos)
      << report;
  EXPECT_NE(
      report.find("even                                      4      0.909     227.25       4.00"),
      std::string::npos)
      << report;
}

TEST_F(HostRuntime, stream_misuse_is_an_error) {
  auto stream = host::CommandStream::create(device());
  ASSERT_OK(stream);
  EXPECT_FALSE(stream.value()->submit_and_wait().ok());
  ASSERT_OK(stream.value()->begin());
  // A recording abandoned after an encode error is discarded by the next begin.
  ASSERT_OK(stream.value()->begin());
  ASSERT_OK(stream.value()->submit_and_wait());
  EXPECT_FALSE(stream.value()->submit_and_wait().ok());
}

class PipelineCacheTest : public GpuTest {
 protected:
  // One directory per test: ctest runs them in parallel processes.
  std::filesystem::path dir_ =
      gpu().cache_dir / ::testing::UnitTest::GetInstance()->current_test_info()->name();
  void TearDown() override {
    std::filesystem::remove_all(dir_);
    GpuTest::TearDown();
  }
  // A second device on the same instance, caching in dir_; builds one pipeline.
  bool build_one(bool* loaded) {
    host::DeviceOptions opt;
    opt.kernels = shaders::embedded_kernels();
    opt.pipeline_cache_dir = dir_;
    auto dev = host::Device::create(*gpu().instance, opt);
    EXPECT_TRUE(dev.ok()) << dev.status().to_string();
    if (!dev.ok()) return false;
    *loaded = dev.value()->pipelines().cache().loaded_from_disk();
    auto p = dev.value()->pipelines().get({"f32_copy", {64}, 24});
    EXPECT_TRUE(p.ok()) << p.status().to_string();
    return p.ok();
  }
  // Whether the driver's pipeline cache data holds a whole 32-byte header, as the spec says it
  // must; only then is there anything to keep (Mesa 26.2's lavapipe asks for 32 bytes and
  // writes 20).
  bool driver_gives_headers() {
    VkPipelineCacheCreateInfo ci{VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO};
    VkPipelineCache cache = VK_NULL_HANDLE;
    EXPECT_EQ(vkCreatePipelineCache(device().handle(), &ci, nullptr, &cache), VK_SUCCESS);
    size_t size = 0;
    EXPECT_EQ(vkGetPipelineCacheData(device().handle(), cache, &size, nullptr), VK_SUCCESS);
    std::vector<char> data(size);
    EXPECT_EQ(vkGetPipelineCacheData(device().handle(), cache, &size, data.data()), VK_SUCCESS);
    vkDestroyPipelineCache(device().handle(), cache, nullptr);
    return size >= 32;
  }
};

TEST_F(PipelineCacheTest, saved_on_destroy_and_reloaded) {
  bool loaded = true;
  ASSERT_TRUE(build_one(&loaded));
  EXPECT_FALSE(loaded);
  ASSERT_TRUE(build_one(&loaded));
  EXPECT_EQ(loaded, driver_gives_headers());
}

TEST_F(PipelineCacheTest, corrupt_file_is_ignored) {
  bool loaded = false;
  ASSERT_TRUE(build_one(&loaded));
  const bool kept = driver_gives_headers();
  ASSERT_EQ(std::filesystem::exists(dir_), kept);
  if (kept)
    for (const auto& e : std::filesystem::directory_iterator(dir_))
      std::ofstream(e.path(), std::ios::binary | std::ios::trunc)
          << "not a pipeline cache, but long enough to look like one";
  ASSERT_TRUE(build_one(&loaded));
  EXPECT_FALSE(loaded);
  // The corrupt file was replaced by a good one.
  ASSERT_TRUE(build_one(&loaded));
  EXPECT_EQ(loaded, kept);
}

TEST(DeviceSelection, unknown_name_lists_the_devices) {
  auto& g = gpu();
  ASSERT_TRUE(g.instance);
  auto devs = host::enumerate_devices(*g.instance);
  ASSERT_OK(devs);
  auto r = host::select_device(devs.value(), "no-such-gpu-anywhere");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("matches no device"), std::string::npos);
  EXPECT_NE(r.status().message().find(devs.value()[0].name), std::string::npos);
}

TEST(DeviceSelection, index_out_of_range_is_an_error) {
  ASSERT_TRUE(gpu().instance) << "no Vulkan instance";
  auto devs = host::enumerate_devices(*gpu().instance);
  ASSERT_OK(devs);
  EXPECT_FALSE(host::select_device(devs.value(), "97").ok());
}

TEST(DeviceSelection, by_index_and_by_name_substring) {
  ASSERT_TRUE(gpu().instance) << "no Vulkan instance";
  auto devs = host::enumerate_devices(*gpu().instance);
  ASSERT_OK(devs);
  auto by_index = host::select_device(devs.value(), "0");
  ASSERT_OK(by_index);
  EXPECT_EQ(by_index.value(), 0u);
  std::string name = devs.value()[0].name.substr(0, 4);
  for (auto& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto by_name = host::select_device(devs.value(), name);
  ASSERT_OK(by_name);
}

TEST(DeviceSelection, no_devices_is_an_error) {
  auto r = host::select_device({}, "");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("no Vulkan device"), std::string::npos);
}

TEST(DeviceSelection, missing_features_are_named) {
  host::DeviceInfo d;
  d.name = "imaginary";
  d.missing = {"bufferDeviceAddress", "shaderInt8"};
  auto r = host::select_device({d}, "");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("bufferDeviceAddress, shaderInt8"), std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace ossvk::testing

namespace ossvk::testing {
namespace {

// The layer is on in every test run, and what it reports is counted: a buffer created with no
// usage bits violates VUID-VkBufferCreateInfo-usage-requiredbitmask.
TEST(Validation, layer_is_on_and_counts_messages) {
  Gpu& g = gpu();
  ASSERT_TRUE(g.device);
  ASSERT_TRUE(g.instance->validation_enabled());
  std::string seen;
  g.instance->set_validation_sink([&](const char* m) { seen = m; });
  uint32_t before = g.instance->validation_messages();
  VkBufferCreateInfo bci{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  bci.size = 256;
  VkBuffer buffer = VK_NULL_HANDLE;
  if (vkCreateBuffer(g.device->handle(), &bci, nullptr, &buffer) == VK_SUCCESS)
    vkDestroyBuffer(g.device->handle(), buffer, nullptr);
  g.instance->set_validation_sink(nullptr);
  EXPECT_GT(g.instance->validation_messages(), before);
  EXPECT_NE(seen.find("usage"), std::string::npos) << seen;
}

}  // namespace
}  // namespace ossvk::testing
