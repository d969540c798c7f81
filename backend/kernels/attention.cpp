#include "backend/kernels/attention.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "host/transfer.h"
#include "shaders/attention_kernel_push.h"
#include "shaders/kernel_names.h"
#include "shaders/rope_push.h"

namespace ossvk {
namespace {

static_assert(sizeof(shaders::RopePush) == 72, "RopePush must match its GLSL std430 layout");
static_assert(sizeof(shaders::AttentionPush) == 88,
              "AttentionPush must match its GLSL std430 layout");

constexpr uint32_t kKeyTile = 32;               // keys per shared-memory tile
constexpr uint32_t kSplitKeys = 256;            // keys per split in long decode contexts
constexpr uint32_t kCpuMaxPrefillKeys = 60000;  // within llvmpipe's 65535 loop iterations

// f32_attention's query tokens per workgroup: enough to fill 64 invocations with whole head
// groups. (One token, a decode step, takes f32_attention_decode.)
uint32_t queries_per_group(const AttentionDims& d) {
  return std::max(1u, 64 / (d.heads / d.kv_heads));
}

// f32_attention_decode's workgroup: `heads` query heads of one KV head, a subgroup of `lanes`
// each, and key tiles of `keys` in shared memory (halved until they fit).
struct DecodeLayout {
  uint32_t heads, lanes, keys;
  uint32_t required_lanes;  // 0: the driver's subgroup size is what `lanes` assumes
};

DecodeLayout decode_layout(const host::DeviceInfo& info, const AttentionDims& d) {
  DecodeLayout l{};
  l.lanes = std::max(8u, info.subgroup_size);
  l.required_lanes =
      info.subgroup_size_control && info.min_subgroup_size != info.max_subgroup_size ? l.lanes : 0;
  const uint32_t group = d.heads / d.kv_heads;
  l.heads = std::clamp(std::min(256u, info.max_workgroup_invocations) / l.lanes, 1u, group);
  auto shared = [&](uint32_t keys) { return keys * (2 * d.head_dim + 1 + l.heads) * 4; };
  for (l.keys = kKeyTile; l.keys > 8 && shared(l.keys) > info.max_shared_memory;) l.keys /= 2;
  return l;
}

uint32_t visible_keys(const AttentionDims& d, uint32_t pos) {
  return d.window ? std::min(pos + 1, d.window) : pos + 1;
}

host::Status fail(const std::string& what) {
  return host::Status::error(what);
}

// A replayed step is one token whose position comes from the buffer (first_pos 0), below a
// limit of at least one position.
host::Status check_replay(const ReplayPosition* replay, uint32_t tokens, uint32_t first_pos,
                          const char* kernel) {
  if (!replay ||
      (tokens == 1 && first_pos == 0 && replay->buffer && *replay->buffer && replay->limit > 0))
    return {};
  return fail(std::string(kernel) +
              ": a replayed step takes one token and its position from the buffer");
}

}  // namespace

host::Status check_attention_dims(const AttentionDims& d) {
  if (d.head_dim == 0 || d.head_dim % 4 != 0 || d.head_dim > 128)
    return fail("attention: head_dim " + std::to_string(d.head_dim) +
                " is not supported (the kernels take multiples of 4 up to 128)");
  if (d.kv_heads == 0 || d.heads % d.kv_heads != 0)
    return fail("attention: " + std::to_string(d.heads) + " query heads do not group evenly over " +
                std::to_string(d.kv_heads) + " KV heads");
  if (d.heads / d.kv_heads > 64)
    return fail("attention: " + std::to_string(d.heads / d.kv_heads) +
                " query heads per KV head exceed the kernels' limit of 64");
  return {};
}

host::Result<RopeTable> upload_rope_table(host::Device& device, host::Transfer& transfer,
                                          const YarnParams& y, uint32_t head_dim,
                                          uint32_t positions) {
  if (head_dim == 0 || head_dim % 2 || positions == 0)
    return fail("rope table: empty or odd head_dim");
  // YaRN "NTK-by-parts" with the correction range left unrounded (docs/model.md, "One block").
  const uint32_t half = head_dim / 2;
  const double d = head_dim, two_pi = 2.0 * std::numbers::pi;
  const double low =
      d / 2 * std::log(y.original_context / (y.beta_fast * two_pi)) / std::log(y.theta);
  const double high =
      d / 2 * std::log(y.original_context / (y.beta_slow * two_pi)) / std::log(y.theta);
  const double concentration = y.factor > 1.0 ? 0.1 * std::log(y.factor) + 1.0 : 1.0;
  std::vector<double> freq(half);
  for (uint32_t i = 0; i < half; ++i) {
    double base = std::pow(y.theta, 2.0 * i / d);
    double ramp = y.factor > 1.0 ? std::clamp((i - low) / (high - low), 0.0, 1.0) : 0.0;
    freq[i] = (1.0 - ramp) / base + ramp / (y.factor * base);
  }
  std::vector<float> table(static_cast<size_t>(positions) * half * 2);
  for (uint32_t p = 0; p < positions; ++p)
    for (uint32_t i = 0; i < half; ++i) {
      table[(static_cast<size_t>(p) * half + i) * 2] =
          static_cast<float>(std::cos(p * freq[i]) * concentration);
      table[(static_cast<size_t>(p) * half + i) * 2 + 1] =
          static_cast<float>(std::sin(p * freq[i]) * concentration);
    }
  RopeTable r;
  r.positions = positions;
  r.head_dim = head_dim;
  OSSVK_ASSIGN_OR_RETURN(r.table,
                         device.allocator().allocate(table.size() * 4, host::MemoryUse::device));
  OSSVK_RETURN_IF_ERROR(transfer.upload(r.table, 0, table.data(), table.size() * 4));
  return r;
}

host::Result<KvCache> create_kv_cache(host::Device& device, const AttentionDims& dims,
                                      uint32_t capacity, uint32_t max_step_tokens, bool f16) {
  OSSVK_RETURN_IF_ERROR(check_attention_dims(dims));
  if (capacity == 0 || max_step_tokens == 0)
    return fail("KV cache: capacity and step tokens must be positive");
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

host::Status encode_rope_kv_write(host::Device& device, host::CommandStream& stream,
                                  const host::Buffer& qkv, uint32_t tokens, uint32_t first_pos,
                                  const AttentionDims& d, const RopeTable& rope,
                                  const host::Buffer& q, KvCache& cache,
                                  const ReplayPosition* replay) {
  OSSVK_RETURN_IF_ERROR(check_attention_dims(d));
  if (tokens == 0) return fail("rope: no tokens");
  OSSVK_RETURN_IF_ERROR(check_replay(replay, tokens, first_pos, "rope"));
  const uint64_t end = replay ? replay->limit : uint64_t{first_pos} + tokens;
  if (end > cache.capacity)
    return fail("context overflow: position " + std::to_string(end - 1) +
                " is beyond the cache's capacity of " + std::to_string(cache.capacity) +
                " positions");
  if (tokens > cache.max_step_tokens)
    return fail("rope: " + std::to_string(tokens) + " tokens in one step exceed the cache's " +
                std::to_string(cache.max_step_tokens));
  if (end > rope.positions || rope.head_dim != d.head_dim)
    return fail("rope: the table does not cover the positions");
  const uint64_t width = uint64_t{d.heads + 2 * d.kv_heads} * d.head_dim;
  if (!qkv || qkv.size() < tokens * width * 4)
    return fail("rope: qkv holds fewer than tokens x (q + k + v) floats");
  if (!q || q.size() < uint64_t{tokens} * d.heads * d.head_dim * 4)
    return fail("rope: q is too small");

  const std::string_view kernel =
      cache.f16 ? kernel_names::f32_rope_f16kv_write : kernel_names::f32_rope_kv_write;
  OSSVK_ASSIGN_OR_RETURN(
      const host::Pipeline* pipeline,
      device.pipelines().get({std::string(kernel), {d.head_dim}, sizeof(shaders::RopePush)}));
  shaders::RopePush push{};
  push.qkv = qkv.address();
  push.table = rope.table.address();
  push.q = q.address();
  push.k_cache = cache.k.address();
  push.v_cache = cache.v.address();
  push.position = replay ? replay->buffer->address() : 0;
  push.tokens = tokens;
  push.first_pos = first_pos;
  push.heads = d.heads;
  push.kv_heads = d.kv_heads;
  push.ring = cache.ring;
  push.q_scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(d.head_dim)));
  const uint32_t items = (d.heads + d.kv_heads) * d.head_dim / 2 + d.kv_heads * d.head_dim;
  stream.dispatch(*pipeline, &push, (items + 63) / 64, tokens);
  return {};
}

uint64_t attention_scratch_bytes(const AttentionDims& d, uint32_t tokens, uint32_t last_position) {
  const uint32_t keys = visible_keys(d, last_position);
  if (tokens != 1 || keys <= kDecodeSplitAbove) return 0;
  const uint64_t splits = (keys + kSplitKeys - 1) / kSplitKeys;
  return splits * d.heads * (d.head_dim + 2) * 4;
}

host::Status encode_attention(host::Device& device, host::CommandStream& stream,
                              const host::Buffer& q, uint32_t tokens, uint32_t first_pos,
                              const AttentionDims& d, const KvCache& cache,
                              const host::Buffer& sinks, const host::Buffer& out,
                              const host::Buffer* scratch, const ReplayPosition* replay) {
  OSSVK_RETURN_IF_ERROR(check_attention_dims(d));
  if (tokens == 0) return fail("attention: no tokens");
  OSSVK_RETURN_IF_ERROR(check_replay(replay, tokens, first_pos, "attention"));
  if ((replay ? uint64_t{replay->limit} : uint64_t{first_pos} + tokens) > cache.capacity)
    return fail("attention: positions beyond the cache");
  const uint64_t q_bytes = uint64_t{tokens} * d.heads * d.head_dim * 4;
  if (!q || q.size() < q_bytes) return fail("attention: q is too small");
  if (!out || out.size() < q_bytes) return fail("attention: out is too small");
  if (!sinks || sinks.size() < uint64_t{d.heads} * 4)
    return fail("attention: sinks hold fewer than heads floats");

  // A replayed step may run at any position below its limit: its splits cover them all.
  const uint32_t last = replay ? replay->limit - 1 : first_pos + tokens - 1;
  // llvmpipe ends an invocation after 65535 loop iterations in all and drops its outputs; a
  // prefill query walks every visible key, so refuse rather than return garbage there.
  if (device.info().type == VK_PHYSICAL_DEVICE_TYPE_CPU && tokens > 1 &&
      visible_keys(d, last) > kCpuMaxPrefillKeys)
    return fail("attention: a prefill step over " + std::to_string(visible_keys(d, last)) +
                " keys exceeds the " + std::to_string(kCpuMaxPrefillKeys) +
                " a CPU Vulkan device (llvmpipe) can attend over in one invocation");
  const uint64_t scratch_bytes = attention_scratch_bytes(d, tokens, last);
  uint32_t splits = 1;
  if (scratch_bytes) {
    if (!scratch || scratch->size() < scratch_bytes)
      return fail("attention: decode over " + std::to_string(visible_keys(d, last)) +
                  " keys needs " + std::to_string(scratch_bytes) + " bytes of scratch");
    splits = (visible_keys(d, last) + kSplitKeys - 1) / kSplitKeys;
  }

  const uint32_t group = d.heads / d.kv_heads, queries = queries_per_group(d);
  const std::string_view kernel =
      cache.f16 ? kernel_names::f32_f16kv_attention : kernel_names::f32_attention;
  host::PipelineDesc desc{std::string(kernel),
                          {queries * group, d.head_dim, group, queries, kKeyTile},
                          sizeof(shaders::AttentionPush)};
  uint32_t groups_x = (tokens + queries - 1) / queries;
  if (tokens == 1) {
    const DecodeLayout layout = decode_layout(device.info(), d);
    desc = {std::string(cache.f16 ? kernel_names::f32_f16kv_attention_decode
                                  : kernel_names::f32_attention_decode),
            {layout.heads * layout.lanes, d.head_dim, group, layout.heads, layout.keys},
            sizeof(shaders::AttentionPush)};
    desc.required_subgroup_size = layout.required_lanes;
    groups_x = (group + layout.heads - 1) / layout.heads;
  }
  OSSVK_ASSIGN_OR_RETURN(const host::Pipeline* pipeline, device.pipelines().get(desc));
  shaders::AttentionPush push{};
  push.q = q.address();
  push.k_cache = cache.k.address();
  push.v_cache = cache.v.address();
  push.sinks = sinks.address();
  push.result = out.address();
  push.partial = scratch_bytes ? scratch->address() : 0;
  push.position = replay ? replay->buffer->address() : 0;
  push.tokens = tokens;
  push.first_pos = first_pos;
  push.heads = d.heads;
  push.kv_heads = d.kv_heads;
  push.ring = cache.ring;
  push.window = d.window;
  push.split_keys = kSplitKeys;
  push.splits = splits;
  stream.dispatch(*pipeline, &push, groups_x, d.kv_heads, splits);
  if (splits > 1) {
    OSSVK_ASSIGN_OR_RETURN(const host::Pipeline* reduce,
                           device.pipelines().get({std::string(kernel_names::f32_attention_reduce),
                                                   {d.head_dim},
                                                   sizeof(shaders::AttentionPush)}));
    stream.barrier();
    stream.dispatch(*reduce, &push, (tokens * d.heads * d.head_dim + 63) / 64);
  }
  return {};
}

}  // namespace ossvk
