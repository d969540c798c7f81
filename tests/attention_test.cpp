// f32_rope_kv_write + f32_attention, or f32_attention_decode for one-token steps (+
// f32_attention_reduce), against the reference: gpt-oss's
// 64 query heads over 8 KV heads of 64 dims and a small 4/1 configuration, context lengths around
// the 128-key window, sinks of every size, caches continued across steps, f32 and f16 caches.
#include <gtest/gtest.h>

#include "support/attention_tester.h"
#include "support/gpu.h"

namespace ossvk::testing {
namespace {

class Attention : public GpuTest {};

TEST_F(Attention, gpt_oss_shapes_prefill_around_the_window) {
  for (uint32_t window : {0u, 128u})
    for (uint32_t context : {1u, 2u, 127u, 128u, 129u})
      AttentionTester().window(window).steps({context}).run();
}

TEST_F(Attention, small_config_prefill_up_to_1000) {
  for (uint32_t window : {0u, 4u, 128u})
    for (uint32_t context : {1u, 2u, 127u, 128u, 129u, 1000u})
      AttentionTester()
          .heads(4, 1)
          .head_dim(16)
          .yarn(kTinyRope)
          .window(window)
          .steps({context})
          .run();
}

TEST_F(Attention, decode_after_prefill_continues_the_cache) {
  for (uint32_t window : {0u, 128u})
    AttentionTester().window(window).steps({129, 1, 1, 3, 1}).run();
}

// Decode over more than 512 keys splits the keys across workgroups and merges in
// f32_attention_reduce, which adds the sink.
TEST_F(Attention, long_decode_splits_the_keys) {
  AttentionTester().steps({1000, 1, 1}).run();
  AttentionTester()
      .heads(4, 1)
      .head_dim(16)
      .yarn(kTinyRope)
      .steps({700, 1})
      .sinks(Sinks::large_positive)
      .run();
}

// f32_attention_decode takes at most 256 invocations' worth of a KV head's query heads per
// workgroup (a subgroup each): 64 heads over one KV head need several workgroups; 128-dim heads
// give each lane several output dimensions and may halve the key tile to fit shared memory.
TEST_F(Attention, decode_of_wide_head_groups_and_128_dims) {
  AttentionTester().heads(64, 1).head_dim(16).yarn(kTinyRope).steps({40, 1, 1}).run();
  AttentionTester().heads(8, 2).head_dim(128).yarn(kTinyRope).steps({40, 1, 1}).run();
  AttentionTester().heads(8, 2).head_dim(128).yarn(kTinyRope).steps({600, 1}).run();
}

// A sliding-window layer keeps window + step slots as a ring: a long run of steps wraps it.
TEST_F(Attention, sliding_window_ring_wraps) {
  AttentionTester()
      .heads(4, 1)
      .head_dim(16)
      .yarn(kTinyRope)
      .window(4)
      .steps({3, 5, 1, 1, 5, 1, 2})
      .run();
  AttentionTester().window(128).steps({64, 64, 64, 64, 1, 1}).run();
}

TEST_F(Attention, sinks_large_positive_and_negative) {
  for (Sinks s : {Sinks::large_positive, Sinks::large_negative}) {
    AttentionTester().sinks(s).steps({129}).run();
    AttentionTester().sinks(s).window(128).steps({129, 1}).run();
  }
}

TEST_F(Attention, f16_cache) {
  AttentionTester().f16_cache().steps({129, 1}).run();
  AttentionTester().f16_cache().window(128).steps({200, 1}).run();
  AttentionTester().f16_cache().steps({600, 1}).run();
}

TEST_F(Attention, context_overflow_is_an_error_and_leaves_the_cache_untouched) {
  AttentionDims dims;
  auto cache = create_kv_cache(device(), dims, 4, 4, false);
  ASSERT_OK(cache);
  auto table = upload_rope_table(device(), transfer(), YarnParams{}, 64, 8);
  ASSERT_OK(table);
  std::vector<float> before(4 * 8 * 64, 7.0f), after(before.size());
  ASSERT_OK(transfer().upload(cache.value().k, 0, before.data(), before.size() * 4));
  auto qkv = device().allocator().allocate(3 * 80 * 64 * 4, host::MemoryUse::device);
  auto q = device().allocator().allocate(3 * 64 * 64 * 4, host::MemoryUse::device);
  ASSERT_OK(qkv);
  ASSERT_OK(q);
  auto stream = host::CommandStream::create(device());
  ASSERT_OK(stream);
  ASSERT_OK(stream.value()->begin());
  auto s = encode_rope_kv_write(device(), *stream.value(), qkv.value(), 3, 2, dims, table.value(),
                                q.value(), cache.value());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(
                "context overflow: position 4 is beyond the cache's capacity of 4 positions"),
            std::string::npos)
      << s.message();
  ASSERT_OK(stream.value()->submit_and_wait());
  ASSERT_OK(transfer().download(cache.value().k, 0, after.data(), after.size() * 4));
  EXPECT_EQ(before, after);
}

TEST_F(Attention, unsupported_head_dims_name_the_limit) {
  for (uint32_t d : {0u, 30u, 256u}) {
    auto s = check_attention_dims({64, 8, d, 0});
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find("multiples of 4 up to 128"), std::string::npos) << s.message();
  }
  EXPECT_FALSE(check_attention_dims({64, 7, 64, 0}).ok());
}

}  // namespace
}  // namespace ossvk::testing
