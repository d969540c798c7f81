// The unembedding shape, 201088 x 2880: a 2.3 GB f32 matrix or 830 MB in bf16, beyond lavapipe's
// 128 MiB maxStorageBufferRange (device addresses make that irrelevant) and, for f32, beyond its
// 2 GiB maxMemoryAllocationSize (split into parts); and a model beyond its advertised heap.
// Labelled `large`: minutes on lavapipe.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "backend/model/session.h"
#include "reference/model.h"
#include "support/linear_tester.h"
#include "support/synthetic_loader.h"

namespace ossvk::testing {
namespace {

class Large : public GpuTest {};

TEST_F(Large, unembedding_201088x2880_matvec) {
  for (TensorFormat f :
       {TensorFormat::f32, TensorFormat::bf16, TensorFormat::q8_0, TensorFormat::mxfp4})
    LinearTester(f).m(201088).k(2880).run();
}

// A CPU device's memory is system memory (host::DeviceInfo::usable_bytes): two layers of
// gpt-oss-20b's shapes (3.2 GB: the bf16 embedding and unembedding alone take 2.3 GB) load on
// lavapipe, which advertises a 2 GiB heap, and one token's logits match the reference within
// 1e-3 of the largest (the whole-model tests' bound).
TEST_F(Large, a_model_beyond_the_advertised_heap_runs) {
  SyntheticOptions o;
  o.preset = "20b";
  o.layers = 2;
  auto l = load_synthetic(device(), o);
  ASSERT_TRUE(l);
  if (device().info().type == VK_PHYSICAL_DEVICE_TYPE_CPU) {
    EXPECT_GT(l->model->weight_bytes(), device().info().device_local_bytes());
  }
  const auto tokens = some_tokens(1, l->tensors.config.vocab);
  auto session = Session::create(*l->model, {});
  ASSERT_TRUE(session.ok()) << session.status().to_string();
  std::vector<float> got(l->tensors.config.vocab);
  ASSERT_TRUE(session.value()->eval(tokens, got.data(), true).ok());
  const auto want = reference::forward(l->tensors, tokens, l->tensors.config.top_k);
  double largest = 0, worst = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    largest = std::max(largest, double(std::fabs(want[i])));
    worst = std::max(worst, double(std::fabs(got[i] - want[i])));
  }
  EXPECT_LE(worst, 1e-3 * largest);
}

}  // namespace
}  // namespace ossvk::testing
