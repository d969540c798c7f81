// f32_attention_mma (prefill attention on tile products: the device's matrix units, or their
// emulation on lavapipe) against the reference, within reference::attention's bound widened for
// the fp16 operand parts: gpt-oss's 64 query heads over 8 KV heads of 64 and smaller configs,
// query rows that split tokens across workgroups (groups of 3, 4 and 64 heads), contexts around
// the 16-key tile and the 128-key window, sinks of every size, continued caches, fp16 caches.
#include <gtest/gtest.h>

#include "backend/kernels/attention_mma.h"
#include "support/attention_tester.h"
#include "support/gpu.h"

namespace ossvk::testing {
namespace {

class AttentionMma : public GpuTest {};

TEST_F(AttentionMma, gpt_oss_shapes_prefill_around_the_window) {
  for (uint32_t window : {0u, 128u})
    for (uint32_t context : {2u, 17u, 128u, 129u})
      AttentionTester().tile_products().window(window).steps({context}).run();
}

TEST_F(AttentionMma, small_configs_prefill_up_to_1000) {
  for (uint32_t window : {0u, 4u, 128u})
    for (uint32_t context : {2u, 15u, 16u, 33u, 1000u})
      AttentionTester()
          .tile_products()
          .heads(4, 1)
          .head_dim(16)
          .yarn(kTinyRope)
          .window(window)
          .steps({context})
          .run();
}

// Rows are (token, query head) pairs, 32 to a workgroup: groups of 3 split tokens between
// workgroups, and 64 heads of one KV head give each token two of them.
TEST_F(AttentionMma, head_groups_that_split_tokens_across_workgroups) {
  AttentionTester().tile_products().heads(6, 2).head_dim(48).yarn(kTinyRope).steps({45}).run();
  AttentionTester().tile_products().heads(64, 1).head_dim(16).yarn(kTinyRope).steps({40}).run();
  AttentionTester()
      .tile_products()
      .heads(12, 3)
      .head_dim(32)
      .yarn(kTinyRope)
      .window(7)
      .steps({50})
      .run();
}

// Prefill steps after earlier ones start mid-cache; one-token steps take f32_attention_decode.
TEST_F(AttentionMma, steps_continue_the_cache) {
  for (uint32_t window : {0u, 128u})
    AttentionTester().tile_products().window(window).steps({129, 1, 3, 20, 1}).run();
}

TEST_F(AttentionMma, sliding_window_ring_wraps) {
  AttentionTester()
      .tile_products()
      .heads(4, 1)
      .head_dim(16)
      .yarn(kTinyRope)
      .window(4)
      .steps({3, 5, 1, 1, 5, 1, 2})
      .run();
  AttentionTester().tile_products().window(128).steps({64, 64, 64, 64, 1}).run();
}

TEST_F(AttentionMma, sinks_large_positive_and_negative) {
  for (Sinks s : {Sinks::large_positive, Sinks::large_negative}) {
    AttentionTester().tile_products().sinks(s).steps({129}).run();
    AttentionTester().tile_products().sinks(s).window(128).steps({129, 2}).run();
  }
}

TEST_F(AttentionMma, f16_cache) {
  AttentionTester().tile_products().f16_cache().steps({129, 1}).run();
  AttentionTester().tile_products().f16_cache().window(128).steps({200, 5}).run();
}

// Heads that are not a multiple of 16, or whose tiles exceed the device's shared memory (128
// dims need 45 KiB; lavapipe has 32), take the scalar kernel on the same device.
TEST_F(AttentionMma, other_heads_take_the_scalar_kernel) {
  host::Device& device = *gpu_with_tile_products().device;
  EXPECT_FALSE(attention_mma_runs(device, {4, 1, 20, 0}));
  EXPECT_EQ(attention_mma_runs(device, {8, 2, 128, 0}),
            attention_mma_shared_bytes(128) <= device.info().max_shared_memory);
  AttentionTester().tile_products().heads(4, 1).head_dim(20).yarn(kTinyRope).steps({40}).run();
  AttentionTester().tile_products().heads(8, 2).head_dim(128).yarn(kTinyRope).steps({40, 2}).run();
}

}  // namespace
}  // namespace ossvk::testing
