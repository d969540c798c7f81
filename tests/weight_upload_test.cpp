// Bad weights and bad launcher arguments: a clear error naming the tensor or argument.
#include <gtest/gtest.h>

#include "backend/formats/repack.h"
#include "backend/kernels/matmul.h"
#include "backend/kernels/matvec.h"
#include "support/gpu.h"
#include "testdata/weights.h"

namespace ossvk::testing {
namespace {

class WeightUpload : public GpuTest {
 protected:
  std::string upload_error(const TensorData& w, const std::string& name) {
    auto r = upload_matrix(device(), transfer(), w, name);
    return r.ok() ? std::string("(accepted)") : r.status().message();
  }
};

TEST_F(WeightUpload, k_not_a_multiple_of_32_names_the_tensor) {
  std::vector<uint8_t> bytes(17 * 2);
  auto msg = upload_error({TensorFormat::mxfp4, 1, 48, bytes}, "blk.0.ffn_down_exps");
  EXPECT_NE(msg.find("blk.0.ffn_down_exps"), std::string::npos) << msg;
  EXPECT_NE(msg.find("multiple of 32"), std::string::npos) << msg;
}

TEST_F(WeightUpload, byte_count_not_matching_the_shape) {
  std::vector<uint8_t> bytes(33);
  auto msg = upload_error({TensorFormat::q8_0, 1, 32, bytes}, "blk.3.attn_q.weight");
  EXPECT_NE(
      msg.find("'blk.3.attn_q.weight' (q8_0, 1 x 32): has 33 bytes of data, its shape needs 34"),
      std::string::npos)
      << msg;
}

TEST_F(WeightUpload, missing_scales_of_a_linear_mxfp4_tensor) {
  std::vector<uint8_t> blocks(16);
  auto msg = upload_error({TensorFormat::mxfp4_linear, 1, 32, blocks},
                          "model.layers.0.mlp.experts.down_proj");
  EXPECT_NE(msg.find("of scales, its shape needs 1"), std::string::npos) << msg;
}

TEST_F(WeightUpload, mlx_group_size_outside_32_64_128) {
  Rng rng(1);
  HostMatrix w = random_matrix(TensorFormat::mlx_affine8, 2, 96, Data::exact, rng);
  TensorData view = w.view();
  view.group_size = 96;
  auto msg = upload_error(view, "model.layers.0.self_attn.q_proj");
  EXPECT_NE(msg.find("group size 96 is not one of 32, 64, 128"), std::string::npos) << msg;
}

TEST(GgufTypes, every_supported_id_and_an_unknown_one) {
  const std::pair<uint32_t, TensorFormat> known[] = {
      {0, TensorFormat::f32},     {1, TensorFormat::f16},     {30, TensorFormat::bf16},
      {8, TensorFormat::q8_0},    {6, TensorFormat::q5_0},    {2, TensorFormat::q4_0},
      {39, TensorFormat::mxfp4},  {3, TensorFormat::q4_1},    {7, TensorFormat::q5_1},
      {20, TensorFormat::iq4_nl}, {12, TensorFormat::q4_k},   {13, TensorFormat::q5_k},
      {14, TensorFormat::q6_k},   {23, TensorFormat::iq4_xs}, {11, TensorFormat::q3_k},
      {10, TensorFormat::q2_k}};
  for (auto [id, format] : known) {
    auto r = gguf_tensor_format(id, "t");
    ASSERT_OK(r);
    EXPECT_EQ(r.value(), format) << id;
  }
  auto r = gguf_tensor_format(16, "blk.7.ffn_gate_exps.weight");  // IQ2_XXS
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(
                "'blk.7.ffn_gate_exps.weight': GGUF type id 16 is not one ossvk reads"),
            std::string::npos)
      << r.status().message();
}

TEST_F(WeightUpload, empty_matrix) {
  EXPECT_NE(upload_error({TensorFormat::f32, 0, 32}, "w").find("empty"), std::string::npos);
}

TEST_F(WeightUpload, launchers_reject_mismatched_buffers_and_column_counts) {
  Rng rng(3);
  HostMatrix h = random_matrix(TensorFormat::q4_0, 4, 64, Data::exact, rng);
  auto w = upload_matrix(device(), transfer(), h.view(), "w");
  ASSERT_OK(w);
  auto small = device().allocator().allocate(4 * 4, host::MemoryUse::device);
  auto big = device().allocator().allocate(64 * 9 * 4, host::MemoryUse::device);
  ASSERT_OK(small);
  ASSERT_OK(big);
  auto stream = host::CommandStream::create(device());
  ASSERT_OK(stream);
  auto& cs = *stream.value();
  ASSERT_OK(cs.begin());
  auto expect_error = [&](const host::Status& s, const std::string& text) {
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find(text), std::string::npos) << s.message();
  };
  expect_error(encode_matvec(device(), cs, w.value(), small.value(), 1, nullptr, big.value()),
               "f32_q4_0w_matvec: x holds fewer than 1 x K = 64 floats");
  expect_error(
      encode_matvec(device(), cs, w.value(), big.value(), 8 * 65535 + 1, nullptr, big.value()),
      "524281 columns; matvec takes at most 524280");
  expect_error(encode_matvec(device(), cs, w.value(), big.value(), 0, nullptr, big.value()),
               "no columns");
  const MatvecRope rope{.target = &big.value(), .head_dim = 32};
  expect_error(encode_matvec(device(), cs, w.value(), big.value(), 9, nullptr, big.value(), false,
                             {}, nullptr, &rope),
               "9 columns; matvec takes at most 8 with the RoPE epilogue");
  expect_error(encode_matmul(device(), cs, w.value(), big.value(), 0, nullptr, big.value()),
               "no columns");
  expect_error(
      encode_matmul(device(), cs, w.value(), big.value(), 2, &small.value(), small.value()),
      "y holds fewer than 2 x 4 floats");
  // Rows written into a wider stacked output (q, k and v apart): the stride and the bias count.
  expect_error(
      encode_matvec(device(), cs, w.value(), big.value(), 1, nullptr, big.value(), false, {6, 3}),
      "rows 3 to 7 do not fit outputs of 6");
  expect_error(
      encode_matvec(device(), cs, w.value(), big.value(), 2, nullptr, small.value(), false, {8, 4}),
      "y holds fewer than 2 x 8 floats");
  expect_error(encode_matvec(device(), cs, w.value(), big.value(), 1, &small.value(), big.value(),
                             false, {8, 2}),
               "bias holds fewer than 6 floats");
  host::Buffer none;
  expect_error(encode_matvec(device(), cs, w.value(), big.value(), 1, &none, big.value()), "bias");
  expect_error(encode_matvec(device(), cs, DeviceMatrix{}, big.value(), 1, nullptr, big.value()),
               "not uploaded");
  ASSERT_OK(cs.submit_and_wait());
}

}  // namespace
}  // namespace ossvk::testing
