// Host conversions between float and the 16-bit formats (IEEE binary16, bfloat16), round to
// nearest even, subnormals included. The reference keeps its own decoders (reference/blocks.h),
// so a mistake here cannot hide in both.
#pragma once
#include <bit>
#include <cmath>
#include <cstdint>

namespace ossvk {

inline float f16_to_float(uint16_t h) {
  const int exp = (h >> 10) & 0x1f, man = h & 0x3ff;
  float v = exp == 0    ? std::ldexp(static_cast<float>(man), -24)
            : exp == 31 ? (man ? NAN : INFINITY)
                        : std::ldexp(static_cast<float>(man | 0x400), exp - 25);
  return (h & 0x8000) ? -v : v;
}

inline float bf16_to_float(uint16_t h) {
  return std::bit_cast<float>(uint32_t{h} << 16);
}

// Finite values within the binary16 range.
inline uint16_t float_to_f16(float f) {
  const uint16_t sign = std::signbit(f) ? 0x8000 : 0;
  if (f == 0.0f) return sign;
  int e;
  const float mant = std::frexp(std::fabs(f), &e);  // |f| = mant 2^e, mant in [0.5, 1)
  int exponent = e + 14;                            // binary16: (1 + m/1024) 2^(exponent - 15)
  if (exponent <= 0)                                // subnormal: m 2^-24
    return static_cast<uint16_t>(sign | std::lrint(std::ldexp(std::fabs(f), 24)));
  long m = std::lrint((mant * 2.0f - 1.0f) * 1024.0f);
  if (m == 1024) m = 0, ++exponent;
  return static_cast<uint16_t>(sign | (exponent << 10) | m);
}

inline uint16_t float_to_bf16(float f) {
  const uint32_t b = std::bit_cast<uint32_t>(f);
  return static_cast<uint16_t>((b + 0x7FFF + ((b >> 16) & 1)) >> 16);
}

}  // namespace ossvk
