// One command buffer's worth of GPU work: record dispatches, barriers, copies and timestamps, then
// submit once and wait. Reusable: begin() starts a new recording.
#pragma once
#include <memory>
#include <span>
#include <vector>

#include "host/device.h"

namespace ossvk::host {

// One binding of a dispatch: a storage buffer range or a uniform texel buffer view.
struct Descriptor {
  VkDescriptorType type = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
  VkDescriptorBufferInfo buffer{};
  VkBufferView view = VK_NULL_HANDLE;
};

class CommandStream {
 public:
  static constexpr uint64_t kDefaultTimeoutNs = 120ull * 1000 * 1000 * 1000;

  static Result<std::unique_ptr<CommandStream>> create(Device& device,
                                                       uint32_t max_timestamps = 64);
  ~CommandStream();
  CommandStream(const CommandStream&) = delete;
  CommandStream& operator=(const CommandStream&) = delete;

  // Starts a recording, discarding one that was never submitted. A reusable recording can be
  // submitted again after its first submission (resubmit_and_wait).
  Status begin(bool reusable = false);
  void dispatch(const Pipeline& pipeline, const void* push, uint32_t groups_x,
                uint32_t groups_y = 1, uint32_t groups_z = 1);
  // The same with the pipeline's bindings (set 0, in order) pushed first.
  void dispatch(const Pipeline& pipeline, std::span<const Descriptor> bindings, const void* push,
                uint32_t groups_x, uint32_t groups_y = 1, uint32_t groups_z = 1);
  // Every earlier shader or transfer write is visible to every later shader or transfer access.
  void barrier();
  // Every earlier transfer write is visible to the host once the submission's fence signals.
  void host_barrier();
  void copy(const Buffer& src, VkDeviceSize src_offset, const Buffer& dst, VkDeviceSize dst_offset,
            VkDeviceSize size);
  // Every 32-bit word of `dst` (its size a multiple of 4) set to `word`.
  void fill(const Buffer& dst, uint32_t word);
  // Writes a GPU timestamp once all earlier commands finish; returns false when the stream's
  // timestamp capacity is used up or the queue has no timestamps.
  bool timestamp();
  Status submit_and_wait(uint64_t timeout_ns = kDefaultTimeoutNs);
  // Submits the last recording again, unchanged; it must have been begun reusable and finished
  // by submit_and_wait.
  Status resubmit_and_wait(uint64_t timeout_ns = kDefaultTimeoutNs);

  // Timestamps of the last submission in nanoseconds since the first, using the float
  // timestampPeriod and masking to timestampValidBits.
  Result<std::vector<double>> timestamps_ns() const;

 private:
  explicit CommandStream(Device& device) : device_(device) {}
  Status run(uint64_t timeout_ns);  // submits the finished recording and waits
  Device& device_;
  DeviceHandle<VkCommandPool> pool_;
  DeviceHandle<VkFence> fence_;
  DeviceHandle<VkQueryPool> queries_;
  // OSSVK_PROFILE: a timestamp after every dispatch (the first one also before it), the
  // dispatches' kernels in order.
  static constexpr uint32_t kProfileQueries = 4096;
  DeviceHandle<VkQueryPool> profile_queries_;
  std::vector<const std::string*> profiled_;
  Status charge_profile();
  // The first `count` timestamps of `pool` in nanoseconds since its first.
  Result<std::vector<double>> read_ns(VkQueryPool pool, uint32_t count) const;
  VkCommandBuffer cmd_ = VK_NULL_HANDLE;
  uint32_t max_timestamps_ = 0;
  uint32_t timestamps_ = 0;
  bool recording_ = false;
  bool submitted_ = false;   // the fence belongs to a submission
  bool reusable_ = false;    // the recording was begun reusable
  bool executable_ = false;  // the recording is finished
};

}  // namespace ossvk::host
