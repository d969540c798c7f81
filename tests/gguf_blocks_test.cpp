// Known answers for the reference decoders, computed by hand from ../shared/spec/gptoss.md §3-4.
#include <gtest/gtest.h>

#include <cmath>

#include "reference/gguf_blocks.h"

namespace ossvk::reference {
namespace {

TEST(E8m0, scale_127_is_one) {
  EXPECT_EQ(e8m0_to_f32(0x7F), 1.0f);
}
TEST(E8m0, scale_0_is_2_pow_minus_127) {
  EXPECT_EQ(e8m0_to_f32(0x00), std::ldexp(1.0f, -127));
}
TEST(E8m0, scale_255_is_nan) {
  EXPECT_TRUE(std::isnan(e8m0_to_f32(0xFF)));
}
TEST(E8m0, scale_254_is_2_pow_127) {
  EXPECT_EQ(e8m0_to_f32(0xFE), std::ldexp(1.0f, 127));
}
TEST(E8m0, scale_1_is_2_pow_minus_126) {
  EXPECT_EQ(e8m0_to_f32(0x01), std::ldexp(1.0f, -126));
}

TEST(E2m1, every_code) {
  const float expected[16] = {0.0f,  0.5f,  1.0f,  1.5f,  2.0f,  3.0f,  4.0f,  6.0f,
                              -0.0f, -0.5f, -1.0f, -1.5f, -2.0f, -3.0f, -4.0f, -6.0f};
  for (int c = 0; c < 16; ++c) {
    EXPECT_EQ(e2m1_to_f32(static_cast<uint8_t>(c)), expected[c]) << "code " << c;
    EXPECT_EQ(std::signbit(e2m1_to_f32(static_cast<uint8_t>(c))), c >= 8) << "code " << c;
  }
}

// GGUF split order: qs[j] low nibble is element j, high nibble element j+16.
TEST(Mxfp4Block, split_nibble_order) {
  uint8_t block[17] = {0x80};  // scale 2
  block[1] = 0x21;             // element 0 = code 1 (0.5), element 16 = code 2 (1.0)
  block[16] = 0xF7;            // element 15 = code 7 (6.0), element 31 = code 15 (-6.0)
  float out[32];
  decode_mxfp4_block(block, out);
  EXPECT_EQ(out[0], 1.0f);
  EXPECT_EQ(out[16], 2.0f);
  EXPECT_EQ(out[15], 12.0f);
  EXPECT_EQ(out[31], -12.0f);
  for (int j : {1, 2, 14, 17, 30}) EXPECT_EQ(out[j], 0.0f) << j;
}

TEST(Mxfp4Block, nan_scale_makes_whole_block_nan) {
  uint8_t block[17] = {0xFF};
  float out[32];
  decode_mxfp4_block(block, out);
  for (float v : out) EXPECT_TRUE(std::isnan(v));
}

TEST(Mxfp4Block, smallest_scale_is_exact) {
  uint8_t block[17] = {0x00, 0x07};  // element 0 = 6 * 2^-127
  float out[32];
  decode_mxfp4_block(block, out);
  EXPECT_EQ(out[0], std::ldexp(6.0f, -127));
}

TEST(F16, known_values) {
  EXPECT_EQ(f16_to_f32(0x3C00), 1.0f);
  EXPECT_EQ(f16_to_f32(0xC000), -2.0f);
  EXPECT_EQ(f16_to_f32(0x3555), 0x1.554p-2f);
  EXPECT_EQ(f16_to_f32(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
  EXPECT_EQ(f16_to_f32(0x7BFF), 65504.0f);
  EXPECT_TRUE(std::isinf(f16_to_f32(0x7C00)));
  EXPECT_TRUE(std::isnan(f16_to_f32(0x7E00)));
}

TEST(Q8_0Block, scale_times_int8) {
  uint8_t block[34] = {0x00, 0x38};  // d = 0.5, little-endian
  block[2] = 0x02;                   // +2
  block[3] = 0xFF;                   // -1
  block[33] = 0x80;                  // -128
  float out[32];
  decode_q8_0_block(block, out);
  EXPECT_EQ(out[0], 1.0f);
  EXPECT_EQ(out[1], -0.5f);
  EXPECT_EQ(out[31], -64.0f);
  EXPECT_EQ(out[2], 0.0f);
}

}  // namespace
}  // namespace ossvk::reference
