// f32_rope_kv_write against reference::apply_rope: q rotated and scaled by 1/sqrt(head_dim), k
// rotated and v copied into the cache slot of each position (position % ring), on gpt-oss's
// 64/8 heads of 64 and 128-wide heads, at the first positions, across a sliding-window ring's
// wrap and far into the 131072-position context, into f32 and f16 caches.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "backend/kernels/rope_kv_write.h"
#include "reference/attention.h"
#include "reference/blocks.h"
#include "support/gpu.h"

namespace ossvk::testing {
namespace {

class RopeKvWrite : public GpuTest {};

struct Case {
  AttentionDims dims;
  uint32_t tokens, first_pos, capacity;
  bool f16 = false;
};

void check_rope(const Case& c) {
  const AttentionDims& d = c.dims;
  SCOPED_TRACE(std::to_string(c.tokens) + " tokens from position " + std::to_string(c.first_pos) +
               ", " + std::to_string(d.heads) + "/" + std::to_string(d.kv_heads) + " heads of " +
               std::to_string(d.head_dim) + ", window " + std::to_string(d.window) +
               (c.f16 ? ", f16 cache" : ""));
  host::Device& dev = *gpu().device;
  const YarnParams yarn;  // gpt-oss's: theta 150000, factor 32 over 4096 positions
  auto rope = upload_rope_table(dev, *gpu().transfer, yarn, d.head_dim, c.capacity);
  ASSERT_OK(rope);
  auto cache = create_kv_cache(dev, d, c.capacity, c.tokens, c.f16);
  ASSERT_OK(cache);

  const uint32_t D = d.head_dim, half = D / 2, q_width = d.heads * D, kv_width = d.kv_heads * D;
  const uint32_t width = q_width + 2 * kv_width;
  std::mt19937 rng(c.first_pos * 7 + c.tokens + D);
  std::normal_distribution<float> normal(0.0f, 2.0f);
  std::vector<float> qkv(uint64_t{c.tokens} * width);
  for (float& v : qkv) v = normal(rng);
  host::Buffer qkv_b = device_buffer_with(qkv),
               q_b = device_buffer(uint64_t{c.tokens} * q_width * 4);
  auto stream = host::CommandStream::create(dev);
  ASSERT_OK(stream);
  ASSERT_OK(stream.value()->begin());
  ASSERT_OK(encode_rope_kv_write(dev, *stream.value(), qkv_b, c.tokens, c.first_pos, d,
                                 rope.value(), q_b, cache.value()));
  ASSERT_OK(stream.value()->submit_and_wait());
  const auto q = read_back<float>(q_b, uint64_t{c.tokens} * q_width);
  const uint64_t cache_values = uint64_t{cache.value().ring} * kv_width;
  std::vector<float> k(cache_values), v(cache_values);
  if (c.f16) {
    const auto k16 = read_back<uint16_t>(cache.value().k, cache_values);
    const auto v16 = read_back<uint16_t>(cache.value().v, cache_values);
    for (uint64_t i = 0; i < cache_values; ++i)
      k[i] = reference::f16_to_f32(k16[i]), v[i] = reference::f16_to_f32(v16[i]);
  } else {
    k = read_back<float>(cache.value().k, cache_values);
    v = read_back<float>(cache.value().v, cache_values);
  }

  const reference::Rope ref = reference::yarn_rope(
      {yarn.theta, yarn.factor, yarn.original_context, yarn.beta_fast, yarn.beta_slow}, D);
  constexpr double u = 0x1p-24;  // fp32 unit roundoff
  // Each output a*cos - b*sin: the table's cos and sin rounded to fp32 (u each), two products
  // and a difference (u each), so within 4u of |a cos| + |b sin|; q's scale (a power of two
  // for even powers of 2 as head_dim, else one more rounding of it and of the product) adds 2u;
  // an f16 cache rounds k and v once more, to 2^-11 relative (2^-25 absolute below its normal
  // range).
  const double q_scale = 1.0 / std::sqrt(static_cast<double>(D));
  const double store = c.f16 ? 0x1p-11 : 0.0, store_abs = c.f16 ? 0x1p-25 : 0.0;
  for (uint32_t t = 0; t < c.tokens; ++t) {
    const uint32_t pos = c.first_pos + t;
    const float* row = &qkv[uint64_t{t} * width];
    auto check_head = [&](const float* x, const float* got, double scale, double extra,
                          const char* what, uint32_t head) {
      std::vector<double> want(x, x + D);
      reference::apply_rope(ref, D, pos, want.data());
      for (uint32_t i = 0; i < D; ++i) {
        const uint32_t j = i % half;
        const double c0 = std::cos(pos * ref.inv_freq[j]) * ref.concentration;
        const double s0 = std::sin(pos * ref.inv_freq[j]) * ref.concentration;
        const double size =
            std::fabs(x[j] * (i < half ? c0 : s0)) + std::fabs(x[j + half] * (i < half ? s0 : c0));
        const double bound =
            ((4 + extra) * u * size + store * std::fabs(want[i]) + store_abs) * scale + 1e-30;
        ASSERT_LE(std::fabs(got[i] - want[i] * scale), bound)
            << what << " head " << head << " element " << i << " at position " << pos;
      }
    };
    for (uint32_t h = 0; h < d.heads; ++h)
      check_head(row + h * D, &q[uint64_t{t} * q_width + h * D], q_scale, 2, "q", h);
    const uint64_t slot = uint64_t{pos % cache.value().ring} * kv_width;
    for (uint32_t h = 0; h < d.kv_heads; ++h)
      check_head(row + q_width + h * D, &k[slot + h * D], 1.0, 0, "k", h);
    for (uint32_t i = 0; i < kv_width; ++i)
      ASSERT_LE(std::fabs(v[slot + i] - row[q_width + kv_width + i]),
                store * std::fabs(row[q_width + kv_width + i]) + store_abs)
          << "v element " << i << " at position " << pos;
  }
}

TEST_F(RopeKvWrite, gpt_oss_heads_first_positions) {
  check_rope({{64, 8, 64, 0}, 1, 0, 64});
  check_rope({{64, 8, 64, 0}, 37, 0, 64});
  check_rope({{64, 8, 64, 128}, 5, 3, 64, true});
}

TEST_F(RopeKvWrite, a_sliding_window_ring_wraps) {
  // ring = 128 + 40 slots: positions 150..189 wrap past slot 167.
  check_rope({{64, 8, 64, 128}, 40, 150, 4096});
  check_rope({{64, 8, 64, 128}, 40, 150, 4096, true});
}

TEST_F(RopeKvWrite, far_into_the_context) {
  check_rope({{64, 8, 64, 128}, 3, 131069, 131072});
}

TEST_F(RopeKvWrite, wide_heads_and_odd_groups) {
  check_rope({{12, 4, 128, 0}, 9, 1000, 1024});
  check_rope({{6, 2, 36, 0}, 2, 17, 32});
}

}  // namespace
}  // namespace ossvk::testing
