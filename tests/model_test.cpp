// The whole model: GGUF files made by an independent implementation (tests/data/cases) through
// the loader and the GPU forward pass, and through reference::forward, against their expected
// float64 logits.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "backend/loader/gguf_model.h"
#include "backend/model/session.h"
#include "support/gpu.h"

namespace ossvk::testing {
namespace {

struct Case {
  std::vector<uint32_t> tokens;
  std::vector<float> expected;  // [tokens][vocab]
};

Case read_case(const std::string& dir) {
  Case c;
  std::ifstream t(dir + "/tokens.txt");
  std::string item;
  while (std::getline(t, item, ',')) c.tokens.push_back(static_cast<uint32_t>(std::stoul(item)));
  std::ifstream e(dir + "/expected_logits.f32", std::ios::binary);
  std::stringstream bytes;
  bytes << e.rdbuf();
  const std::string s = bytes.str();
  c.expected.resize(s.size() / 4);
  std::memcpy(c.expected.data(), s.data(), c.expected.size() * 4);
  return c;
}

// The cases' own rule (README.md there, and the issue): every logit within 1e-3 of the largest
// |logit|, which covers fp32 rounding through two layers with orders of magnitude to spare
// (the cases measured 1.1e-5 between fp32 and float64), and the same top-1 token wherever the
// expected top-1 leads the runner-up by more than twice that bound.
void expect_matches(const std::vector<float>& got, const Case& c, uint32_t vocab) {
  ASSERT_EQ(got.size(), c.expected.size());
  float max_abs = 0;
  for (float v : c.expected) max_abs = std::max(max_abs, std::fabs(v));
  const double bound = 1e-3 * max_abs;
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i)
    worst = std::max(worst, double(std::fabs(got[i] - c.expected[i])));
  EXPECT_LE(worst, bound) << "largest |logit difference|";
  for (size_t p = 0; p < c.tokens.size(); ++p) {
    const float* e = &c.expected[p * vocab];
    const float* g = &got[p * vocab];
    std::vector<uint32_t> order(vocab);
    for (uint32_t i = 0; i < vocab; ++i) order[i] = i;
    std::partial_sort(order.begin(), order.begin() + 2, order.end(),
                      [&](uint32_t a, uint32_t b) { return e[a] > e[b]; });
    if (e[order[0]] - e[order[1]] <= 2 * bound) continue;
    EXPECT_EQ(std::max_element(g, g + vocab) - g, order[0]) << "top-1 at position " << p;
  }
}

class PublicCase : public GpuTest, public ::testing::WithParamInterface<const char*> {
 protected:
  std::string dir() const { return std::string(OSSVK_CASES_DIR) + "/" + GetParam(); }
};

TEST_P(PublicCase, gpu_reproduces_the_expected_logits) {
  const Case c = read_case(dir());
  auto file = GgufFile::open(dir() + "/model.gguf");
  ASSERT_OK(file);
  auto tensors = read_gguf_model(*file.value());
  ASSERT_OK(tensors);
  const uint32_t vocab = tensors.value().config.vocab;
  auto model = Model::upload(device(), tensors.value());
  ASSERT_OK(model);
  auto session = Session::create(*model.value(), {});
  ASSERT_OK(session);
  std::vector<float> logits(c.tokens.size() * vocab);
  ASSERT_OK(session.value()->eval(c.tokens, logits.data(), true));
  expect_matches(logits, c, vocab);
}

TEST_P(PublicCase, reference_reproduces_the_expected_logits) {
  const Case c = read_case(dir());
  auto file = GgufFile::open(dir() + "/model.gguf");
  ASSERT_OK(file);
  auto tensors = read_gguf_model(*file.value());
  ASSERT_OK(tensors);
  const ModelTensors& m = tensors.value();
  expect_matches(reference::forward(m, c.tokens, m.config.top_k), c, m.config.vocab);
}

INSTANTIATE_TEST_SUITE_P(Cases, PublicCase,
                         ::testing::Values("public_tiny", "public_tiny_f16_bf16"));

}  // namespace
}  // namespace ossvk::testing
