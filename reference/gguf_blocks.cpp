#include "reference/gguf_blocks.h"

#include <bit>
#include <cmath>
#include <limits>

namespace ossvk::reference {

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
  float d = f16_to_f32(static_cast<uint16_t>(block[0] | (block[1] << 8)));
  for (int j = 0; j < 32; ++j) out[j] = d * static_cast<float>(static_cast<int8_t>(block[2 + j]));
}

}  // namespace ossvk::reference
