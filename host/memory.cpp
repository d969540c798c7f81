#include "host/memory.h"

#include <algorithm>
#include <bit>
#include <iterator>
#include <numeric>

namespace ossvk::host {

struct Allocator::Block {
  DeviceHandle<VkDeviceMemory> memory;
  DeviceHandle<VkBuffer> buffer;
  VkDeviceAddress address = 0;
  VkDeviceSize size = 0;
  std::byte* mapped = nullptr;
  MemoryUse use = MemoryUse::device;
  bool dedicated = false;
  std::map<VkDeviceSize, VkDeviceSize> free_ranges;  // offset -> size, coalesced
};

namespace {

VkDeviceSize align_up(VkDeviceSize v, VkDeviceSize a) {
  return (v + a - 1) / a * a;
}

std::string mib(VkDeviceSize bytes) {
  return std::to_string((bytes + (1 << 20) - 1) >> 20) + " MiB";
}

// The memory type with all `required` flags that best matches `preferred` (and avoids `avoided`).
int pick_type(const VkPhysicalDeviceMemoryProperties& props, uint32_t allowed,
              VkMemoryPropertyFlags required, VkMemoryPropertyFlags preferred,
              VkMemoryPropertyFlags avoided) {
  int best = -1, best_score = -1;
  for (uint32_t i = 0; i < props.memoryTypeCount; ++i) {
    VkMemoryPropertyFlags f = props.memoryTypes[i].propertyFlags;
    if (!(allowed & (1u << i)) || (f & required) != required) continue;
    int score = std::popcount(f & preferred) * 2 + (f & avoided ? 0 : 1);
    if (score > best_score) best = static_cast<int>(i), best_score = score;
  }
  return best;
}

}  // namespace

Buffer::Buffer(Buffer&& o) noexcept {
  *this = std::move(o);
}

Buffer& Buffer::operator=(Buffer&& o) noexcept {
  if (this != &o) {
    release();
    owner_ = std::exchange(o.owner_, nullptr);
    block_ = o.block_;
    vk_buffer_ = o.vk_buffer_;
    offset_ = o.offset_;
    size_ = o.size_;
    address_ = o.address_;
    mapped_ = o.mapped_;
    views_ = std::move(o.views_);
  }
  return *this;
}

Buffer::~Buffer() {
  release();
}

void Buffer::release() {
  if (!owner_) return;
  for (DeviceHandle<VkBufferView>& v : views_) v.reset();
  owner_->free(block_, offset_, size_);
  owner_ = nullptr;
}

Result<VkBufferView> Buffer::texel_view(TexelFormat format) const {
  if (!owner_) return Status::error("a texel view of a null buffer", VK_ERROR_UNKNOWN);
  const VkDeviceSize bytes = texel_bytes(format);
  const VkDeviceSize texels = align_up(size_, bytes) / bytes;
  if (texels > owner_->max_texel_elements_)
    return Status::error("a buffer of " + mib(size_) + " holds " + std::to_string(texels) +
                             " texels, more than the device's maxTexelBufferElements (" +
                             std::to_string(owner_->max_texel_elements_) + ")",
                         VK_ERROR_UNKNOWN);
  std::lock_guard lock(owner_->mutex_);
  DeviceHandle<VkBufferView>& view = views_[static_cast<size_t>(format)];
  if (!view) {
    VkBufferViewCreateInfo ci{VK_STRUCTURE_TYPE_BUFFER_VIEW_CREATE_INFO};
    ci.buffer = vk_buffer_;
    static constexpr VkFormat kFormats[] = {VK_FORMAT_R32G32B32A32_UINT,
                                            VK_FORMAT_R32G32B32A32_SFLOAT, VK_FORMAT_R8_UINT,
                                            VK_FORMAT_R16_UINT};
    static_assert(std::size(kFormats) == static_cast<size_t>(TexelFormat::count));
    ci.format = kFormats[static_cast<size_t>(format)];
    ci.offset = offset_;
    ci.range = texels * bytes;
    VkBufferView raw;
    OSSVK_VK(vkCreateBufferView(owner_->device_, &ci, nullptr, &raw));
    view = DeviceHandle<VkBufferView>(owner_->device_, raw, vkDestroyBufferView);
  }
  return view.get();
}

Allocator::Allocator(VkDevice device, const DeviceInfo& info, VkDeviceSize block_size)
    : device_(device),
      max_texel_elements_(info.max_texel_buffer_elements),
      max_allocation_(info.max_memory_allocation_size),
      block_size_(std::min(block_size, info.max_memory_allocation_size)),
      alignment_(buffer_alignment(info)) {
  vkGetPhysicalDeviceMemoryProperties(info.physical, &memory_props_);
}

Allocator::~Allocator() = default;

Result<size_t> Allocator::new_block(VkDeviceSize size, MemoryUse use, bool dedicated) {
  auto block = std::make_unique<Block>();
  block->size = size;
  block->use = use;
  block->dedicated = dedicated;

  VkBufferCreateInfo bci{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  bci.size = size;
  bci.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT |
              VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT |
              VK_BUFFER_USAGE_SHADER_DEVICE_ADDRESS_BIT;
  bci.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  VkBuffer buffer;
  OSSVK_VK(vkCreateBuffer(device_, &bci, nullptr, &buffer));
  block->buffer = DeviceHandle<VkBuffer>(device_, buffer, vkDestroyBuffer);

  VkMemoryRequirements req;
  vkGetBufferMemoryRequirements(device_, buffer, &req);
  constexpr auto kLocal = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
  constexpr auto kHost = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  int type = -1;
  switch (use) {
    case MemoryUse::device:
      type = pick_type(memory_props_, req.memoryTypeBits, kLocal, 0, 0);
      if (type < 0) type = pick_type(memory_props_, req.memoryTypeBits, 0, 0, 0);
      break;
    case MemoryUse::upload:
      type = pick_type(memory_props_, req.memoryTypeBits, kHost, 0, kLocal);
      break;
    case MemoryUse::download:
      type = pick_type(memory_props_, req.memoryTypeBits, kHost, VK_MEMORY_PROPERTY_HOST_CACHED_BIT,
                       kLocal);
      break;
    case MemoryUse::system:  // written once by the host, then read by kernels only
      type = pick_type(memory_props_, req.memoryTypeBits, kHost, 0, kLocal);
      break;
  }
  if (type < 0)
    return Status::error("no Vulkan memory type suits this buffer", VK_ERROR_FEATURE_NOT_PRESENT);

  VkMemoryAllocateFlagsInfo flags{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_FLAGS_INFO};
  flags.flags = VK_MEMORY_ALLOCATE_DEVICE_ADDRESS_BIT;
  VkMemoryAllocateInfo mai{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  mai.pNext = &flags;
  mai.allocationSize = req.size;
  mai.memoryTypeIndex = static_cast<uint32_t>(type);
  VkDeviceMemory memory;
  VkResult r = vkAllocateMemory(device_, &mai, nullptr, &memory);
  if (r != VK_SUCCESS)
    return Status::error("could not allocate " + mib(req.size) + " of " +
                             (use == MemoryUse::device ? "device" : "host-visible") + " memory",
                         r);
  block->memory = DeviceHandle<VkDeviceMemory>(device_, memory, vkFreeMemory);
  OSSVK_VK(vkBindBufferMemory(device_, buffer, memory, 0));
  if (use != MemoryUse::device) {
    void* p = nullptr;
    OSSVK_VK(vkMapMemory(device_, memory, 0, VK_WHOLE_SIZE, 0, &p));
    block->mapped = static_cast<std::byte*>(p);
  }
  VkBufferDeviceAddressInfo bda{VK_STRUCTURE_TYPE_BUFFER_DEVICE_ADDRESS_INFO};
  bda.buffer = buffer;
  block->address = vkGetBufferDeviceAddress(device_, &bda);
  block->free_ranges[0] = size;

  for (size_t i = 0; i < blocks_.size(); ++i)
    if (!blocks_[i]) {
      blocks_[i] = std::move(block);
      return i;
    }
  blocks_.push_back(std::move(block));
  return blocks_.size() - 1;
}

Result<Buffer> Allocator::allocate(VkDeviceSize size, MemoryUse use) {
  if (size == 0) return Status::error("cannot allocate an empty buffer", VK_ERROR_UNKNOWN);
  VkDeviceSize rounded = align_up(size, alignment_);
  if (rounded > max_allocation_)
    return Status::error("a buffer of " + mib(size) +
                             " exceeds the device's maxMemoryAllocationSize (" +
                             mib(max_allocation_) + "); split it",
                         VK_ERROR_OUT_OF_DEVICE_MEMORY);

  std::lock_guard lock(mutex_);
  if (fail_countdown_ != SIZE_MAX && fail_countdown_-- == 0)
    return Status::error("could not allocate " + mib(size) + " (injected)",
                         VK_ERROR_OUT_OF_DEVICE_MEMORY);
  size_t index = SIZE_MAX;
  VkDeviceSize offset = 0;
  if (rounded <= block_size_) {
    for (size_t b = 0; b < blocks_.size() && index == SIZE_MAX; ++b) {
      Block* blk = blocks_[b].get();
      if (!blk || blk->dedicated || blk->use != use) continue;
      for (auto& [off, len] : blk->free_ranges)
        if (len >= rounded) {
          index = b, offset = off;
          break;
        }
    }
  }
  if (index == SIZE_MAX) {
    bool dedicated = rounded > block_size_;
    OSSVK_ASSIGN_OR_RETURN(index, new_block(dedicated ? rounded : block_size_, use, dedicated));
    offset = 0;
  }
  Block& blk = *blocks_[index];
  auto it = blk.free_ranges.find(offset);
  VkDeviceSize len = it->second;
  blk.free_ranges.erase(it);
  if (len > rounded) blk.free_ranges[offset + rounded] = len - rounded;
  in_use_[static_cast<size_t>(use)] += rounded;

  Buffer buf;
  buf.owner_ = this;
  buf.block_ = index;
  buf.vk_buffer_ = blk.buffer.get();
  buf.offset_ = offset;
  buf.size_ = size;
  buf.address_ = blk.address + offset;
  buf.mapped_ = blk.mapped ? blk.mapped + offset : nullptr;
  return buf;
}

void Allocator::free(size_t block, VkDeviceSize offset, VkDeviceSize size) {
  std::lock_guard lock(mutex_);
  VkDeviceSize rounded = align_up(size, alignment_);
  Block& blk = *blocks_[block];
  in_use_[static_cast<size_t>(blk.use)] -= rounded;
  if (blk.dedicated) {
    blocks_[block].reset();
    return;
  }
  auto [it, inserted] = blk.free_ranges.emplace(offset, rounded);
  if (auto next = std::next(it);
      next != blk.free_ranges.end() && it->first + it->second == next->first) {
    it->second += next->second;
    blk.free_ranges.erase(next);
  }
  if (it != blk.free_ranges.begin()) {
    auto prev = std::prev(it);
    if (prev->first + prev->second == it->first) {
      prev->second += it->second;
      blk.free_ranges.erase(it);
    }
  }
}

void Allocator::fail_allocation_after(size_t successes) {
  std::lock_guard lock(mutex_);
  fail_countdown_ = successes;
}

VkDeviceSize Allocator::bytes_in_use() const {
  std::lock_guard lock(mutex_);
  return std::accumulate(in_use_.begin(), in_use_.end(), VkDeviceSize{0});
}

VkDeviceSize Allocator::bytes_in_use(MemoryUse use) const {
  std::lock_guard lock(mutex_);
  return in_use_[static_cast<size_t>(use)];
}

size_t Allocator::block_count() const {
  std::lock_guard lock(mutex_);
  return static_cast<size_t>(
      std::count_if(blocks_.begin(), blocks_.end(), [](auto& b) { return b != nullptr; }));
}

}  // namespace ossvk::host
