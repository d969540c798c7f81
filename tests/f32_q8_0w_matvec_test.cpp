#include <gtest/gtest.h>

#include "backend/kernels/matvec.h"
#include "matvec_cases.h"
#include "support/matvec_tester.h"

namespace ossvk::testing {
namespace {

using reference::GgufType;

class F32Q8_0wMatvec : public GpuTest, public ::testing::WithParamInterface<MatvecShape> {};

TEST_P(F32Q8_0wMatvec, random_with_bias) {
  MatvecTester(GgufType::q8_0).m(GetParam().m).k(GetParam().k).bias(true).run();
}

TEST_P(F32Q8_0wMatvec, random_without_bias) {
  MatvecTester(GgufType::q8_0).m(GetParam().m).k(GetParam().k).bias(false).seed(2).run();
}

TEST_P(F32Q8_0wMatvec, exact_bit_for_bit) {
  MatvecTester(GgufType::q8_0).m(GetParam().m).k(GetParam().k).bias(true).data(Data::exact).run();
}

INSTANTIATE_TEST_SUITE_P(Shapes, F32Q8_0wMatvec, ::testing::ValuesIn(kMatvecShapes),
                         [](const auto& info) { return std::string(info.param.name); });

class F32Q8_0wMatvecEdge : public GpuTest {};

// One-hot x over every position of a block whose quants are all distinct: an index mistake in
// the int8 unpacking changes the output exactly.
TEST_F(F32Q8_0wMatvecEdge, every_position) {
  const uint32_t m = 4, k = 64;
  std::vector<uint8_t> w(m * 2 * 34);
  for (uint32_t b = 0; b < m * 2; ++b) {
    uint8_t* p = w.data() + b * 34;
    p[0] = 0x00, p[1] = 0x3C;  // d = 1.0
    for (int j = 0; j < 32; ++j)
      p[2 + j] = static_cast<uint8_t>(static_cast<int8_t>(j * 7 - 100 + static_cast<int>(b)));
  }
  for (uint32_t pos = 0; pos < k; pos += 3) {
    std::vector<float> x(k, 0.0f);
    x[pos] = 2.0f;
    MatvecTester(GgufType::q8_0).m(m).k(k).weights(w).x(x).data(Data::exact).run();
  }
}

TEST_F(F32Q8_0wMatvecEdge, byte_count_not_matching_shape_is_rejected_naming_the_tensor) {
  std::vector<uint8_t> bytes(33);
  auto r = upload_gguf_matrix(device(), transfer(), WeightFormat::q8_0, bytes, 1, 32,
                              "blk.3.attn_q.weight");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("blk.3.attn_q.weight"), std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace ossvk::testing
