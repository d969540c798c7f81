// Compute pipelines built from the device's SPIR-V kernels by name, with specialization constants
// and an optional required subgroup size, backed by a VkPipelineCache persisted on disk.
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "host/device_info.h"
#include "host/handle.h"
#include "host/kernel_binary.h"

namespace ossvk::host {

struct PipelineDesc {
  std::string kernel;                      // a KernelBinary's name, e.g. "f32_mxfp4w_matvec"
  std::vector<uint32_t> spec;              // specialization constant i = spec[i]
  uint32_t push_size = 0;                  // bytes of the kernel's push-constant struct
  uint32_t required_subgroup_size = 0;     // 0: the driver chooses
  std::vector<VkDescriptorType> bindings;  // set 0, bindings 0..n-1, pushed per dispatch
  std::string key() const;
};

struct Pipeline {
  DeviceHandle<VkDescriptorSetLayout> set_layout;  // only with bindings
  DeviceHandle<VkPipelineLayout> layout;
  DeviceHandle<VkPipeline> pipeline;
  uint32_t push_size = 0;
  std::string kernel;  // the PipelineDesc's, for profiles
};

// The on-disk cache: $XDG_CACHE_HOME/ossvk/ (or ~/.cache/ossvk/), one file per device UUID and
// driver version. A missing, corrupt or foreign file is ignored, and data without a whole
// header is never written; saving writes a temporary file and renames it, so a crash never
// leaves a half-written cache.
class PipelineCache {
 public:
  static std::filesystem::path default_dir();
  // dir empty: caching in memory only.
  PipelineCache(VkDevice device, const DeviceInfo& info, std::filesystem::path dir);
  ~PipelineCache();  // saves
  VkPipelineCache handle() const { return cache_.get(); }
  const std::filesystem::path& file() const { return file_; }
  bool loaded_from_disk() const { return loaded_; }
  Status save() const;

 private:
  VkDevice device_;
  const DeviceInfo& info_;
  std::filesystem::path file_;
  DeviceHandle<VkPipelineCache> cache_;
  bool loaded_ = false;
};

class PipelineSet {
 public:
  PipelineSet(VkDevice device, const DeviceInfo& info, std::span<const KernelBinary> kernels,
              std::filesystem::path cache_dir);
  // Thread-safe; the pipeline lives as long as this set.
  Result<const Pipeline*> get(const PipelineDesc& desc);
  const PipelineCache& cache() const { return cache_; }

 private:
  Result<std::unique_ptr<Pipeline>> build(const PipelineDesc& desc);
  VkDevice device_;
  const DeviceInfo& info_;
  std::span<const KernelBinary> kernels_;
  PipelineCache cache_;
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Pipeline>> pipelines_;
};

}  // namespace ossvk::host
