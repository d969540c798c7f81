// f32_rmsnorm against reference::rmsnorm: gpt-oss's rows of 2880, rows of a multiple of 4 (read
// four floats at a time) and odd widths (one at a time), one token and several.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "backend/kernels/rmsnorm.h"
#include "reference/attention.h"
#include "support/gpu.h"

namespace ossvk::testing {
namespace {

class Rmsnorm : public GpuTest {};

void check_rows(host::Device& dev, host::Transfer& transfer, uint32_t n, uint32_t tokens) {
  SCOPED_TRACE("n = " + std::to_string(n) + ", tokens = " + std::to_string(tokens));
  std::mt19937 rng(n * 31 + tokens);
  std::normal_distribution<float> normal(0.0f, 2.0f);
  std::vector<float> x(uint64_t{n} * tokens), gain(n), got(x.size());
  for (float& v : x) v = normal(rng);
  for (float& v : gain) v = 1.0f + 0.5f * normal(rng);
  auto alloc = [&](uint64_t floats) {
    auto b = dev.allocator().allocate(floats * 4, host::MemoryUse::device);
    EXPECT_TRUE(b.ok()) << b.status().to_string();
    return std::move(b).value();
  };
  host::Buffer xb = alloc(x.size()), gb = alloc(n), yb = alloc(x.size());
  ASSERT_OK(transfer.upload(xb, 0, x.data(), x.size() * 4));
  ASSERT_OK(transfer.upload(gb, 0, gain.data(), n * 4));
  auto stream = host::CommandStream::create(dev);
  ASSERT_OK(stream);
  ASSERT_OK(stream.value()->begin());
  ASSERT_OK(encode_rmsnorm(dev, *stream.value(), xb, gb, n, tokens, 1e-5f, yb));
  ASSERT_OK(stream.value()->submit_and_wait());
  ASSERT_OK(transfer.download(yb, 0, got.data(), got.size() * 4));

  // fp32: n squares and n - 1 additions of positive terms, each a rounding of relative 2^-24,
  // leave the sum within 2n * 2^-24 = n ulp (2^-23) of its value; half of that reaches the scale
  // through the square root. The mean's division (2.5 ulp), eps (1), inversesqrt (2) and the two
  // products (1 each) add at most 8 ulp.
  const double rel = (n / 2.0 + 8.0) * std::ldexp(1.0, -23);
  std::vector<double> want(n);
  for (uint32_t t = 0; t < tokens; ++t) {
    reference::rmsnorm(&x[uint64_t{t} * n], gain.data(), n, 1e-5, want.data());
    for (uint32_t i = 0; i < n; ++i)
      ASSERT_LE(std::fabs(got[uint64_t{t} * n + i] - want[i]), rel * std::fabs(want[i]))
          << "token " << t << " element " << i;
  }
}

TEST_F(Rmsnorm, gpt_oss_rows) {
  for (uint32_t tokens : {1u, 3u, 64u}) check_rows(device(), transfer(), 2880, tokens);
}

TEST_F(Rmsnorm, widths_four_at_a_time_and_one_at_a_time) {
  for (uint32_t n : {1u, 4u, 7u, 64u, 1023u, 1028u}) check_rows(device(), transfer(), n, 2);
}

}  // namespace
}  // namespace ossvk::testing
