// Known answers for the reference decoders, computed by hand from docs/formats.md.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "reference/blocks.h"
#include "reference/matmul.h"

namespace ossvk::reference {
namespace {

using ossvk::TensorData;
using ossvk::TensorFormat;

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

TEST(Bf16, is_the_top_half_of_f32) {
  EXPECT_EQ(bf16_to_f32(0x3F80), 1.0f);
  EXPECT_EQ(bf16_to_f32(0xC0A0), -5.0f);
  EXPECT_EQ(bf16_to_f32(0x3FC0), 1.5f);
  EXPECT_TRUE(std::isnan(bf16_to_f32(0x7FC0)));
}

// Q5_0: fifth bit of element j is bit j of qh (little-endian u32), of element j+16 bit j+16.
TEST(Q5_0Block, fifth_bit_and_offset) {
  uint8_t block[22] = {0x00, 0x3C};  // d = 1
  block[2] = 0x01;                   // qh bit 0: element 0 gets +16
  block[4] = 0x01;                   // qh bit 16: element 16 gets +16
  block[6] = 0x3F;                   // element 0 low nibble 15, element 16 high nibble 3
  float out[32];
  decode_q5_0_block(block, out);
  EXPECT_EQ(out[0], 15.0f);   // 31 - 16
  EXPECT_EQ(out[16], 3.0f);   // 19 - 16
  EXPECT_EQ(out[1], -16.0f);  // code 0
  EXPECT_EQ(out[17], -16.0f);
}

TEST(Q4_0Block, split_order_and_offset) {
  uint8_t block[18] = {0x00, 0x40};  // d = 2
  block[2] = 0xF0;                   // element 0 code 0, element 16 code 15
  block[17] = 0x98;                  // element 15 code 8, element 31 code 9
  float out[32];
  decode_q4_0_block(block, out);
  EXPECT_EQ(out[0], -16.0f);
  EXPECT_EQ(out[16], 14.0f);
  EXPECT_EQ(out[15], 0.0f);
  EXPECT_EQ(out[31], 2.0f);
}

// Q4_1: fp16 d then fp16 m, nibbles in split order; value = d * q + m.
TEST(Q4_1Block, split_order_scale_and_minimum) {
  uint8_t block[20] = {0x00, 0x40, 0x00, 0xC2};  // d = 2, m = -3
  block[4] = 0xF0;                               // element 0 code 0, element 16 code 15
  block[19] = 0x98;                              // element 15 code 8, element 31 code 9
  float out[32], magnitude[32];
  decode_q4_1_block(block, out, magnitude);
  EXPECT_EQ(out[0], -3.0f);
  EXPECT_EQ(out[16], 27.0f);
  EXPECT_EQ(out[15], 13.0f);
  EXPECT_EQ(out[31], 15.0f);
  EXPECT_EQ(magnitude[31], 21.0f);  // |2 * 9| + |-3|
}

// Q5_1: d, m, then qh (bit j: element j's fifth bit) and the nibbles; value = d * q + m.
TEST(Q5_1Block, fifth_bit_scale_and_minimum) {
  uint8_t block[24] = {0x00, 0x3C, 0x00, 0x3C};  // d = 1, m = 1
  block[4] = 0x02;                               // qh bit 1: element 1 gets +16
  block[7] = 0x80;                               // qh bit 31: element 31 gets +16
  block[8] = 0x3F;                               // element 0 low nibble 15, element 16 high 3
  block[9] = 0x01;                               // element 1 low nibble 1
  block[23] = 0xF0;                              // element 15 code 0, element 31 nibble 15
  float out[32];
  decode_q5_1_block(block, out);
  EXPECT_EQ(out[0], 16.0f);   // 15 + 1
  EXPECT_EQ(out[16], 4.0f);   // 3 + 1
  EXPECT_EQ(out[1], 18.0f);   // 17 + 1
  EXPECT_EQ(out[15], 1.0f);   // 0 + 1
  EXPECT_EQ(out[31], 32.0f);  // 31 + 1
}

// IQ4_NL: a nibble (split order) picks one of 16 non-linear levels, times d.
TEST(Iq4NlBlock, nibbles_index_the_levels) {
  uint8_t block[18] = {0x00, 0x38};  // d = 0.5
  block[2] = 0xF0;                   // element 0 level 0 (-127), element 16 level 15 (113)
  block[17] = 0x87;                  // element 15 level 7 (-10), element 31 level 8 (1)
  float out[32];
  decode_iq4_nl_block(block, out);
  EXPECT_EQ(out[0], -63.5f);
  EXPECT_EQ(out[16], 56.5f);
  EXPECT_EQ(out[15], -5.0f);
  EXPECT_EQ(out[31], 0.5f);
  EXPECT_EQ(out[1], -63.5f);  // code 0
}

// Q4_K: sub-blocks 0 and 5 of one super-block, whose 6-bit scale and min come from different
// places of the 12 packed bytes: d = 1, dmin = 0.5.
TEST(Q4KBlock, packed_scales_mins_and_nibbles) {
  uint8_t block[144] = {0x00, 0x3C, 0x00, 0x38};
  uint8_t* scales = block + 4;
  scales[0] = 3;               // sub-block 0: sc 3
  scales[4] = 5;               // sub-block 0: m 5
  scales[1] = 0x40;            // top bits 1 of sub-block 5's scale (sc4..7 from bytes 0..3)
  scales[5] = 0x80;            // top bits 2 of sub-block 5's min
  scales[9] = 0x72;            // sub-block 5: sc low nibble 2, m low nibble 7
  block[16 + 0] = 0x09;        // sub-block 0 element 0: 9 (low nibble of qs[0])
  block[16 + 64 + 31] = 0xB0;  // sub-block 5 (high nibbles of qs[64..95]) element 31: 11
  float out[256], magnitude[256];
  decode_q4_k_block(block, out, magnitude);
  EXPECT_EQ(out[0], 3.0f * 9 - 0.5f * 5);               // 24.5
  EXPECT_EQ(out[5 * 32 + 31], 18.0f * 11 - 0.5f * 39);  // sc 2 | 1 << 4, m 7 | 2 << 4
  EXPECT_EQ(magnitude[5 * 32 + 31], 18.0f * 11 + 0.5f * 39);
  EXPECT_EQ(out[1], -2.5f);  // code 0: the minimum alone
}

// Q5_K: element l of sub-block s takes bit s of qh[l] as its fifth bit.
TEST(Q5KBlock, fifth_bit_from_qh_by_sub_block) {
  uint8_t block[176] = {0x00, 0x3C, 0x00, 0x00};  // d = 1, dmin = 0
  block[4 + 3] = 1;                               // sub-block 3: sc 1
  block[16 + 7] = 1 << 3;                         // qh[7] bit 3: sub-block 3 element 7 +16
  block[48 + 32 + 7] = 0x40;                      // sub-block 3 (high nibbles of qs[32..63]): 4
  float out[256];
  decode_q5_k_block(block, out);
  EXPECT_EQ(out[3 * 32 + 7], 20.0f);
  EXPECT_EQ(out[2 * 32 + 7], 0.0f);  // sub-block 2 has scale 0
}

// Q6_K: low bits from ql, bits 4-5 from qh, minus 32, one int8 scale per 16 elements.
TEST(Q6KBlock, two_halves_and_scales_per_16) {
  uint8_t block[210] = {};
  block[208] = 0x00, block[209] = 0x38;  // d = 0.5
  int8_t* scales = reinterpret_cast<int8_t*>(block + 192);
  for (int i = 0; i < 16; ++i) scales[i] = static_cast<int8_t>(i + 1);
  scales[8 + 2 * 3 + 1] = -4;     // half 1, t = 3, elements 16..31
  block[64 + 32 + 20] = 0xF0;     // half 1, t = 3 takes high nibbles of ql[96..127]: 15
  block[128 + 32 + 20] = 3 << 6;  // qh bits 6-7 (t = 3): 3 -> q = 15 | 48 = 63
  float out[256];
  decode_q6_k_block(block, out);
  EXPECT_EQ(out[128 + 96 + 20], 0.5f * -4 * (63 - 32));
  EXPECT_EQ(out[0], 0.5f * 1 * -32);   // code 0, scale 1
  EXPECT_EQ(out[16], 0.5f * 2 * -32);  // the second 16 of block 0 take scale 2
}

// IQ4_XS: block ib's 6-bit scale from nibble ib of scales_l and bits 2ib.. of scales_h, minus 32.
TEST(Iq4XsBlock, six_bit_scales_and_levels) {
  uint8_t block[136] = {0x00, 0x3C};  // d = 1
  block[2] = 0x00, block[3] = 0x20;   // scales_h bits 12-13 (block 6): 2
  block[4 + 3] = 0x05;                // scales_l byte 3 low nibble (block 6): 5 -> ls 37
  block[8 + 16 * 6 + 0] = 0xF8;       // block 6: element 0 level 8 (1), element 16 level 15 (113)
  float out[256];
  decode_iq4_xs_block(block, out);
  EXPECT_EQ(out[6 * 32], 5.0f);
  EXPECT_EQ(out[6 * 32 + 16], 565.0f);
  EXPECT_EQ(out[0], 32.0f * 127);  // block 0: ls 0 -> -32, level 0 (-127)
}

// Q3_K: 2-bit codes, a third bit from hmask (clear: minus 4), 6-bit scales per 16 minus 32.
TEST(Q3KBlock, codes_high_bits_and_packed_scales) {
  uint8_t block[110] = {};
  block[108] = 0x00, block[109] = 0x3C;  // d = 1
  uint8_t* scales = block + 96;
  // Scale k = 13 (half 1, j = 2, elements 16..31): high nibble of byte 5, top bits 2-3 of byte
  // 9 (k / 4 = 3: bits 6-7).
  scales[5] = 0x70;            // low four bits 7
  scales[9] = 0x80;            // top two bits 2: sc = 7 | 32 = 39, minus 32: 7
  block[32 + 32 + 20] = 0x30;  // half 1, element 20, j = 2: code (0x30 >> 4) & 3 = 3
  block[20] = 1 << 6;          // hmask[20] bit 4n + j = 6: set, so no minus 4
  float out[256];
  decode_q3_k_block(block, out);
  EXPECT_EQ(out[128 + 64 + 20], 7.0f * 3);
  EXPECT_EQ(out[0], -32.0f * -4);  // code 0, bit clear, scale 0 - 32
}

// Q2_K: 2-bit codes; a byte per 16 elements, low nibble a scale, high nibble a min.
TEST(Q2KBlock, codes_scales_and_mins_per_16) {
  uint8_t block[84] = {};
  block[80] = 0x00, block[81] = 0x40;  // d = 2
  block[82] = 0x00, block[83] = 0x38;  // dmin = 0.5
  block[8 + 2 * 1 + 1] = 0x53;         // half 1, j = 1, elements 16..31: scale 3, min 5
  block[16 + 32 + 17] = 0x0C;          // code (0x0C >> 2) & 3 = 3
  float out[256], magnitude[256];
  decode_q2_k_block(block, out, magnitude);
  EXPECT_EQ(out[128 + 32 + 17], 2.0f * 3 * 3 - 0.5f * 5);
  EXPECT_EQ(magnitude[128 + 32 + 17], 18.0f + 2.5f);
  EXPECT_EQ(out[0], 0.0f);
}

// OpenAI/HF linear order: byte j holds elements 2j (low nibble) and 2j+1 (high nibble).
TEST(Mxfp4LinearBlock, linear_nibble_order) {
  uint8_t bytes[16] = {0x21};  // element 0 = 0.5, element 1 = 1.0
  bytes[15] = 0xF7;            // element 30 = 6, element 31 = -6
  float out[32];
  decode_mxfp4_linear_block(bytes, 0x7F, out);
  EXPECT_EQ(out[0], 0.5f);
  EXPECT_EQ(out[1], 1.0f);
  EXPECT_EQ(out[30], 6.0f);
  EXPECT_EQ(out[31], -6.0f);
  EXPECT_EQ(out[16], 0.0f);
}

// MLX affine, 8-bit, group 32: element i is byte i; value = scale * q + bias, scale may be < 0.
TEST(MlxAffine, eight_bit_with_negative_scale) {
  std::vector<uint8_t> data(32), scales = {0x00, 0xBF}, biases = {0x80, 0x40};  // bf16 -0.5, 4.0
  data[0] = 0;
  data[1] = 3;
  data[31] = 255;
  TensorData w{TensorFormat::mlx_affine8, 1, 32, data, scales, biases, 32, ScaleDtype::bf16};
  float out[32], mag[32];
  decode_row(w, 0, out, mag);
  EXPECT_EQ(out[0], 4.0f);
  EXPECT_EQ(out[1], 2.5f);
  EXPECT_EQ(out[31], -123.5f);
  EXPECT_EQ(mag[1], 5.5f);  // |scale * q| + |bias|
}

// MLX affine, 4-bit: element i is nibble i of the little-endian words (LSB first); fp16 params.
TEST(MlxAffine, four_bit_lsb_first_fp16_params) {
  std::vector<uint8_t> data(16), scales = {0x00, 0x3C}, biases = {0x00, 0xC0};  // fp16 1.0, -2.0
  data[0] = 0x5A;   // element 0 = 10, 1 = 5
  data[15] = 0xF0;  // element 30 = 0, 31 = 15
  TensorData w{TensorFormat::mlx_affine4, 1, 32, data, scales, biases, 32, ScaleDtype::f16};
  float out[32];
  decode_row(w, 0, out);
  EXPECT_EQ(out[0], 8.0f);
  EXPECT_EQ(out[1], 3.0f);
  EXPECT_EQ(out[30], -2.0f);
  EXPECT_EQ(out[31], 13.0f);
}

// The odd widths straddle bytes and words: code i at bits [b*i, b*i + b) of the row's stream.
// Each block is written from a list of codes by an independent packer (bit by bit), scale 1 and
// bias 0 in f32, so the decoded values are the codes themselves.
std::vector<uint8_t> pack_bits(const std::vector<uint32_t>& codes, uint32_t bits) {
  std::vector<uint8_t> out(codes.size() * bits / 8);
  for (size_t i = 0; i < codes.size(); ++i)
    for (uint32_t b = 0; b < bits; ++b)
      if ((codes[i] >> b) & 1u)
        out[(i * bits + b) / 8] |= static_cast<uint8_t>(1u << ((i * bits + b) % 8));
  return out;
}

TEST(MlxAffine, odd_widths_straddle_words) {
  for (uint32_t bits : {2u, 3u, 5u, 6u}) {
    std::vector<uint32_t> codes(64);
    for (uint32_t i = 0; i < 64; ++i) codes[i] = (i * 7 + 3) % (1u << bits);
    codes[10] = (1u << bits) - 1;  // 3-bit: bits 30..32, across words 0 and 1
    codes[21] = (1u << bits) - 1;  // 3-bit: bits 63..65; 5-bit: 105..109; 6-bit: 126..131
    const std::vector<uint8_t> data = pack_bits(codes, bits);
    const float one = 1.0f, zero = 0.0f;
    std::vector<uint8_t> scales(8), biases(8);
    for (int g = 0; g < 2; ++g) {
      std::memcpy(&scales[4 * g], &one, 4);
      std::memcpy(&biases[4 * g], &zero, 4);
    }
    TensorFormat f;
    ASSERT_TRUE(mlx_affine_format(bits, &f));
    TensorData w{f, 1, 64, data, scales, biases, 32, ScaleDtype::f32};
    float out[64];
    decode_row(w, 0, out);
    for (uint32_t i = 0; i < 64; ++i)
      EXPECT_EQ(out[i], static_cast<float>(codes[i])) << bits << " bits, element " << i;
  }
}

// 6-bit, group 64 (two blocks), worked by hand: element 1 is stream bits 6..11, code 45 =
// 0b101101: its bits 0-1 are byte 0's bits 6-7 (0x40), its bits 2-5 byte 1's bits 0-3 (0x0B).
TEST(MlxAffine, six_bit_hand_worked) {
  std::vector<uint8_t> data(48), scales = {0x80, 0x3F}, biases = {0x00, 0xC0};  // bf16 1.0, -2.0
  data[0] = 0x40;  // element 0 = 0, element 1 low bits 01
  data[1] = 0x0B;  // element 1 high bits 1011
  TensorData w{TensorFormat::mlx_affine6, 1, 64, data, scales, biases, 64, ScaleDtype::bf16};
  float out[64];
  decode_row(w, 0, out);
  EXPECT_EQ(out[0], -2.0f);
  EXPECT_EQ(out[1], 43.0f);  // 45 * 1 - 2
  EXPECT_EQ(out[2], -2.0f);
}

}  // namespace
}  // namespace ossvk::reference
