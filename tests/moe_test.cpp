// The MoE block (router, top-k routing, gate/up + SwiGLU, down + weighted combine + residual)
// against the reference, with the selected expert ids and weights checked too.
#include <gtest/gtest.h>

#include <algorithm>

#include "backend/kernels/moe.h"
#include "support/gpu.h"
#include "support/moe_tester.h"

namespace ossvk::testing {
namespace {

class Moe : public GpuTest {};

const TensorFormat kExpertFormats[] = {TensorFormat::mxfp4, TensorFormat::q8_0, TensorFormat::bf16};

TEST_F(Moe, tokens_experts_and_top_k) {
  for (TensorFormat f : kExpertFormats)
    for (uint32_t experts : {32u, 128u})
      for (uint32_t k : {1u, 2u, 4u})
        for (uint32_t tokens : {1u, 2u, 7u, 64u})
          MoeTester().format(f).experts(experts).top_k(k).tokens(tokens).run();
}

// The decode kernels through both buffer paths: device addresses (GPUs) and texel descriptors
// (lavapipe); the test above takes whichever the device prefers.
TEST_F(Moe, both_buffer_paths) {
  for (host::BufferAccess access : {host::BufferAccess::addresses, host::BufferAccess::descriptors})
    for (TensorFormat f : {TensorFormat::mxfp4, TensorFormat::q8_0, TensorFormat::q5_0,
                           TensorFormat::bf16, TensorFormat::mlx_affine4})
      for (uint32_t k : {1u, 4u})
        for (uint32_t tokens : {1u, 7u})
          MoeTester().access(access).format(f).experts(32).top_k(k).tokens(tokens).run();
}

// The GPUs' decode layout on any device: each workgroup stages a token's activations (gate_up)
// or a step of (slot, block) pairs' (down) in shared memory; hidden 2880 stages 90 blocks,
// ff 96 fewer pairs than a step, ff 2880 with k = 4 six steps, the last one partial.
TEST_F(Moe, gpu_layout_stages_activations) {
  for (TensorFormat f : {TensorFormat::mxfp4, TensorFormat::q8_0, TensorFormat::bf16})
    for (uint32_t k : {1u, 4u})
      for (uint32_t tokens : {1u, 7u})
        MoeTester().gpu_layout().format(f).top_k(k).tokens(tokens).run();
  MoeTester().gpu_layout().experts(32).hidden(2880).ff(2880).tokens(2).top_k(4).run();
}

// The expert layouts the tests above leave out, on every path: both buffer paths of the decode
// kernels, the GPUs' decode layout, and the grouped prefill matmuls (on lavapipe the matvec's
// columns; the scalar tiles decode every layout in Tiles/Matmul, matmul_test.cpp).
class MoeLayout : public GpuTest, public ::testing::WithParamInterface<TensorFormat> {};

TEST_P(MoeLayout, every_path) {
  const TensorFormat f = GetParam();
  for (host::BufferAccess access : {host::BufferAccess::addresses, host::BufferAccess::descriptors})
    MoeTester().access(access).format(f).experts(32).top_k(4).tokens(7).run();
  MoeTester().gpu_layout().format(f).experts(32).top_k(4).tokens(2).run();
  MoeTester().format(f).experts(32).top_k(2).tokens(9).path(MoePath::grouped).run();
  MoeTester().format(f).experts(32).top_k(4).tokens(20).tile_products().run();
}

INSTANTIATE_TEST_SUITE_P(Formats, MoeLayout,
                         ::testing::Values(TensorFormat::q4_0, TensorFormat::q4_1,
                                           TensorFormat::q5_1, TensorFormat::iq4_nl,
                                           TensorFormat::mlx_affine8, TensorFormat::mlx_affine2,
                                           TensorFormat::mlx_affine3, TensorFormat::mlx_affine5,
                                           TensorFormat::mlx_affine6),
                         [](const auto& info) { return tensor_format_info(info.param).name; });

// The K-quants and IQ4_XS on the same paths; their super-blocks need rows of a multiple of 256.
class MoeSuperBlocks : public MoeLayout {};

TEST_P(MoeSuperBlocks, every_path) {
  const TensorFormat f = GetParam();
  for (host::BufferAccess access : {host::BufferAccess::addresses, host::BufferAccess::descriptors})
    MoeTester().access(access).format(f).hidden(256).ff(512).experts(32).top_k(4).tokens(7).run();
  MoeTester().gpu_layout().format(f).hidden(256).ff(256).top_k(4).tokens(2).run();
  MoeTester().format(f).hidden(512).ff(256).top_k(2).tokens(9).path(MoePath::grouped).run();
  MoeTester().format(f).hidden(256).ff(512).top_k(4).tokens(20).tile_products().run();
}

INSTANTIATE_TEST_SUITE_P(Formats, MoeSuperBlocks,
                         ::testing::Values(TensorFormat::q4_k, TensorFormat::q5_k,
                                           TensorFormat::q6_k, TensorFormat::iq4_xs,
                                           TensorFormat::q3_k, TensorFormat::q2_k),
                         [](const auto& info) { return tensor_format_info(info.param).name; });

// Gate and up experts in different formats (a llama-quantize --tensor-type mix, an MLX recipe):
// every token count takes the grouped path, whose gate and up are matmuls of their own, in each
// of its forms: the device's own (on lavapipe the matvec's columns), the scalar tiles of the
// GPUs' layout and tile products; one token and k = 1, 2, 4 included.
TEST_F(Moe, gate_and_up_in_different_formats) {
  for (uint32_t k : {1u, 2u, 4u})
    for (uint32_t tokens : {1u, 3u, 9u})
      MoeTester()
          .format(TensorFormat::q8_0)
          .up_format(TensorFormat::mxfp4)
          .top_k(k)
          .tokens(tokens)
          .run();
  MoeTester().format(TensorFormat::q4_k).up_format(TensorFormat::q6_k).hidden(256).ff(256).run();
  MoeTester().gpu_layout().format(TensorFormat::mxfp4).up_format(TensorFormat::q4_0).run();
  MoeTester()
      .format(TensorFormat::q5_0)
      .up_format(TensorFormat::bf16)
      .tokens(20)
      .tile_products()
      .run();
}

TEST_F(Moe, many_tokens) {
  MoeTester().tokens(300).top_k(4).run();
  MoeTester().tokens(300).top_k(4).path(MoePath::grouped).run();
}

// Prefill's grouped matmuls (f32_moe_group, the matmuls, f32_moe_combine) in the form the device
// takes (on lavapipe f32_<fmt>w_moe_matvec_texel, down after f32_swiglu: tiles of 8 pairs):
// from one token (one pair per tile) to many.
TEST_F(Moe, grouped_matmuls) {
  for (TensorFormat f : kExpertFormats)
    for (uint32_t experts : {32u, 128u})
      for (uint32_t k : {1u, 2u, 4u})
        for (uint32_t tokens : {1u, 9u, 64u})
          MoeTester()
              .format(f)
              .experts(experts)
              .top_k(k)
              .tokens(tokens)
              .path(MoePath::grouped)
              .run();
  MoeTester().experts(32).tokens(1100).top_k(4).path(MoePath::grouped).run();
}

// The scalar tiles (f32_<fmt>w_moe_matmul, _moe_swiglu_matmul), which GPUs without matrix units
// take, in their layout: tiles from 16 to 128 pairs wide.
TEST_F(Moe, grouped_matmuls_on_scalar_tiles) {
  for (TensorFormat f : kExpertFormats)
    for (uint32_t k : {1u, 4u}) {
      MoeTester().gpu_layout().format(f).top_k(k).tokens(64).path(MoePath::grouped).run();
      MoeTester()
          .gpu_layout()
          .format(f)
          .experts(128)
          .top_k(k)
          .tokens(9)
          .path(MoePath::grouped)
          .run();
    }
  MoeTester().gpu_layout().experts(32).tokens(1100).top_k(4).path(MoePath::grouped).run();
}

// The same on tile products (shaders/mma.glsl; emulated on lavapipe), the path devices with
// matrix units take for every prompt: 64-pair tiles, most of them part empty, experts with no
// pairs, one expert with many tiles, and the 20b shapes with two experts chosen by every token
// (with most of the 32 chosen, the emulation ran that one submission past its 120 s limit on a
// loaded 2-core machine).
TEST_F(Moe, grouped_matmuls_on_tile_products) {
  for (TensorFormat f : kExpertFormats)
    for (uint32_t experts : {32u, 128u})
      for (uint32_t k : {1u, 4u})
        for (uint32_t tokens : {9u, 64u})
          MoeTester().format(f).experts(experts).top_k(k).tokens(tokens).tile_products().run();
  MoeTester().experts(32).tokens(1100).top_k(4).tile_products().run();
  MoeTester()
      .tokens(130)
      .top_k(1)
      .router_bias([](std::vector<float>& b) { b[5] = 100.0f; })
      .tile_products()
      .run();
  MoeTester()
      .experts(32)
      .hidden(2880)
      .ff(2880)
      .tokens(12)
      .top_k(2)
      .router_bias([](std::vector<float>& b) { b[5] = b[9] = 100.0f; })
      .tile_products()
      .run();
}

// One expert with exactly a tile of pairs (8 on lavapipe's columns, 16 in the GPUs' tiles), one
// more than a tile, and many tiles.
TEST_F(Moe, grouped_tiles_of_one_expert) {
  for (uint32_t tokens : {8u, 9u, 16u, 17u, 64u}) {
    auto ids = MoeTester()
                   .tokens(tokens)
                   .top_k(1)
                   .router_bias([](std::vector<float>& b) { b[5] = 100.0f; })
                   .path(MoePath::grouped)
                   .run();
    EXPECT_TRUE(std::all_of(ids.begin(), ids.end(), [](uint32_t e) { return e == 5; }));
  }
}

TEST_F(Moe, gpt_oss_20b_shapes) {
  MoeTester().experts(32).hidden(2880).ff(2880).tokens(2).top_k(4).run();
  MoeTester().experts(32).hidden(2880).ff(2880).tokens(1).top_k(2).format(TensorFormat::q8_0).run();
}

// Every token on one expert, and every other expert with no tokens at all.
TEST_F(Moe, all_tokens_on_one_expert) {
  auto ids = MoeTester()
                 .tokens(64)
                 .top_k(1)
                 .router_bias([](std::vector<float>& b) { b[5] = 100.0f; })
                 .run();
  ASSERT_EQ(ids.size(), 64u);
  EXPECT_TRUE(std::all_of(ids.begin(), ids.end(), [](uint32_t e) { return e == 5; }));
}

// Exact ties in the router logits go to the lower expert index.
TEST_F(Moe, ties_go_to_the_lower_expert) {
  auto ids = MoeTester()
                 .tokens(3)
                 .top_k(4)
                 .router_zero()
                 .router_bias([](std::vector<float>& b) {
                   std::fill(b.begin(), b.end(), 0.0f);
                   b[9] = b[3] = b[20] = b[7] = b[30] = 1.0f;
                 })
                 .run();
  ASSERT_EQ(ids.size(), 12u);
  for (uint32_t t = 0; t < 3; ++t)
    EXPECT_EQ(std::vector<uint32_t>(ids.begin() + t * 4, ids.begin() + t * 4 + 4),
              (std::vector<uint32_t>{3, 7, 9, 20}));
}

// Large biases and activations put gate and up far beyond the +-7 clamp.
TEST_F(Moe, swiglu_inputs_beyond_the_clamp) {
  for (TensorFormat f : kExpertFormats) {
    MoeTester().format(f).tokens(7).gain(20.0f).run();
    MoeTester().format(f).tokens(20).gain(20.0f).path(MoePath::grouped).run();
  }
}

// Expert tensors split across allocations keep whole experts per part.
TEST_F(Moe, experts_split_into_parts) {
  TensorData one_expert{TensorFormat::mxfp4, 96, 64};
  for (MoePath path : {MoePath::per_pair, MoePath::grouped})
    for (host::BufferAccess access :
         {host::BufferAccess::addresses, host::BufferAccess::descriptors})
      MoeTester()
          .tokens(30)
          .top_k(4)
          .max_part_bytes(5 * one_expert.expected_data_bytes() * 32 / 34)
          .path(path)
          .access(access)
          .run();
}

TEST_F(Moe, bad_top_k_and_shapes_name_the_layer) {
  Rng rng(1);
  HostMatrix router = random_matrix(TensorFormat::f32, 8, 64, Data::realistic, rng);
  HostMatrix wide = random_matrix(TensorFormat::f32, 8, 96, Data::realistic, rng);
  HostMatrix experts = random_matrix(TensorFormat::q8_0, 8 * 32, 64, Data::realistic, rng);
  HostMatrix down = random_matrix(TensorFormat::q8_0, 8 * 64, 32, Data::realistic, rng);
  std::vector<float> f(8 * 64, 0.5f);
  MoeLayerData d{8,
                 64,
                 32,
                 f.data(),
                 wide.view(),
                 f.data(),
                 experts.view(),
                 experts.view(),
                 down.view(),
                 f.data(),
                 f.data(),
                 f.data()};
  auto bad = upload_moe_layer(device(), transfer(), d, "blk.3");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("blk.3: the router is 8 x 96, expected 8 x 64"),
            std::string::npos)
      << bad.status().message();

  d.router = router.view();
  auto layer = upload_moe_layer(device(), transfer(), d, "blk.3");
  ASSERT_OK(layer);
  auto scratch = create_moe_scratch(device(), layer.value(), 1, 8);
  ASSERT_OK(scratch);
  auto x = device().allocator().allocate(64 * 4, host::MemoryUse::device);
  ASSERT_OK(x);
  auto stream = host::CommandStream::create(device());
  ASSERT_OK(stream);
  ASSERT_OK(stream.value()->begin());
  for (uint32_t k : {0u, 9u}) {
    auto s = encode_moe(device(), *stream.value(), layer.value(), x.value(), 1, k, scratch.value(),
                        x.value(), "blk.3");
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find("blk.3: experts per token must be 1 to 8"), std::string::npos)
        << s.message();
  }
  ASSERT_OK(stream.value()->submit_and_wait());
}

}  // namespace
}  // namespace ossvk::testing
