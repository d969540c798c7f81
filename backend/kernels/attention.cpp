#include "backend/kernels/attention.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "backend/kernels/attention_mma.h"
#include "host/transfer.h"
#include "shaders/attention_kernel_push.h"
#include "shaders/kernel_names.h"

namespace ossvk {
namespace {

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

}  // namespace

uint64_t attention_scratch_bytes(const AttentionDims& d, uint32_t tokens, uint32_t last_position) {
  const uint32_t keys = visible_keys(d, last_position);
  if (tokens != 1 || keys <= kDecodeSplitAbove) return 0;
  const uint64_t splits = (keys + kSplitKeys - 1) / kSplitKeys;
  return splits * d.heads * (d.head_dim + 2) * 4;
}

bool attention_on_tiles(const host::Device& device, const AttentionDims& d, uint32_t tokens) {
  return tokens > 1 && attention_mma_runs(device, d);
}

std::string attention_kernel(const host::Device& device, const AttentionDims& d, uint32_t tokens,
                             bool f16_cache) {
  namespace k = kernel_names;
  if (tokens == 1)
    return std::string(f16_cache ? k::f32_f16kv_attention_decode : k::f32_attention_decode);
  if (attention_on_tiles(device, d, tokens)) return attention_mma_kernel(device, f16_cache);
  return std::string(f16_cache ? k::f32_f16kv_attention : k::f32_attention);
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

  shaders::AttentionPush push{};
  push.q = q.address();
  push.k_cache = cache.k.address();
  push.v_cache = cache.v.address();
  push.sinks = sinks.address();
  push.result = out.address();
  push.partial = scratch_bytes ? scratch->address() : 0;
  push.position = replay ? replay->buffer->address() : device.zero_word();
  push.tokens = tokens;
  push.first_pos = first_pos;
  push.heads = d.heads;
  push.kv_heads = d.kv_heads;
  push.ring = cache.ring;
  push.window = d.window;
  push.split_keys = kSplitKeys;
  push.splits = splits;
  if (attention_on_tiles(device, d, tokens))
    return encode_attention_mma(device, stream, d, cache.f16, push);
  const uint32_t group = d.heads / d.kv_heads, queries = queries_per_group(d);
  host::PipelineDesc desc{attention_kernel(device, d, tokens, cache.f16),
                          shaders::AttentionSpec{.invocations = queries * group,
                                                 .head_dim = d.head_dim,
                                                 .group = group,
                                                 .queries = queries,
                                                 .keys = kKeyTile}
                              .words(),
                          sizeof(shaders::AttentionPush)};
  uint32_t groups_x = (tokens + queries - 1) / queries;
  if (tokens == 1) {
    const DecodeLayout layout = decode_layout(device.info(), d);
    desc = {desc.kernel,
            shaders::AttentionDecodeSpec{.invocations = layout.heads * layout.lanes,
                                         .head_dim = d.head_dim,
                                         .group = group,
                                         .heads = layout.heads,
                                         .keys = layout.keys}
                .words(),
            sizeof(shaders::AttentionPush)};
    desc.required_subgroup_size = layout.required_lanes;
    groups_x = (group + layout.heads - 1) / layout.heads;
  }
  OSSVK_ASSIGN_OR_RETURN(const host::Pipeline* pipeline, device.pipelines().get(desc));
  stream.dispatch(*pipeline, &push, groups_x, d.kv_heads, splits);
  if (splits > 1) {
    OSSVK_ASSIGN_OR_RETURN(const host::Pipeline* reduce,
                           device.pipelines().get({std::string(kernel_names::f32_attention_reduce),
                                                   shaders::AttentionReduceSpec{d.head_dim}.words(),
                                                   sizeof(shaders::AttentionPush)}));
    stream.barrier();
    stream.dispatch(*reduce, &push, (tokens * d.heads * d.head_dim + 63) / 64);
  }
  return {};
}

}  // namespace ossvk
