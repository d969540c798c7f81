#include "host/commands.h"

namespace ossvk::host {
namespace {

Result<DeviceHandle<VkQueryPool>> timestamp_pool(VkDevice dev, uint32_t count) {
  VkQueryPoolCreateInfo qci{VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
  qci.queryType = VK_QUERY_TYPE_TIMESTAMP;
  qci.queryCount = count;
  VkQueryPool qp;
  OSSVK_VK(vkCreateQueryPool(dev, &qci, nullptr, &qp));
  return DeviceHandle<VkQueryPool>(dev, qp, vkDestroyQueryPool);
}

}  // namespace

Result<std::unique_ptr<CommandStream>> CommandStream::create(Device& device,
                                                             uint32_t max_timestamps) {
  std::unique_ptr<CommandStream> s(new CommandStream(device));
  VkDevice dev = device.handle();

  VkCommandPoolCreateInfo pci{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  pci.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  pci.queueFamilyIndex = device.info().compute_queue_family;
  VkCommandPool pool;
  OSSVK_VK(vkCreateCommandPool(dev, &pci, nullptr, &pool));
  s->pool_ = DeviceHandle<VkCommandPool>(dev, pool, vkDestroyCommandPool);

  VkCommandBufferAllocateInfo cai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  cai.commandPool = pool;
  cai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  cai.commandBufferCount = 1;
  OSSVK_VK(vkAllocateCommandBuffers(dev, &cai, &s->cmd_));

  VkFenceCreateInfo fci{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  VkFence fence;
  OSSVK_VK(vkCreateFence(dev, &fci, nullptr, &fence));
  s->fence_ = DeviceHandle<VkFence>(dev, fence, vkDestroyFence);

  const bool timestamps = device.info().timestamp_valid_bits > 0;
  if (max_timestamps > 0 && timestamps) {
    OSSVK_ASSIGN_OR_RETURN(s->queries_, timestamp_pool(dev, max_timestamps));
    s->max_timestamps_ = max_timestamps;
  }
  if (device.profile() && timestamps) {
    OSSVK_ASSIGN_OR_RETURN(s->profile_queries_, timestamp_pool(dev, kProfileQueries));
  }
  return s;
}

CommandStream::~CommandStream() {
  // The pool frees the command buffer; this stream's last submission (still in flight only if
  // its wait timed out) must finish first. Its own fence, not the queue: other threads may be
  // submitting.
  if (recording_) vkEndCommandBuffer(cmd_);
  if (submitted_) {
    VkFence fence = fence_.get();
    vkWaitForFences(device_.handle(), 1, &fence, VK_TRUE, UINT64_MAX);
  }
}

Status CommandStream::begin(bool reusable) {
  // A recording abandoned by an error (an encode step that failed) is discarded.
  if (recording_) vkEndCommandBuffer(cmd_);
  OSSVK_VK(vkResetCommandBuffer(cmd_, 0));
  VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  bi.flags = reusable ? 0 : VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  reusable_ = reusable;
  executable_ = false;
  OSSVK_VK(vkBeginCommandBuffer(cmd_, &bi));
  if (queries_) vkCmdResetQueryPool(cmd_, queries_.get(), 0, max_timestamps_);
  timestamps_ = 0;
  if (profile_queries_) vkCmdResetQueryPool(cmd_, profile_queries_.get(), 0, kProfileQueries);
  profiled_.clear();
  recording_ = true;
  return {};
}

void CommandStream::dispatch(const Pipeline& p, const void* push, uint32_t gx, uint32_t gy,
                             uint32_t gz) {
  vkCmdBindPipeline(cmd_, VK_PIPELINE_BIND_POINT_COMPUTE, p.pipeline.get());
  if (p.push_size)
    vkCmdPushConstants(cmd_, p.layout.get(), VK_SHADER_STAGE_COMPUTE_BIT, 0, p.push_size, push);
  const bool profiled = profile_queries_ && profiled_.size() + 2 <= kProfileQueries;
  if (profiled && profiled_.empty())
    vkCmdWriteTimestamp(cmd_, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, profile_queries_.get(), 0);
  vkCmdDispatch(cmd_, gx, gy, gz);
  if (profiled) {
    profiled_.push_back(&p.kernel);
    vkCmdWriteTimestamp(cmd_, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, profile_queries_.get(),
                        static_cast<uint32_t>(profiled_.size()));
  }
}

void CommandStream::dispatch(const Pipeline& p, std::span<const Descriptor> bindings,
                             const void* push, uint32_t gx, uint32_t gy, uint32_t gz) {
  std::vector<VkWriteDescriptorSet> writes(bindings.size());
  for (uint32_t i = 0; i < bindings.size(); ++i) {
    writes[i] = {VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
    writes[i].dstBinding = i;
    writes[i].descriptorCount = 1;
    writes[i].descriptorType = bindings[i].type;
    if (bindings[i].type == VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER)
      writes[i].pTexelBufferView = &bindings[i].view;
    else
      writes[i].pBufferInfo = &bindings[i].buffer;
  }
  vkCmdPushDescriptorSetKHR(cmd_, VK_PIPELINE_BIND_POINT_COMPUTE, p.layout.get(), 0,
                            static_cast<uint32_t>(writes.size()), writes.data());
  dispatch(p, push, gx, gy, gz);
}

void CommandStream::barrier() {
  VkMemoryBarrier mb{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
  mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  mb.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT |
                     VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  constexpr VkPipelineStageFlags stages =
      VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
  vkCmdPipelineBarrier(cmd_, stages, stages, 0, 1, &mb, 0, nullptr, 0, nullptr);
}

void CommandStream::host_barrier() {
  VkMemoryBarrier mb{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
  mb.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
  mb.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
  vkCmdPipelineBarrier(cmd_, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &mb,
                       0, nullptr, 0, nullptr);
}

void CommandStream::copy(const Buffer& src, VkDeviceSize src_offset, const Buffer& dst,
                         VkDeviceSize dst_offset, VkDeviceSize size) {
  VkBufferCopy region{src.offset() + src_offset, dst.offset() + dst_offset, size};
  vkCmdCopyBuffer(cmd_, src.vk_buffer(), dst.vk_buffer(), 1, &region);
}

void CommandStream::fill(const Buffer& dst, uint32_t word) {
  vkCmdFillBuffer(cmd_, dst.vk_buffer(), dst.offset(), dst.size(), word);
}

bool CommandStream::timestamp() {
  if (!queries_ || timestamps_ >= max_timestamps_) return false;
  vkCmdWriteTimestamp(cmd_, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, queries_.get(), timestamps_++);
  return true;
}

Status CommandStream::submit_and_wait(uint64_t timeout_ns) {
  if (!recording_) return Status::error("CommandStream::submit_and_wait without begin");
  recording_ = false;
  OSSVK_VK(vkEndCommandBuffer(cmd_));
  executable_ = true;
  return run(timeout_ns);
}

Status CommandStream::resubmit_and_wait(uint64_t timeout_ns) {
  if (recording_ || !reusable_ || !executable_)
    return Status::error("CommandStream::resubmit_and_wait without a finished reusable recording");
  return run(timeout_ns);
}

Status CommandStream::run(uint64_t timeout_ns) {
  VkFence fence = fence_.get();
  OSSVK_VK(vkResetFences(device_.handle(), 1, &fence));
  // Unsignaled until a submission succeeds: one the driver refuses leaves nothing for the
  // destructor to wait on.
  submitted_ = false;
  OSSVK_RETURN_IF_ERROR(device_.submit(cmd_, fence));
  submitted_ = true;
  OSSVK_RETURN_IF_ERROR(device_.wait(fence, timeout_ns));
  return charge_profile();
}

Status CommandStream::charge_profile() {
  if (profiled_.empty()) return {};
  OSSVK_ASSIGN_OR_RETURN(
      std::vector<double> ns,
      read_ns(profile_queries_.get(), static_cast<uint32_t>(profiled_.size() + 1)));
  for (size_t i = 0; i < profiled_.size(); ++i)
    device_.profile()->add(*profiled_[i], ns[i + 1] - ns[i]);
  return {};
}

Result<std::vector<double>> CommandStream::timestamps_ns() const {
  if (timestamps_ == 0) return std::vector<double>{};
  return read_ns(queries_.get(), timestamps_);
}

Result<std::vector<double>> CommandStream::read_ns(VkQueryPool pool, uint32_t count) const {
  std::vector<uint64_t> ticks(count);
  OSSVK_VK(vkGetQueryPoolResults(device_.handle(), pool, 0, count, ticks.size() * sizeof(uint64_t),
                                 ticks.data(), sizeof(uint64_t),
                                 VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT));
  const uint32_t bits = device_.info().timestamp_valid_bits;
  const uint64_t mask = bits >= 64 ? ~0ull : (1ull << bits) - 1;
  const double period = device_.info().timestamp_period_ns;
  std::vector<double> ns(count);
  for (uint32_t i = 0; i < count; ++i)
    ns[i] = static_cast<double>((ticks[i] - ticks[0]) & mask) * period;  // wraps within valid bits
  return ns;
}

}  // namespace ossvk::host
