#include "support/synthetic_loader.h"

#include <gtest/gtest.h>

#include <cmath>

namespace ossvk::testing {

std::unique_ptr<Loaded> read_synthetic(const SyntheticOptions& o) {
  auto l = std::make_unique<Loaded>();
  auto w = synthetic_model(o);
  EXPECT_TRUE(w.ok()) << w.status().to_string();
  if (!w.ok()) return nullptr;
  l->bytes = w.value().bytes();
  auto f = GgufFile::parse(l->bytes, "synthetic");
  EXPECT_TRUE(f.ok()) << f.status().to_string();
  if (!f.ok()) return nullptr;
  l->file = std::move(f).value();
  auto t = read_gguf_model(*l->file);
  EXPECT_TRUE(t.ok()) << t.status().to_string();
  if (!t.ok()) return nullptr;
  l->tensors = std::move(t).value();
  return l;
}

std::unique_ptr<Loaded> load_synthetic(host::Device& device, const SyntheticOptions& o) {
  auto l = read_synthetic(o);
  if (!l) return nullptr;
  auto m = Model::upload(device, l->tensors);
  EXPECT_TRUE(m.ok()) << m.status().to_string();
  if (!m.ok()) return nullptr;
  l->model = std::move(m).value();
  return l;
}

std::vector<uint32_t> some_tokens(uint32_t n, uint32_t vocab) {
  std::vector<uint32_t> t(n);
  for (uint32_t i = 0; i < n; ++i) t[i] = (i * 2654435761u + 7) % vocab;
  return t;
}

void expect_close(const std::vector<float>& got, const std::vector<float>& want) {
  ASSERT_EQ(got.size(), want.size());
  double largest = 0, worst = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    largest = std::max(largest, double(std::fabs(want[i])));
    worst = std::max(worst, double(std::fabs(got[i] - want[i])));
  }
  EXPECT_LE(worst, 1e-3 * largest);
}

}  // namespace ossvk::testing
