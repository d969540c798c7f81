// A logical device on one compute queue, with the features ossvk uses enabled, plus the memory
// allocator and pipeline set that belong to it.
#pragma once
#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

#include "host/device_info.h"
#include "host/memory.h"
#include "host/pipeline.h"
#include "host/profile.h"

namespace ossvk::host {

// How kernels reach buffers: device addresses (any size) or descriptors: uniform texel buffers
// for what they read in bulk, storage buffers for the rest (much faster on CPU devices, limited
// to maxTexelBufferElements and maxStorageBufferRange per binding). Kernels fall back to
// addresses when a buffer does not fit a descriptor.
enum class BufferAccess { automatic, addresses, descriptors };

// The prefill matmuls' tile products (backend/kernels/matmul_mma.h). automatic: the device's
// matrix units where it has them (DeviceInfo::matrix_units), else the scalar tiles. emulated: the
// matrix kernels with their tile products done in shared memory by plain arithmetic, on any
// device; CI runs them on lavapipe so their tiling and indexing are tested on every commit.
// The default comes from OSSVK_MATMUL (scalar, emulated; anything else: automatic).
enum class MatrixUnits { automatic, scalar, emulated };
// "auto", "scalar" or "emulated"; false for anything else.
bool matrix_units_from_name(std::string_view name, MatrixUnits* out);
MatrixUnits requested_matrix_units();
// What a device's matmuls run on.
enum class Mma { none, cooperative, emulated };

struct DeviceOptions {
  // The SPIR-V kernels pipelines are built from, by name; they must outlive the device
  // (the library's: shaders/embedded_kernels.h).
  std::span<const KernelBinary> kernels;
  std::string selector;  // see select_device(); empty: OSSVK_DEVICE or the best device
  std::filesystem::path pipeline_cache_dir = PipelineCache::default_dir();  // empty: no disk cache
  VkDeviceSize block_size = 256ull << 20;
  BufferAccess buffer_access = BufferAccess::automatic;  // automatic: descriptors on CPU devices
  // Launcher choices fixed by the caller instead of by the device's type, by name. host/ only
  // keeps them; the launchers name and read them (backend/kernels/decode_layout.h). Tests use
  // them to run the GPUs' layouts on CPU devices.
  std::map<std::string, uint32_t, std::less<>> tuning;
  MatrixUnits matrix_units = requested_matrix_units();
  bool profile = KernelProfile::requested();  // per-kernel GPU times, printed when the device goes
};

class Device {
 public:
  static Result<std::unique_ptr<Device>> create(const Instance& instance,
                                                const DeviceOptions& options = {});
  ~Device();
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  VkDevice handle() const { return device_; }
  const DeviceInfo& info() const { return info_; }
  const Instance& instance() const { return instance_; }
  Allocator& allocator() { return *allocator_; }
  // The address of a word that always holds 0, for a kernel's optional word (a replayed step's
  // position) when there is none: kernels load it unconditionally, since a compiler may hoist a
  // load above a null-address test (Mesa 26's lavapipe does, and faults). Device-local, zeroed
  // by the queue at creation, outside allocator(), whose accounting covers only what callers
  // allocate.
  VkDeviceAddress zero_word() const { return zero_word_.address(); }
  // Whether kernels should use descriptors where buffers fit them.
  bool prefers_descriptors() const { return prefers_descriptors_; }
  // DeviceOptions::tuning's value for `name`; 0 where it has none.
  uint32_t tuning(std::string_view name) const {
    auto it = tuning_.find(name);
    return it == tuning_.end() ? 0 : it->second;
  }
  Mma mma() const { return mma_; }
  PipelineSet& pipelines() { return *pipelines_; }
  // Where command streams charge their kernels' GPU time; null unless DeviceOptions::profile.
  KernelProfile* profile() { return profile_.get(); }

  // Queue submission is serialized across threads. Once the device is lost every submission
  // is refused with VK_ERROR_DEVICE_LOST.
  Status submit(VkCommandBuffer cmd, VkFence fence);
  // Waits for `fence`; a timeout or a lost device comes back as a status.
  Status wait(VkFence fence, uint64_t timeout_ns);
  bool lost() const { return lost_; }
  // Fault injection for tests: the next submission fails with `result` without reaching the
  // queue, as if the driver had returned it; VK_ERROR_DEVICE_LOST is then a loss like a real one.
  void fail_next_submit(VkResult result) { injected_ = result; }

 private:
  Device(const Instance& instance, DeviceInfo info) : instance_(instance), info_(std::move(info)) {}
  Status lost_error() const;
  const Instance& instance_;
  DeviceInfo info_;
  VkDevice device_ = VK_NULL_HANDLE;
  VkQueue queue_ = VK_NULL_HANDLE;
  std::mutex queue_mutex_;
  std::atomic<bool> lost_ = false;
  std::atomic<VkResult> injected_ = VK_SUCCESS;
  bool prefers_descriptors_ = false;
  Mma mma_ = Mma::none;
  std::map<std::string, uint32_t, std::less<>> tuning_;
  std::unique_ptr<Allocator> allocator_;
  std::unique_ptr<Allocator> own_memory_;  // the zero word's
  Buffer zero_word_;
  std::unique_ptr<PipelineSet> pipelines_;
  std::unique_ptr<KernelProfile> profile_;
};

}  // namespace ossvk::host
