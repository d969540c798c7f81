// f32_swiglu against gpt-oss's clamped SwiGLU in double: gate and up values far beyond the ±7
// clamp on both sides, counts of one value, a part of a workgroup and more than one dispatch's
// 4096 workgroups of 256 take at once.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "backend/kernels/swiglu.h"
#include "support/gpu.h"

namespace ossvk::testing {
namespace {

class Swiglu : public GpuTest {
 public:
  host::Buffer alloc(uint64_t floats) {
    auto b =
        device().allocator().allocate(std::max<uint64_t>(floats, 1) * 4, host::MemoryUse::device);
    EXPECT_TRUE(b.ok()) << b.status().to_string();
    return std::move(b).value();
  }
};

void check(Swiglu& t, host::Device& dev, host::Transfer& transfer, uint64_t count) {
  SCOPED_TRACE("count = " + std::to_string(count));
  constexpr double kAlpha = 1.702, kLimit = 7.0;
  std::mt19937 rng(static_cast<uint32_t>(count));
  std::uniform_real_distribution<float> wide(-40.0f, 40.0f);
  std::vector<float> gate(count), up(count), got(count);
  for (uint64_t i = 0; i < count; ++i) gate[i] = wide(rng), up[i] = wide(rng);
  host::Buffer gb = t.alloc(count), ub = t.alloc(count);
  ASSERT_OK(transfer.upload(gb, 0, gate.data(), count * 4));
  ASSERT_OK(transfer.upload(ub, 0, up.data(), count * 4));
  auto stream = host::CommandStream::create(dev);
  ASSERT_OK(stream);
  ASSERT_OK(stream.value()->begin());
  ASSERT_OK(encode_swiglu(dev, *stream.value(), gb, ub, count, float(kAlpha), float(kLimit)));
  ASSERT_OK(stream.value()->submit_and_wait());
  ASSERT_OK(transfer.download(gb, 0, got.data(), count * 4));
  for (uint64_t i = 0; i < count; ++i) {
    const double g = std::min(double(gate[i]), kLimit),
                 u = std::clamp(double(up[i]), -kLimit, kLimit);
    const double want = g / (1.0 + std::exp(-kAlpha * g)) * (u + 1.0);
    // Vulkan's exp is within 3 + 2|x| ulp (x = -alpha g); 1 + e adds half an ulp, the division
    // 2.5, u + 1 and the product half each: 7 + 2|x| ulp of the result, plus the smallest normal
    // where e overflows to infinity and the result flushes to zero.
    const double bound =
        (7.0 + 2.0 * kAlpha * std::fabs(g)) * std::ldexp(1.0, -23) * std::fabs(want) +
        std::ldexp(1.0, -126);
    ASSERT_LE(std::fabs(got[i] - want), bound) << "gate " << gate[i] << " up " << up[i];
  }
}

TEST_F(Swiglu, clamps_and_counts) {
  for (uint64_t count : {1ull, 7ull, 2880ull * 3 + 1, 4096ull * 256 + 1000})
    check(*this, device(), transfer(), count);
}

TEST_F(Swiglu, buffers_smaller_than_the_count_are_refused) {
  host::Buffer gb = alloc(16), ub = alloc(8);
  auto stream = host::CommandStream::create(device());
  ASSERT_OK(stream);
  ASSERT_OK(stream.value()->begin());
  const host::Status s = encode_swiglu(device(), *stream.value(), gb, ub, 16, 1.702f, 7.0f);
  EXPECT_NE(s.message().find("f32_swiglu: gate or up holds fewer than 16 floats"),
            std::string::npos)
      << s.message();
}

}  // namespace
}  // namespace ossvk::testing
