// f32_lora, a LoRA adapter's side path, against double sums: a dense module on gpt-oss's shapes
// (hidden 2880, rank 16, the 4096 q rows within the stacked q/k/v output), experts chosen per
// (token, slot) row for k = 1, 2 and 4 of 32, and awkward sizes (rank 5, rows of 100, 33
// outputs). A B of zeros adds exactly nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "backend/kernels/lora.h"
#include "support/gpu.h"

namespace ossvk::testing {
namespace {

class Lora : public GpuTest {
 public:
  using GpuTest::device;
  host::Buffer upload(const std::vector<float>& v) { return upload_bytes(v.data(), v.size() * 4); }
  host::Buffer upload(const std::vector<uint32_t>& v) {
    return upload_bytes(v.data(), v.size() * 4);
  }
  std::vector<float> download(const host::Buffer& b, uint64_t floats) {
    std::vector<float> v(floats);
    EXPECT_TRUE(transfer().download(b, 0, v.data(), floats * 4).ok());
    return v;
  }

 private:
  host::Buffer upload_bytes(const void* data, uint64_t bytes) {
    auto b = device().allocator().allocate(std::max<uint64_t>(bytes, 16), host::MemoryUse::device);
    EXPECT_TRUE(b.ok()) << b.status().to_string();
    EXPECT_TRUE(transfer().upload(b.value(), 0, data, bytes).ok());
    return std::move(b).value();
  }
};

struct Case {
  uint32_t experts, rank, in, out;
  uint32_t tokens, top_k;       // rows = tokens * top_k, each reading x[row / top_k]
  uint32_t y_stride, y_offset;  // where the B product lands in a wider output row
};

std::vector<float> normal(uint64_t n, float sigma, std::mt19937& rng) {
  std::normal_distribution<float> d(0.0f, sigma);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

// A dot product of n fp32 products summed lane by lane, then in a tree of at most 6 levels, and
// (B) added to y: each result passes through at most n + 8 roundings of relative 2^-24, each
// bounded by the sum of the magnitudes it rounds (Higham, 3.1), so the error is at most
// (n + 8) * 2^-24 * (sum |m_j x_j| + |y|).
double bound(uint32_t n, double magnitude) {
  return (n + 8.0) * std::ldexp(1.0, -24) * magnitude;
}

void run(Lora& test, const Case& c, bool zero_b = false) {
  SCOPED_TRACE("experts " + std::to_string(c.experts) + ", rank " + std::to_string(c.rank) + ", " +
               std::to_string(c.in) + " -> " + std::to_string(c.out) + ", " +
               std::to_string(c.tokens) + " tokens x " + std::to_string(c.top_k));
  std::mt19937 rng(c.rank * 7919 + c.in + c.tokens * 31 + c.top_k);
  const uint32_t rows = c.tokens * c.top_k;
  const auto a = normal(uint64_t{c.experts} * c.rank * c.in, 0.02f, rng);
  auto b = normal(uint64_t{c.experts} * c.out * c.rank, 0.05f, rng);
  if (zero_b) std::fill(b.begin(), b.end(), 0.0f);
  const auto x = normal(uint64_t{c.tokens} * c.in, 1.0f, rng);
  const auto y0 = normal(uint64_t{rows} * c.y_stride, 1.0f, rng);
  std::vector<uint32_t> ids(rows);
  for (uint32_t& e : ids) e = rng() % c.experts;

  LoraWeights w;
  w.experts = c.experts, w.rank = c.rank, w.in = c.in, w.out = c.out;
  w.a = test.upload(a);
  w.b = test.upload(b);
  host::Buffer xb = test.upload(x), yb = test.upload(y0), idb = test.upload(ids);
  host::Buffer ub = test.upload(std::vector<float>(uint64_t{rows} * (c.rank + 3)));
  host::Device& dev = test.device();
  auto stream = host::CommandStream::create(dev);
  ASSERT_OK(stream);
  ASSERT_OK(stream.value()->begin());
  const host::Buffer* id = c.experts > 1 ? &idb : nullptr;
  // u rows of rank + 3 from offset 2: the launcher's strides are honoured.
  ASSERT_OK(encode_lora_a(dev, *stream.value(), w, {&xb, c.in, 0}, c.top_k, rows, id,
                          {&ub, c.rank + 3, 2}));
  stream.value()->barrier();
  ASSERT_OK(encode_lora_b(dev, *stream.value(), w, {&ub, c.rank + 3, 2}, rows, id,
                          {&yb, c.y_stride, c.y_offset}, true));
  ASSERT_OK(stream.value()->submit_and_wait());
  const auto u = test.download(ub, uint64_t{rows} * (c.rank + 3));
  const auto y = test.download(yb, y0.size());

  for (uint32_t p = 0; p < rows; ++p) {
    const uint32_t e = c.experts > 1 ? ids[p] : 0;
    const float* xr = &x[uint64_t{p / c.top_k} * c.in];
    for (uint32_t r = 0; r < c.rank; ++r) {
      const float* ar = &a[(uint64_t{e} * c.rank + r) * c.in];
      double want = 0, mag = 0;
      for (uint32_t j = 0; j < c.in; ++j) {
        want += double(ar[j]) * xr[j];
        mag += std::fabs(double(ar[j]) * xr[j]);
      }
      ASSERT_LE(std::fabs(u[uint64_t{p} * (c.rank + 3) + 2 + r] - want), bound(c.in, mag))
          << "u row " << p << " rank " << r;
    }
    // B against the device's own u, so the check is of this product alone.
    const float* ur = &u[uint64_t{p} * (c.rank + 3) + 2];
    for (uint32_t i = 0; i < c.y_stride; ++i) {
      const uint64_t at = uint64_t{p} * c.y_stride + i;
      if (i < c.y_offset || i >= c.y_offset + c.out) {
        ASSERT_EQ(y[at], y0[at]) << "row " << p << " output " << i << " is outside B's range";
        continue;
      }
      const float* br = &b[(uint64_t{e} * c.out + (i - c.y_offset)) * c.rank];
      double want = y0[at], mag = std::fabs(y0[at]);
      for (uint32_t r = 0; r < c.rank; ++r) {
        want += double(br[r]) * ur[r];
        mag += std::fabs(double(br[r]) * ur[r]);
      }
      if (zero_b)
        ASSERT_EQ(y[at], y0[at]) << "row " << p << " output " << i;
      else
        ASSERT_LE(std::fabs(y[at] - want), bound(c.rank, mag)) << "row " << p << " output " << i;
    }
  }
}

TEST_F(Lora, a_dense_module_on_gpt_oss_shapes) {
  // q of the stacked q/k/v rows (4096 + 2 x 512), then the 512 v rows at its end.
  for (uint32_t tokens : {1u, 7u, 64u}) run(*this, {1, 16, 2880, 4096, tokens, 1, 5120, 0});
  run(*this, {1, 16, 4096, 512, 3, 1, 5120, 4608});
}

TEST_F(Lora, experts_chosen_per_token_and_slot) {
  // gate/up (2880 -> 2880) and down of 32 experts, k = 1, 2 and 4.
  for (uint32_t k : {1u, 2u, 4u}) run(*this, {32, 16, 2880, 2880, 5, k, 2880, 0});
  run(*this, {32, 16, 2880, 2880, 1, 4, 5760, 2880});  // the up half of a gate|up row
}

TEST_F(Lora, awkward_sizes) {
  run(*this, {3, 5, 100, 33, 9, 2, 40, 7});
  run(*this, {1, 1, 1, 1, 1, 1, 1, 0});
  run(*this, {1, 64, 2880, 2880, 2, 1, 2880, 0});  // two adapters' ranks stacked
}

// f32_lora_swiglu: A against the clamped SwiGLU of gate and up inputs (some beyond the limit),
// as the grouped expert path feeds the down side path.
TEST_F(Lora, a_over_the_swiglu_of_gate_and_up) {
  const uint32_t E = 32, r = 16, F = 2880, rows = 6;
  std::mt19937 rng(11);
  const auto a = normal(uint64_t{E} * r * F, 0.02f, rng);
  const auto gate = normal(uint64_t{rows} * F, 4.0f, rng),
             up = normal(uint64_t{rows} * F, 4.0f, rng);
  std::vector<uint32_t> ids(rows);
  for (uint32_t& e : ids) e = rng() % E;
  LoraWeights w;
  w.experts = E, w.rank = r, w.in = F, w.out = 1;
  w.a = upload(a);
  w.b = upload(std::vector<float>(E * r));
  host::Buffer gb = upload(gate), ub = upload(up), idb = upload(ids);
  host::Buffer out = upload(std::vector<float>(rows * r));
  auto stream = host::CommandStream::create(device());
  ASSERT_OK(stream);
  ASSERT_OK(stream.value()->begin());
  const LoraSwiglu swiglu{&ub, 1.702f, 7.0f};
  ASSERT_OK(encode_lora_a(device(), *stream.value(), w, {&gb, F, 0}, 1, rows, &idb, {&out, r, 0},
                          &swiglu));
  ASSERT_OK(stream.value()->submit_and_wait());
  const auto got = download(out, rows * r);
  for (uint32_t p = 0; p < rows; ++p)
    for (uint32_t k = 0; k < r; ++k) {
      double want = 0, mag = 0;
      for (uint32_t j = 0; j < F; ++j) {
        const double g = std::min(double(gate[p * F + j]), 7.0);
        const double u = std::clamp(double(up[p * F + j]), -7.0, 7.0);
        const double h = g / (1.0 + std::exp(-1.702 * g)) * (u + 1.0);
        const double m = a[(uint64_t{ids[p]} * r + k) * F + j];
        want += m * h;
        mag += std::fabs(m * h);
      }
      // Each h in fp32: Vulkan's exp is within 3 + 2|x| ulp (|x| <= 1.702 x 7 < 12: 27 ulp),
      // then an addition, a division (2.5 ulp), a clamp-free sum and two products: at most 35
      // ulp of relative error, carried into the sum of products, which adds its own (n + 8).
      ASSERT_LE(std::fabs(got[p * r + k] - want), bound(F + 35, mag))
          << "row " << p << " rank " << k;
    }
}

TEST_F(Lora, a_b_of_zeros_adds_exactly_nothing) {
  run(*this, {1, 16, 2880, 4096, 3, 1, 4096, 0}, true);
  run(*this, {32, 16, 2880, 2880, 2, 4, 2880, 0}, true);
}

}  // namespace
}  // namespace ossvk::testing
