// 4096-position contexts: minutes on lavapipe, so labelled `large`.
#include <gtest/gtest.h>

#include "support/attention_tester.h"
#include "support/gpu.h"

namespace ossvk::testing {
namespace {

class AttentionLarge : public GpuTest {};

TEST_F(AttentionLarge, context_4096_prefill_then_decode) {
  for (uint32_t window : {0u, 128u}) AttentionTester().window(window).steps({4096, 1}).run();
}

}  // namespace
}  // namespace ossvk::testing
