#include "backend/kernels/kv_cache.h"

#include <algorithm>
#include <string>

namespace ossvk {

host::Status check_attention_dims(const AttentionDims& d) {
  if (d.head_dim == 0 || d.head_dim % 4 != 0 || d.head_dim > 128)
    return host::Status::error("attention: head_dim " + std::to_string(d.head_dim) +
                               " is not supported (the kernels take multiples of 4 up to 128)");
  if (d.kv_heads == 0 || d.heads % d.kv_heads != 0)
    return host::Status::error("attention: " + std::to_string(d.heads) +
                               " query heads do not group evenly over " +
                               std::to_string(d.kv_heads) + " KV heads");
  if (d.heads / d.kv_heads > 64)
    return host::Status::error("attention: " + std::to_string(d.heads / d.kv_heads) +
                               " query heads per KV head exceed the kernels' limit of 64");
  return {};
}

host::Result<KvCache> create_kv_cache(host::Device& device, const AttentionDims& dims,
                                      uint32_t capacity, uint32_t max_step_tokens, bool f16) {
  OSSVK_RETURN_IF_ERROR(check_attention_dims(dims));
  if (capacity == 0 || max_step_tokens == 0)
    return host::Status::error("KV cache: capacity and step tokens must be positive");
  KvCache c;
  c.capacity = capacity;
  c.max_step_tokens = max_step_tokens;
  c.f16 = f16;
  c.ring = dims.window ? std::min(capacity, dims.window + max_step_tokens) : capacity;
  const uint64_t bytes = uint64_t{c.ring} * dims.kv_heads * dims.head_dim * (f16 ? 2 : 4);
  auto k = device.allocator().allocate(bytes, host::MemoryUse::device);
  if (!k.ok())
    return k.status().with_context("KV cache of " + std::to_string(capacity) + " positions");
  auto v = device.allocator().allocate(bytes, host::MemoryUse::device);
  if (!v.ok())
    return v.status().with_context("KV cache of " + std::to_string(capacity) + " positions");
  c.k = std::move(k).value();
  c.v = std::move(v).value();
  return c;
}

host::Status check_replay(const ReplayPosition* replay, uint32_t tokens, uint32_t first_pos,
                          const char* kernel) {
  if (!replay ||
      (tokens == 1 && first_pos == 0 && replay->buffer && *replay->buffer && replay->limit > 0))
    return {};
  return host::Status::error(std::string(kernel) +
                             ": a replayed step takes one token and its position from the buffer");
}

}  // namespace ossvk
