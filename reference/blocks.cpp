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

namespace {

// 16 bytes of IQ4_NL codes in split order times d.
void decode_iq4_nl_codes(const uint8_t* qs, float d, float out[32]) {
  for (int j = 0; j < 16; ++j) {
    out[j] = d * static_cast<float>(kIq4nlValues[qs[j] & 0x0F]);
    out[j + 16] = d * static_cast<float>(kIq4nlValues[qs[j] >> 4]);
  }
}

}  // namespace

void decode_iq4_nl_block(const uint8_t* block, float out[32]) {
  decode_iq4_nl_codes(block + 2, f16_to_f32(le16(block)), out);
}

namespace {

// Q4_K/Q5_K sub-block s's 6-bit scale and min from the 12 packed bytes.
void k_scale_min(const uint8_t* scales, int s, int* sc, int* m) {
  if (s < 4) {
    *sc = scales[s] & 63;
    *m = scales[s + 4] & 63;
  } else {
    *sc = (scales[s + 4] & 0x0F) | ((scales[s - 4] >> 6) << 4);
    *m = (scales[s + 4] >> 4) | ((scales[s] >> 6) << 4);
  }
}

// Q4_K (qh null) and Q5_K.
void decode_k_block(const uint8_t* block, const uint8_t* qh, const uint8_t* qs, float out[256],
                    float* magnitude) {
  const float d = f16_to_f32(le16(block)), dmin = f16_to_f32(le16(block + 2));
  for (int s = 0; s < 8; ++s) {
    int sc, m;
    k_scale_min(block + 4, s, &sc, &m);
    const float scale = d * static_cast<float>(sc), min = dmin * static_cast<float>(m);
    for (int l = 0; l < 32; ++l) {
      const uint8_t byte = qs[32 * (s / 2) + l];
      int q = s % 2 ? byte >> 4 : byte & 0x0F;
      if (qh) q |= ((qh[l] >> s) & 1) << 4;
      out[32 * s + l] = scale * static_cast<float>(q) - min;
      if (magnitude)
        magnitude[32 * s + l] = std::fabs(scale * static_cast<float>(q)) + std::fabs(min);
    }
  }
}

}  // namespace

void decode_q4_k_block(const uint8_t* block, float out[256], float* magnitude) {
  decode_k_block(block, nullptr, block + 16, out, magnitude);
}

void decode_q5_k_block(const uint8_t* block, float out[256], float* magnitude) {
  decode_k_block(block, block + 16, block + 48, out, magnitude);
}

void decode_q6_k_block(const uint8_t* block, float out[256]) {
  const uint8_t *ql = block, *qh = block + 128;
  const int8_t* scales = reinterpret_cast<const int8_t*>(block + 192);
  const float d = f16_to_f32(le16(block + 208));
  for (int n = 0; n < 2; ++n)
    for (int t = 0; t < 4; ++t)
      for (int l = 0; l < 32; ++l) {
        const uint8_t low = ql[64 * n + 32 * (t & 1) + l];
        const int q =
            ((t < 2 ? low & 0x0F : low >> 4) | (((qh[32 * n + l] >> (2 * t)) & 3) << 4)) - 32;
        const int sc = scales[8 * n + 2 * t + l / 16];
        out[128 * n + 32 * t + l] = d * static_cast<float>(sc) * static_cast<float>(q);
      }
}

void decode_iq4_xs_block(const uint8_t* block, float out[256]) {
  const float d = f16_to_f32(le16(block));
  const uint16_t scales_h = le16(block + 2);
  for (int ib = 0; ib < 8; ++ib) {
    const int ls =
        ((block[4 + ib / 2] >> (4 * (ib % 2))) & 0x0F) | (((scales_h >> (2 * ib)) & 3) << 4);
    const float dl = d * static_cast<float>(ls - 32);
    decode_iq4_nl_codes(block + 8 + 16 * ib, dl, out + 32 * ib);
  }
}

void decode_q3_k_block(const uint8_t* block, float out[256]) {
  const uint8_t *hmask = block, *qs = block + 32, *scales = block + 96;
  const float d = f16_to_f32(le16(block + 108));
  for (int s = 0; s < 8; ++s) {
    const int n = s / 4, j = s % 4;
    for (int l = 0; l < 32; ++l) {
      const int k = 8 * n + 2 * j + l / 16;
      const int low = k < 8 ? scales[k] & 0x0F : scales[k - 8] >> 4;
      const int sc = (low | (((scales[8 + k % 4] >> (2 * (k / 4))) & 3) << 4)) - 32;
      const int q = ((qs[32 * n + l] >> (2 * j)) & 3) - ((hmask[l] >> (4 * n + j)) & 1 ? 0 : 4);
      out[32 * s + l] = d * static_cast<float>(sc) * static_cast<float>(q);
    }
  }
}

void decode_q2_k_block(const uint8_t* block, float out[256], float* magnitude) {
  const uint8_t *scales = block, *qs = block + 16;
  const float d = f16_to_f32(le16(block + 80)), dmin = f16_to_f32(le16(block + 82));
  for (int s = 0; s < 8; ++s) {
    const int n = s / 4, j = s % 4;
    for (int l = 0; l < 32; ++l) {
      const uint8_t k = scales[8 * n + 2 * j + l / 16];
      const float scale = d * static_cast<float>(k & 0x0F), min = dmin * static_cast<float>(k >> 4);
      const int q = (qs[32 * n + l] >> (2 * j)) & 3;
      out[32 * s + l] = scale * static_cast<float>(q) - min;
      if (magnitude)
        magnitude[32 * s + l] = std::fabs(scale * static_cast<float>(q)) + std::fabs(min);
    }
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
