// f32_topk (backend/kernels/topk) against the host's ordering of a row of logits, and
// Session::eval_sample, which samples from the kernel's candidates, against sample() on the
// downloaded row. Selection is exact (no arithmetic), so both must agree bit for bit.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "backend/kernels/topk.h"
#include "backend/model/sampler.h"
#include "backend/model/session.h"
#include "support/gpu.h"
#include "support/synthetic_loader.h"

namespace ossvk::testing {
namespace {

enum class Row { normal, few_values, with_specials };

std::vector<float> make_row(uint32_t n, Row kind, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  std::vector<float> row(n);
  for (float& v : row) v = normal(rng);
  if (kind == Row::few_values)  // long runs of exact ties across chunk boundaries
    for (float& v : row) v = std::round(v);
  if (kind == Row::with_specials) {
    const float specials[] = {std::numeric_limits<float>::quiet_NaN(),
                              std::numeric_limits<float>::infinity(),
                              -std::numeric_limits<float>::infinity(),
                              0.0f,
                              -0.0f,
                              9.0f};
    for (uint32_t i = 0; i < n; i += 3) row[i] = specials[(i / 3) % 6];
  }
  return row;
}

std::string row_name(const ::testing::TestParamInfo<std::tuple<uint32_t, Row>>& info) {
  const char* kinds[] = {"normal", "few_values", "with_specials"};
  return std::to_string(std::get<0>(info.param)) + "_" +
         kinds[static_cast<int>(std::get<1>(info.param))];
}

class Topk : public GpuTest, public ::testing::WithParamInterface<std::tuple<uint32_t, Row>> {};

TEST_P(Topk, matches_the_host_ordering) {
  const auto [n, kind] = GetParam();
  const std::vector<float> row = make_row(n, kind, n);
  auto logits = device().allocator().allocate(uint64_t{n} * 4, host::MemoryUse::device);
  ASSERT_OK(logits);
  ASSERT_OK(transfer().upload(logits.value(), 0, row.data(), uint64_t{n} * 4));
  auto scratch = create_topk_scratch(device(), n);
  ASSERT_OK(scratch);
  auto cs = host::CommandStream::create(device());
  ASSERT_OK(cs);
  ASSERT_OK(cs.value()->begin());
  const host::Buffer* keys = nullptr;
  ASSERT_OK(encode_topk(device(), *cs.value(), logits.value(), n, scratch.value(), keys));
  ASSERT_OK(cs.value()->submit_and_wait());
  std::vector<uint32_t> words(kTopkCandidates * 2);
  ASSERT_OK(transfer().download(*keys, 0, words.data(), words.size() * 4));
  const std::vector<Candidate> got = decode_topk(words),
                               want = best_candidates(row, kTopkCandidates);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].id, want[i].id) << "rank " << i;
    EXPECT_EQ(got[i].logit, want[i].logit) << "rank " << i;  // -0 comes back as +0: equal
  }
}

// One chunk and less, its edges, several chunks with a partial last one, and the vocabulary.
INSTANTIATE_TEST_SUITE_P(
    Rows, Topk,
    ::testing::Combine(::testing::Values(1u, 7u, 256u, 257u, 2048u, 2049u, 5000u, 201088u),
                       ::testing::Values(Row::normal, Row::few_values, Row::with_specials)),
    row_name);

// Tokens drawn by eval_sample and by sample() over eval's logits, each fed back, from the same
// seed: identical, whether the device chose (greedy, top_k <= 256) or the row came back, and
// with candidates picked on the host.
class EvalSample : public GpuTest,
                   public ::testing::WithParamInterface<SessionOptions::SampleOn> {};

TEST_P(EvalSample, draws_what_the_host_sampler_draws) {
  auto l = load_synthetic(device(), {});
  ASSERT_TRUE(l);
  const uint32_t vocab = l->tensors.config.vocab;
  const SamplerParams settings[] = {
      {},                         // greedy
      {0.8f, 40, 0.9f, 0.05f},    // a common chat setting
      {1.5f, 256, 1.0f, 0.0f},    // as many candidates as the device keeps
      {1.0f, 0, 0.95f, 0.0f},     // no top-k: the whole row comes back
      {0.7f, 300, 1.0f, 0.02f}};  // more than the device keeps: likewise
  for (const SamplerParams& p : settings) {
    SessionOptions o;
    o.sample_on = GetParam();
    auto a = Session::create(*l->model, o);
    auto b = Session::create(*l->model, {});
    ASSERT_OK(a);
    ASSERT_OK(b);
    uint64_t state_a = 42, state_b = 42;
    std::vector<uint32_t> ta = some_tokens(9, vocab), tb = ta;
    std::vector<float> row(vocab);
    for (int step = 0; step < 6; ++step) {
      auto next = a.value()->eval_sample(ta, p, state_a);
      ASSERT_OK(next);
      ASSERT_OK(b.value()->eval(tb, row.data(), false));
      const uint32_t want = sample(row, p, state_b);
      ASSERT_EQ(next.value(), want)
          << "temperature " << p.temperature << " top_k " << p.top_k << " step " << step;
      ASSERT_EQ(state_a, state_b);
      ta = tb = {want};
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Where, EvalSample,
                         ::testing::Values(SessionOptions::SampleOn::device,
                                           SessionOptions::SampleOn::host),
                         [](const auto& info) {
                           return info.param == SessionOptions::SampleOn::device ? "device"
                                                                                 : "host";
                         });

}  // namespace
}  // namespace ossvk::testing
