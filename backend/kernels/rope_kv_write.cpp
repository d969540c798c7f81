#include "backend/kernels/rope_kv_write.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "shaders/kernel_names.h"
#include "shaders/rope_push.h"

namespace ossvk {
namespace {

static_assert(sizeof(shaders::RopePush) == 72, "RopePush must match its GLSL std430 layout");
static_assert(sizeof(shaders::RopeTarget) == 56, "RopeTarget must match its GLSL std430 layout");

host::Status fail(const std::string& what) {
  return host::Status::error(what);
}

// q's scale for the logits, 1/sqrt(head_dim).
float q_scale(const AttentionDims& d) {
  return static_cast<float>(1.0 / std::sqrt(static_cast<double>(d.head_dim)));
}

}  // namespace

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

host::Status check_rope_step(uint32_t tokens, uint32_t first_pos, const AttentionDims& d,
                             const RopeTable& rope, const KvCache& cache,
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
  return {};
}

shaders::RopeTarget rope_target(const AttentionDims& d, const RopeTable& rope,
                                const host::Buffer& q, const KvCache& cache) {
  shaders::RopeTarget t{};
  t.table = rope.table.address();
  t.q = q.address();
  t.k_cache = cache.k.address();
  t.v_cache = cache.v.address();
  t.ring = cache.ring;
  t.heads = d.heads;
  t.kv_heads = d.kv_heads;
  t.f16 = cache.f16 ? 1 : 0;
  t.q_scale = q_scale(d);
  return t;
}

host::Status encode_rope_kv_write(host::Device& device, host::CommandStream& stream,
                                  const host::Buffer& qkv, uint32_t tokens, uint32_t first_pos,
                                  const AttentionDims& d, const RopeTable& rope,
                                  const host::Buffer& q, KvCache& cache,
                                  const ReplayPosition* replay) {
  OSSVK_RETURN_IF_ERROR(check_rope_step(tokens, first_pos, d, rope, cache, replay));
  const uint64_t width = uint64_t{d.heads + 2 * d.kv_heads} * d.head_dim;
  if (!qkv || qkv.size() < tokens * width * 4)
    return fail("rope: qkv holds fewer than tokens x (q + k + v) floats");
  if (!q || q.size() < uint64_t{tokens} * d.heads * d.head_dim * 4)
    return fail("rope: q is too small");

  const std::string_view kernel =
      cache.f16 ? kernel_names::f32_rope_f16kv_write : kernel_names::f32_rope_kv_write;
  OSSVK_ASSIGN_OR_RETURN(
      const host::Pipeline* pipeline,
      device.pipelines().get(
          {std::string(kernel), shaders::RopeSpec{d.head_dim}.words(), sizeof(shaders::RopePush)}));
  shaders::RopePush push{};
  push.qkv = qkv.address();
  push.table = rope.table.address();
  push.q = q.address();
  push.k_cache = cache.k.address();
  push.v_cache = cache.v.address();
  push.position = replay ? replay->buffer->address() : device.zero_word();
  push.tokens = tokens;
  push.first_pos = first_pos;
  push.heads = d.heads;
  push.kv_heads = d.kv_heads;
  push.ring = cache.ring;
  push.q_scale = q_scale(d);
  const uint32_t items = (d.heads + d.kv_heads) * d.head_dim / 2 + d.kv_heads * d.head_dim;
  stream.dispatch(*pipeline, &push, (items + 63) / 64, tokens);
  return {};
}

}  // namespace ossvk
