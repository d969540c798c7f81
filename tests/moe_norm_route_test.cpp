// f32_<fmt>w_moe_norm_route, decode's routing in one dispatch (RMSNorm, router, top-k and the
// softmax over the k), through the whole MoE block against the reference (support/moe_tester.h:
// the chosen experts, their weights and the block's output, which the normalised row feeds):
// a router in every format, gpt-oss's shapes with 32 and 128 experts, k = 1, 2, 4, one token to
// a batch's eight. Ties go to the lower expert (Moe.ties_go_to_the_lower_expert); NaN logits
// still choose valid experts.
#include <gtest/gtest.h>

#include <cmath>

#include "backend/kernels/matvec.h"
#include "backend/kernels/moe_norm_route.h"
#include "backend/kernels/moe_route.h"
#include "formats.h"
#include "support/gpu.h"
#include "support/moe_tester.h"

namespace ossvk::testing {
namespace {

class MoeNormRoute : public GpuTest {};

// Every weight format as the router; rows of 256 hold the K-quants' super-blocks.
TEST_F(MoeNormRoute, every_router_format) {
  for (TensorFormat f : kAllFormats)
    MoeTester().router_format(f).hidden(256).experts(32).top_k(4).tokens(3).run();
}

// gpt-oss's hidden 2880 (90 blocks, not a multiple of any subgroup) with a BF16 router as the
// checkpoints ship it.
TEST_F(MoeNormRoute, gpt_oss_shapes) {
  for (uint32_t experts : {32u, 128u})
    for (uint32_t k : {1u, 2u, 4u})
      for (uint32_t tokens : {1u, kMaxMatvecColumns})
        MoeTester()
            .router_format(TensorFormat::bf16)
            .hidden(2880)
            .ff(64)
            .experts(experts)
            .top_k(k)
            .tokens(tokens)
            .run();
}

// As many experts as the kernel takes, half of them chosen (the block's limit: k x experts at
// most 32768), and every one of 32.
TEST_F(MoeNormRoute, many_experts_chosen) {
  MoeTester().experts(kMaxExperts).top_k(128).ff(32).tokens(4).run();
  MoeTester().experts(32).top_k(32).ff(32).tokens(4).run();
}

// A row of NaN (a broken hidden state) gives NaN logits; the kernel still names k distinct
// experts in range, so the experts' kernels never read outside their weights.
TEST_F(MoeNormRoute, nan_logits_choose_valid_experts) {
  const uint32_t E = 32, D = 64, F = 32, K = 4;
  Rng rng(7);
  HostMatrix router = random_matrix(TensorFormat::bf16, E, D, Data::realistic, rng);
  HostMatrix gate = random_matrix(TensorFormat::f32, uint64_t{E} * F, D, Data::realistic, rng);
  HostMatrix down = random_matrix(TensorFormat::f32, uint64_t{E} * D, F, Data::realistic, rng);
  const std::vector<float> gain(D, 1.0f), bias(uint64_t{E} * std::max(D, F), 0.0f);
  MoeLayerData data{E,           D,           F,           gain.data(), router.view(), bias.data(),
                    gate.view(), gate.view(), down.view(), bias.data(), bias.data(),   bias.data()};
  auto layer = upload_moe_layer(device(), transfer(), data, "blk.0");
  ASSERT_OK(layer);
  ASSERT_TRUE(moe_norm_route_takes(device(), layer.value()));
  auto scratch = create_moe_scratch(device(), layer.value(), 1, K);
  ASSERT_OK(scratch);
  host::Buffer x = device_buffer_with(std::vector<float>(D, std::nanf("")));
  auto stream = host::CommandStream::create(device());
  ASSERT_OK(stream);
  ASSERT_OK(stream.value()->begin());
  ASSERT_OK(
      encode_moe_norm_route(device(), *stream.value(), layer.value(), x, 1, K, scratch.value()));
  ASSERT_OK(stream.value()->submit_and_wait());
  const auto ids = read_back<uint32_t>(scratch.value().ids, K);
  for (uint32_t i = 0; i < K; ++i) {
    EXPECT_LT(ids[i], E) << "slot " << i;
    for (uint32_t j = 0; j < i; ++j) EXPECT_NE(ids[i], ids[j]) << "slots " << j << ", " << i;
  }
}

}  // namespace
}  // namespace ossvk::testing
