#include "support/attention_tester.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <sstream>

#include "backend/kernels/attention_mma.h"
#include "reference/attention.h"
#include "support/gpu.h"
#include "testdata/weights.h"

namespace ossvk::testing {

std::vector<float> AttentionTester::run() {
  Gpu& g = gpu();
  AccessDevice* tiles = tile_products_ ? &gpu_with_tile_products() : nullptr;
  if (!g.transfer || (tiles && !tiles->transfer)) {
    ADD_FAILURE() << "no GPU";
    return {};
  }
  host::Device& device = tiles ? *tiles->device : *g.device;
  host::Transfer& transfer = tiles ? *tiles->transfer : *g.transfer;
  const bool on_tiles = attention_mma_runs(device, dims_);  // for prefill steps
  const uint32_t total = std::accumulate(steps_.begin(), steps_.end(), 0u);
  const uint32_t max_step = *std::max_element(steps_.begin(), steps_.end());
  const uint32_t d = dims_.head_dim, q_width = dims_.heads * d, kv_width = dims_.kv_heads * d;
  const uint32_t width = q_width + 2 * kv_width;
  std::ostringstream what;
  what << dims_.heads << "/" << dims_.kv_heads << " heads x " << d << ", window " << dims_.window
       << ", " << total << " positions in " << steps_.size() << " steps"
       << (f16_ ? ", f16 cache" : "") << (on_tiles ? mma_name(device.mma()) : "");
  SCOPED_TRACE(what.str());

  Rng rng(seed_ * 7919 + total);
  auto qkv = random_vector(uint64_t{total} * width, Data::realistic, rng);  // uniform [-1, 1)
  std::vector<float> sinks(dims_.heads);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (auto& s : sinks)
    s = sinks_ == Sinks::moderate         ? dist(rng)
        : sinks_ == Sinks::large_positive ? 30.0f + dist(rng)
                                          : -30.0f + dist(rng);

  // The reference's rotated q, k and v for every position, in double.
  reference::Rope rope = reference::yarn_rope(
      {yarn_.theta, yarn_.factor, yarn_.original_context, yarn_.beta_fast, yarn_.beta_slow}, d);
  std::vector<double> q_ref(uint64_t{total} * q_width), k_ref(uint64_t{total} * kv_width),
      v_ref(uint64_t{total} * kv_width);
  for (uint32_t p = 0; p < total; ++p) {
    const float* row = &qkv[uint64_t{p} * width];
    for (uint32_t i = 0; i < q_width; ++i) q_ref[uint64_t{p} * q_width + i] = row[i];
    for (uint32_t i = 0; i < kv_width; ++i) {
      k_ref[uint64_t{p} * kv_width + i] = row[q_width + i];
      v_ref[uint64_t{p} * kv_width + i] = row[q_width + kv_width + i];
    }
    for (uint32_t h = 0; h < dims_.heads; ++h)
      reference::apply_rope(rope, d, p, &q_ref[uint64_t{p} * q_width + h * d]);
    for (uint32_t h = 0; h < dims_.kv_heads; ++h)
      reference::apply_rope(rope, d, p, &k_ref[uint64_t{p} * kv_width + h * d]);
  }

  auto table = upload_rope_table(device, transfer, yarn_, d, total);
  auto cache = create_kv_cache(device, dims_, total, max_step, f16_);
  auto alloc = [&](uint64_t bytes) {
    return device.allocator().allocate(std::max<uint64_t>(bytes, 16), host::MemoryUse::device);
  };
  auto qkv_b = alloc(uint64_t{max_step} * width * 4), q_b = alloc(uint64_t{max_step} * q_width * 4),
       out_b = alloc(uint64_t{max_step} * q_width * 4), sinks_b = alloc(dims_.heads * 4),
       scratch_b = alloc(attention_scratch_bytes(dims_, 1, total - 1));
  EXPECT_TRUE(table.ok() && cache.ok() && qkv_b.ok() && q_b.ok() && out_b.ok() && sinks_b.ok() &&
              scratch_b.ok())
      << (table.ok() ? cache.status().to_string() : table.status().to_string());
  if (!table.ok() || !cache.ok() || !qkv_b.ok() || !q_b.ok() || !out_b.ok() || !sinks_b.ok() ||
      !scratch_b.ok())
    return {};
  EXPECT_TRUE(transfer.upload(sinks_b.value(), 0, sinks.data(), sinks.size() * 4).ok());
  auto stream = host::CommandStream::create(device);
  EXPECT_TRUE(stream.ok());
  if (!stream.ok()) return {};

  const double kv_unit = f16_ ? std::ldexp(1.0, -10) : 0.0;  // one fp16 ulp, whatever the rounding
  std::vector<float> out;
  uint32_t pos = 0;
  for (uint32_t tokens : steps_) {
    SCOPED_TRACE("step at position " + std::to_string(pos) + " with " + std::to_string(tokens) +
                 " tokens");
    EXPECT_TRUE(
        transfer.upload(qkv_b.value(), 0, &qkv[uint64_t{pos} * width], uint64_t{tokens} * width * 4)
            .ok());
    auto& cs = *stream.value();
    EXPECT_TRUE(cs.begin().ok());
    auto s = encode_rope_kv_write(device, cs, qkv_b.value(), tokens, pos, dims_, table.value(),
                                  q_b.value(), cache.value());
    EXPECT_TRUE(s.ok()) << s.to_string();
    cs.barrier();
    s = encode_attention(device, cs, q_b.value(), tokens, pos, dims_, cache.value(),
                         sinks_b.value(), out_b.value(), &scratch_b.value());
    EXPECT_TRUE(s.ok()) << s.to_string();
    EXPECT_TRUE(cs.submit_and_wait().ok());
    out.assign(uint64_t{tokens} * q_width, 0.0f);
    EXPECT_TRUE(transfer.download(out_b.value(), 0, out.data(), out.size() * 4).ok());

    std::vector<double> q_step(q_ref.begin() + uint64_t{pos} * q_width,
                               q_ref.begin() + uint64_t{pos + tokens} * q_width);
    reference::AttentionShape shape{dims_.heads, dims_.kv_heads, d, dims_.window};
    const double rounding = attention_on_tiles(device, dims_, tokens) ? kMmaOperandRounding : 0.0;
    auto ref = reference::attention(shape, q_step, tokens, pos, k_ref, v_ref, sinks, kv_unit, {},
                                    rounding);
    int reported = 0;
    for (size_t i = 0; i < out.size(); ++i) {
      double diff = std::fabs(out[i] - ref.out[i]);
      if (!(diff <= ref.bound[i]) && reported++ < 5)
        ADD_FAILURE() << "token " << pos + i / q_width << " head " << (i % q_width) / d << " dim "
                      << i % d << ": gpu " << out[i] << ", reference " << ref.out[i] << ", |diff| "
                      << diff << " > bound " << ref.bound[i];
    }
    pos += tokens;
  }
  return out;
}

}  // namespace ossvk::testing
