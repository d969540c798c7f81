// f32_moe_route against reference::route: the chosen experts exactly (ties to the lower index)
// and their softmax weights within the fp32 bound, for gpt-oss's 32 and 128 experts, k = 1, 2, 4
// and every expert, one token to many.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "backend/kernels/moe_route.h"
#include "reference/moe.h"
#include "support/gpu.h"

namespace ossvk::testing {
namespace {

class MoeRoute : public GpuTest {};

// `tied`: logits from {-1, -0.5, 0, 0.5, 1}, so most choices break a tie.
void check_route(uint32_t tokens, uint32_t experts, uint32_t k, bool tied) {
  SCOPED_TRACE(std::to_string(tokens) + " tokens, top " + std::to_string(k) + " of " +
               std::to_string(experts) + (tied ? ", tied" : ""));
  std::mt19937 rng(tokens * 131 + experts * 7 + k);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  std::uniform_int_distribution<int> step(-2, 2);
  std::vector<float> logits(uint64_t{tokens} * experts);
  for (float& v : logits) v = tied ? 0.5f * static_cast<float>(step(rng)) : normal(rng);

  host::Buffer lb = device_buffer_with(logits);
  host::Buffer ib = device_buffer(uint64_t{tokens} * k * 4),
               wb = device_buffer(uint64_t{tokens} * k * 4);
  auto stream = host::CommandStream::create(*gpu().device);
  ASSERT_OK(stream);
  ASSERT_OK(stream.value()->begin());
  ASSERT_OK(encode_moe_route(*gpu().device, *stream.value(), lb, tokens, experts, k, ib, wb));
  ASSERT_OK(stream.value()->submit_and_wait());
  const auto ids = read_back<uint32_t>(ib, uint64_t{tokens} * k);
  const auto weights = read_back<float>(wb, uint64_t{tokens} * k);

  constexpr double u = 0x1p-24;  // fp32 unit roundoff
  for (uint32_t t = 0; t < tokens; ++t) {
    std::vector<double> row(logits.begin() + uint64_t{t} * experts,
                            logits.begin() + uint64_t{t + 1} * experts);
    const reference::Route want = reference::route(row.data(), experts, k);
    double widest = 0;  // the largest |logit - top| among the k
    for (uint32_t e : want.ids) widest = std::max(widest, row[want.ids[0]] - row[e]);
    for (uint32_t s = 0; s < k; ++s) {
      const size_t at = uint64_t{t} * k + s;
      ASSERT_EQ(ids[at], want.ids[s]) << "token " << t << " slot " << s;
      // Relative error of w_s = exp(x_s) / sum, x = logit - top: the subtraction rounds x by u|x|,
      // which exp turns into u|x| relative; exp is within 3 + 2|x| ulp (the Vulkan
      // specification's bound; an ulp is at most 2u relative); the k-term sum carries its worst
      // term's error plus k - 1 roundings; the reciprocal 2.5 ulp, the product 1 rounding.
      const double x = row[want.ids[0]] - row[want.ids[s]];
      const double term = (x + (6 + 4 * x)) * u, worst = (widest + (6 + 4 * widest)) * u;
      const double rel = term + worst + (k - 1) * u + 5 * u + u;
      EXPECT_LE(std::fabs(weights[at] - want.weights[s]), rel * want.weights[s])
          << "token " << t << " slot " << s;
    }
  }
}

TEST_F(MoeRoute, gpt_oss_experts_and_top_k) {
  for (uint32_t experts : {32u, 128u})
    for (uint32_t k : {1u, 2u, 4u})
      for (uint32_t tokens : {1u, 7u, 64u, 65u}) check_route(tokens, experts, k, false);
}

TEST_F(MoeRoute, ties_go_to_the_lower_expert) {
  for (uint32_t k : {1u, 2u, 4u}) check_route(33, 32, k, true);
}

TEST_F(MoeRoute, every_expert_chosen) {
  check_route(3, 32, 32, false);
  check_route(2, 256, 256, true);
}

TEST_F(MoeRoute, more_experts_than_the_kernel_takes_is_an_error) {
  host::Buffer b = device_buffer(257 * 4);
  auto stream = host::CommandStream::create(*gpu().device);
  ASSERT_OK(stream);
  ASSERT_OK(stream.value()->begin());
  host::Status s = encode_moe_route(*gpu().device, *stream.value(), b, 1, 257, 2, b, b);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("257 experts"), std::string::npos) << s.to_string();
}

}  // namespace
}  // namespace ossvk::testing
