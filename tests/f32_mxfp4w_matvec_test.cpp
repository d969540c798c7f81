#include <gtest/gtest.h>

#include <cmath>

#include "backend/kernels/matvec.h"
#include "matvec_cases.h"
#include "support/matvec_tester.h"

namespace ossvk::testing {
namespace {

using reference::GgufType;

class F32Mxfp4wMatvec : public GpuTest, public ::testing::WithParamInterface<MatvecShape> {};

TEST_P(F32Mxfp4wMatvec, random_with_bias) {
  MatvecTester(GgufType::mxfp4).m(GetParam().m).k(GetParam().k).bias(true).run();
}

TEST_P(F32Mxfp4wMatvec, random_without_bias) {
  MatvecTester(GgufType::mxfp4).m(GetParam().m).k(GetParam().k).bias(false).seed(2).run();
}

TEST_P(F32Mxfp4wMatvec, exact_bit_for_bit) {
  MatvecTester(GgufType::mxfp4).m(GetParam().m).k(GetParam().k).bias(true).data(Data::exact).run();
}

INSTANTIATE_TEST_SUITE_P(Shapes, F32Mxfp4wMatvec, ::testing::ValuesIn(kMatvecShapes),
                         [](const auto& info) { return std::string(info.param.name); });

class F32Mxfp4wMatvecEdge : public GpuTest {};

// Every E2M1 code at every position of a block, under each scale 2^-3 .. 2^3: a one-hot x picks
// out single elements, so any nibble-order mistake changes an output exactly.
TEST_F(F32Mxfp4wMatvecEdge, every_code_every_position) {
  const uint32_t m = 16 * 7, k = 32;
  std::vector<uint8_t> w(m * 17);
  for (uint32_t r = 0; r < m; ++r) {
    uint8_t* b = w.data() + r * 17;
    b[0] = static_cast<uint8_t>(124 + r / 16);
    for (int j = 0; j < 16; ++j)
      b[1 + j] = static_cast<uint8_t>(((r + j) & 15) | (((r + j + 5) & 15) << 4));
  }
  for (uint32_t pos = 0; pos < 32; pos += 5) {
    std::vector<float> x(k, 0.0f);
    x[pos] = 1.0f;
    MatvecTester(GgufType::mxfp4).m(m).k(k).weights(w).x(x).data(Data::exact).run();
  }
}

// E8M0 0xFF is NaN (OCP MX): the row whose block carries it must come out NaN, the others not.
TEST_F(F32Mxfp4wMatvecEdge, nan_scale_poisons_only_its_row) {
  const uint32_t m = 3, k = 64;
  Rng rng(7);
  auto w = random_gguf_matrix(GgufType::mxfp4, m, k, Data::exact, rng);
  w[1 * 2 * 17 + 17] = 0xFF;  // row 1, block 1
  auto y = MatvecTester(GgufType::mxfp4).m(m).k(k).weights(w).data(Data::exact).run();
  ASSERT_EQ(y.size(), m);
  EXPECT_FALSE(std::isnan(y[0]));
  EXPECT_TRUE(std::isnan(y[1]));
  EXPECT_FALSE(std::isnan(y[2]));
}

TEST_F(F32Mxfp4wMatvecEdge, k_not_multiple_of_32_is_rejected_naming_the_tensor) {
  std::vector<uint8_t> bytes(17 * 2);
  auto r = upload_gguf_matrix(device(), transfer(), WeightFormat::mxfp4, bytes, 1, 48,
                              "blk.0.ffn_down_exps");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("blk.0.ffn_down_exps"), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("multiple of 32"), std::string::npos) << r.status().message();
}

TEST_F(F32Mxfp4wMatvecEdge, byte_count_not_matching_shape_is_rejected) {
  std::vector<uint8_t> bytes(17 * 3);
  auto r = upload_gguf_matrix(device(), transfer(), WeightFormat::mxfp4, bytes, 2, 32, "w");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("needs 34"), std::string::npos) << r.status().message();
}

TEST_F(F32Mxfp4wMatvecEdge, mismatched_buffers_are_rejected) {
  Rng rng(3);
  auto bytes = random_gguf_matrix(GgufType::mxfp4, 4, 64, Data::exact, rng);
  auto w = upload_gguf_matrix(device(), transfer(), WeightFormat::mxfp4, bytes, 4, 64, "w");
  ASSERT_OK(w);
  auto small = device().allocator().allocate(4 * 4, host::MemoryUse::device);  // 4 floats
  auto big = device().allocator().allocate(64 * 4, host::MemoryUse::device);
  ASSERT_OK(small);
  ASSERT_OK(big);
  auto stream = host::CommandStream::create(device());
  ASSERT_OK(stream);
  ASSERT_OK(stream.value()->begin());
  // x shorter than K.
  auto s = encode_f32_mxfp4w_matvec(device(), *stream.value(), w.value(), small.value(), nullptr,
                                    big.value());
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("x holds fewer than K = 64"), std::string::npos) << s.message();
  // Weights of another format.
  s = encode_f32_q8_0w_matvec(device(), *stream.value(), w.value(), big.value(), nullptr,
                              big.value());
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("mxfp4"), std::string::npos) << s.message();
  // Null y.
  host::Buffer none;
  s = encode_f32_mxfp4w_matvec(device(), *stream.value(), w.value(), big.value(), nullptr, none);
  EXPECT_FALSE(s.ok());
  ASSERT_OK(stream.value()->submit_and_wait());
}

}  // namespace
}  // namespace ossvk::testing
