#include "reference/blocks.h"

#include <bit>
#include <cmath>
#include <limits>

namespace ossvk::reference {
namespace {

uint16_t le16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] | (p[1] << 8));
}

}  // namespace

float f16_to_f32(uint16_t h) {
  int sign = (h >> 15) & 1;
  int exponent = (h >> 10) & 0x1F;
  int mantissa = h & 0x3FF;
  double v;
  if (exponent == 0)
    v = std::ldexp(mantissa, -24);
  else if (exponent == 31)
    v = mantissa ? std::numeric_limits<double>::quiet_NaN()
                 : std::numeric_limits<double>::infinity();
  else
    v = std::ldexp(1024 + mantissa, exponent - 25);
  return static_cast<float>(sign ? -v : v);
}

float bf16_to_f32(uint16_t bits) {
  return std::bit_cast<float>(static_cast<uint32_t>(bits) << 16);
}

float e2m1_to_f32(uint8_t code) {
  static constexpr float kValues[8] = {0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 6.0f};
  float v = kValues[code & 7];
  return (code & 8) ? -v : v;
}

float e8m0_to_f32(uint8_t s) {
  if (s == 0xFF) return std::numeric_limits<float>::quiet_NaN();
  uint32_t bits = s == 0 ? 0x00400000u : static_cast<uint32_t>(s) << 23;
  return std::bit_cast<float>(bits);
}

void decode_mxfp4_block(const uint8_t* block, float out[32]) {
  float scale = e8m0_to_f32(block[0]);
  for (int j = 0; j < 16; ++j) {
    out[j] = e2m1_to_f32(block[1 + j] & 0x0F) * scale;
    out[j + 16] = e2m1_to_f32(block[1 + j] >> 4) * scale;
  }
}

void decode_q8_0_block(const uint8_t* block, float out[32]) {
  float d = f16_to_f32(le16(block));
  for (int j = 0; j < 32; ++j) out[j] = d * static_cast<float>(static_cast<int8_t>(block[2 + j]));
}

void decode_q5_0_block(const uint8_t* block, float out[32]) {
  float d = f16_to_f32(le16(block));
  uint32_t qh =
      block[2] | (block[3] << 8) | (block[4] << 16) | (static_cast<uint32_t>(block[5]) << 24);
  const uint8_t* qs = block + 6;
  for (int j = 0; j < 16; ++j) {
    int lo = (qs[j] & 0x0F) | (((qh >> j) & 1) << 4);
    int hi = (qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4);
    out[j] = d * static_cast<float>(lo - 16);
    out[j + 16] = d * static_cast<float>(hi - 16);
  }
}

void decode_q4_0_block(const uint8_t* block, float out[32]) {
  float d = f16_to_f32(le16(block));
  for (int j = 0; j < 16; ++j) {
    out[j] = d * static_cast<float>((block[2 + j] & 0x0F) - 8);
    out[j + 16] = d * static_cast<float>((block[2 + j] >> 4) - 8);
  }
}

void decode_q4_1_block(const uint8_t* block, float out[32], float* magnitude) {
  const float d = f16_to_f32(le16(block)), m = f16_to_f32(le16(block + 2));
  for (int j = 0; j < 32; ++j) {
    const int q = j < 16 ? block[4 + j] & 0x0F : block[4 + j - 16] >> 4;
    out[j] = d * static_cast<float>(q) + m;
    if (magnitude) magnitude[j] = std::fabs(d * static_cast<float>(q)) + std::fabs(m);
  }
}

void decode_q5_1_block(const uint8_t* block, float out[32], float* magnitude) {
  const float d = f16_to_f32(le16(block)), m = f16_to_f32(le16(block + 2));
  const uint32_t qh =
      block[4] | (block[5] << 8) | (block[6] << 16) | (static_cast<uint32_t>(block[7]) << 24);
  const uint8_t* qs = block + 8;
  for (int j = 0; j < 32; ++j) {
    const int nibble = j < 16 ? qs[j] & 0x0F : qs[j - 16] >> 4;
    const int q = nibble | (((qh >> j) & 1) << 4);
    out[j] = d * static_cast<float>(q) + m;
    if (magnitude) magnitude[j] = std::fabs(d * static_cast<float>(q)) + std::fabs(m);
  }
}

void decode_iq4_nl_block(const uint8_t* block, float out[32]) {
  const float d = f16_to_f32(le16(block));
  for (int j = 0; j < 16; ++j) {
    out[j] = d * static_cast<float>(kIq4nlValues[block[2 + j] & 0x0F]);
    out[j + 16] = d * static_cast<float>(kIq4nlValues[block[2 + j] >> 4]);
  }
}

void decode_mxfp4_linear_block(const uint8_t* bytes, uint8_t scale_byte, float out[32]) {
  float scale = e8m0_to_f32(scale_byte);
  for (int j = 0; j < 16; ++j) {
    out[2 * j] = e2m1_to_f32(bytes[j] & 0x0F) * scale;
    out[2 * j + 1] = e2m1_to_f32(bytes[j] >> 4) * scale;
  }
}

}  // namespace ossvk::reference
