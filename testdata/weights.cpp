#include "testdata/weights.h"

#include <bit>
#include <cmath>
#include <cstring>

#include "backend/formats/half.h"
#include "reference/matmul.h"

namespace ossvk::testing {
namespace {

int uniform_int(Rng& rng, int lo, int hi) {
  return std::uniform_int_distribution<int>(lo, hi)(rng);
}

void put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v & 0xFF);
  p[1] = static_cast<uint8_t>(v >> 8);
}

// f16 scale 2^e.
uint16_t f16_pow2(int e) {
  return static_cast<uint16_t>((e + 15) << 10);
}

float dyadic(Rng& rng) {
  static constexpr float kExact[] = {0.0f, 0.5f, -0.5f, 1.0f, -1.0f, 2.0f, -2.0f};
  return kExact[uniform_int(rng, 0, 6)];
}

}  // namespace

float store_scale(ScaleDtype dtype, float v, uint8_t* out) {
  switch (dtype) {
    case ScaleDtype::bf16:
      put16(out, float_to_bf16(v));
      return bf16_to_float(float_to_bf16(v));
    case ScaleDtype::f16:
      put16(out, float_to_f16(v));
      return f16_to_float(float_to_f16(v));
    case ScaleDtype::f32:
      break;
  }
  std::memcpy(out, &v, 4);
  return v;
}

HostMatrix random_matrix(TensorFormat format, uint64_t m, uint64_t k, Data data, Rng& rng,
                         uint32_t group_size, ScaleDtype scale_dtype) {
  HostMatrix h;
  h.format = format;
  h.m = m;
  h.k = k;
  h.group_size = group_size;
  h.scale_dtype = scale_dtype;
  TensorData shape{format, m, k, {}, {}, {}, group_size, scale_dtype};
  h.data.resize(shape.expected_data_bytes());
  h.scales.resize(shape.expected_scale_bytes());
  if (tensor_format_info(format).affine) h.biases.resize(shape.expected_scale_bytes());
  const bool exact = data == Data::exact;
  const uint64_t blocks = m * (k / 32);
  std::uniform_real_distribution<float> small(-0.05f, 0.05f);
  auto random_bytes = [&](uint8_t* p, size_t n) {
    for (size_t i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(uniform_int(rng, 0, 255));
  };
  // fp16 block scale: exact 2^-2 .. 2^1; realistic 2^-9 .. 2^-7 with a random mantissa.
  auto block_d = [&] {
    return exact ? f16_pow2(uniform_int(rng, -2, 1))
                 : static_cast<uint16_t>(((uniform_int(rng, -9, -7) + 15) << 10) |
                                         uniform_int(rng, 0, 1023));
  };

  switch (format) {
    case TensorFormat::f32:
      for (uint64_t i = 0; i < m * k; ++i) {
        float v = exact ? dyadic(rng) : small(rng);
        std::memcpy(h.data.data() + 4 * i, &v, 4);
      }
      break;
    case TensorFormat::f16:
    case TensorFormat::bf16:
      for (uint64_t i = 0; i < m * k; ++i) {
        float v = exact ? dyadic(rng) : small(rng);
        put16(h.data.data() + 2 * i,
              format == TensorFormat::f16 ? float_to_f16(v) : float_to_bf16(v));
      }
      break;
    case TensorFormat::q8_0:
      for (uint64_t b = 0; b < blocks; ++b) {
        uint8_t* p = h.data.data() + b * 34;
        put16(p, block_d());
        for (int j = 2; j < 34; ++j)
          p[j] = static_cast<uint8_t>(
              static_cast<int8_t>(exact ? uniform_int(rng, -16, 16) : uniform_int(rng, -127, 127)));
      }
      break;
    case TensorFormat::q4_1:
    case TensorFormat::q5_1: {
      const bool five = format == TensorFormat::q5_1;
      const int bytes = five ? 24 : 20;
      for (uint64_t b = 0; b < blocks; ++b) {
        uint8_t* p = h.data.data() + b * bytes;
        float d, min;
        if (exact) {  // as MLX 4-bit: d 2^-3 .. 2^0, m a multiple of 2^-4 in [-8, 8]
          d = std::ldexp(1.0f, uniform_int(rng, -3, 0));
          min = uniform_int(rng, -128, 128) / 16.0f;
        } else {  // m centres the codes' range, as llama-quantize's minimum does
          d = std::ldexp(1.0f + uniform_int(rng, 0, 1023) / 1024.0f, uniform_int(rng, -9, -7));
          min = -d * (five ? 16.0f : 8.0f) + small(rng) * 0.01f;
        }
        put16(p, float_to_f16(d));
        put16(p + 2, float_to_f16(min));
        random_bytes(p + 4, bytes - 4);
      }
      break;
    }
    case TensorFormat::q5_0:
    case TensorFormat::q4_0:
    case TensorFormat::iq4_nl: {
      const int bytes = format == TensorFormat::q5_0 ? 22 : 18;
      for (uint64_t b = 0; b < blocks; ++b) {
        uint8_t* p = h.data.data() + b * bytes;
        put16(p, block_d());
        random_bytes(p + 2, bytes - 2);
      }
      break;
    }
    case TensorFormat::q4_k:
    case TensorFormat::q5_k:
      // Random codes, fifth bits and packed 6-bit scales and mins; d and dmin as llama-quantize
      // leaves them (the largest scale / 63), or exact: powers of two 2^-6 .. 2^-4.
      for (uint64_t b = 0; b < m * (k / 256); ++b) {
        const uint32_t bytes = format == TensorFormat::q4_k ? 144 : 176;
        uint8_t* p = h.data.data() + b * bytes;
        for (int i = 0; i < 2; ++i)
          put16(p + 2 * i, exact ? f16_pow2(uniform_int(rng, -6, -4))
                                 : static_cast<uint16_t>(((uniform_int(rng, -14, -12) + 15) << 10) |
                                                         uniform_int(rng, 0, 1023)));
        random_bytes(p + 4, bytes - 4);
      }
      break;
    case TensorFormat::q3_k:
    case TensorFormat::q2_k: {
      // Random codes, high bits and scale bytes; d (and Q2_K's dmin) small, or exact powers of two.
      const bool three = format == TensorFormat::q3_k;
      const uint32_t bytes = three ? 110 : 84, d_at = three ? 108 : 80;
      for (uint64_t b = 0; b < m * (k / 256); ++b) {
        uint8_t* p = h.data.data() + b * bytes;
        random_bytes(p, bytes);
        for (uint32_t at = d_at; at < bytes; at += 2)
          put16(p + at, exact ? f16_pow2(uniform_int(rng, -6, -4))
                              : static_cast<uint16_t>(((uniform_int(rng, -12, -10) + 15) << 10) |
                                                      uniform_int(rng, 0, 1023)));
      }
      break;
    }
    case TensorFormat::iq4_xs:
      for (uint64_t b = 0; b < m * (k / 256); ++b) {
        uint8_t* p = h.data.data() + b * 136;
        put16(p, exact ? f16_pow2(uniform_int(rng, -8, -6))
                       : static_cast<uint16_t>(((uniform_int(rng, -14, -13) + 15) << 10) |
                                               uniform_int(rng, 0, 1023)));
        random_bytes(p + 2, 134);
      }
      break;
    case TensorFormat::q6_k:
      for (uint64_t b = 0; b < m * (k / 256); ++b) {
        uint8_t* p = h.data.data() + b * 210;
        random_bytes(p, 208);
        put16(p + 208, exact ? f16_pow2(uniform_int(rng, -8, -6))
                             : static_cast<uint16_t>(((uniform_int(rng, -14, -12) + 15) << 10) |
                                                     uniform_int(rng, 0, 1023)));
      }
      break;
    case TensorFormat::mxfp4:
      for (uint64_t b = 0; b < blocks; ++b) {
        uint8_t* p = h.data.data() + b * 17;
        // Real gpt-oss expert scales sit around 2^-11 .. 2^0; exact data uses 2^-2 .. 2^2.
        p[0] =
            static_cast<uint8_t>(exact ? uniform_int(rng, 125, 129) : uniform_int(rng, 116, 127));
        random_bytes(p + 1, 16);
      }
      break;
    case TensorFormat::mxfp4_linear:
      random_bytes(h.data.data(), h.data.size());
      for (auto& s : h.scales)
        s = static_cast<uint8_t>(exact ? uniform_int(rng, 125, 129) : uniform_int(rng, 116, 127));
      break;
    case TensorFormat::mlx_affine2:
    case TensorFormat::mlx_affine3:
    case TensorFormat::mlx_affine4:
    case TensorFormat::mlx_affine5:
    case TensorFormat::mlx_affine6:
    case TensorFormat::mlx_affine8: {
      random_bytes(h.data.data(), h.data.size());
      const int bits = static_cast<int>(mlx_affine_bits(format));
      // exact: the largest scale * q stays near 2^4 and the smallest scale is 2^-4, as for 4 bits.
      static constexpr int kExactExponent[9] = {0, 0, -2, -3, -3, -4, -4, 0, -4};
      const size_t param_bytes = scale_dtype_bytes(scale_dtype);
      for (size_t g = 0; g < h.scales.size() / param_bytes; ++g) {
        float s, b;
        if (exact) {
          // Scale 2^e or 2^(e+1); bias a multiple of 2^-4 in [-8, 8].
          s = std::ldexp(1.0f, kExactExponent[bits] + uniform_int(rng, 0, 1));
          b = uniform_int(rng, -128, 128) / 16.0f;
        } else {
          // Scales of both signs, as MLX's quantizer produces, spanning about 1/8 over the codes
          // (2^-11 at 8 bits, 2^-7 at 4); the bias centres the range.
          s = (uniform_int(rng, 0, 1) ? 1.0f : -1.0f) *
              std::ldexp(1.0f + uniform_int(rng, 0, 127) / 128.0f, -3 - bits);
          b = -s * std::ldexp(1.0f, bits - 1) + small(rng) * 0.1f;
        }
        store_scale(scale_dtype, s, h.scales.data() + param_bytes * g);
        store_scale(scale_dtype, b, h.biases.data() + param_bytes * g);
      }
      break;
    }
  }
  return h;
}

std::vector<float> random_vector(uint64_t n, Data data, Rng& rng) {
  std::vector<float> v(n);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (auto& x : v) x = data == Data::exact ? dyadic(rng) : dist(rng);
  return v;
}

HostMatrix gguf_mxfp4_to_linear(const HostMatrix& g) {
  HostMatrix h;
  h.format = TensorFormat::mxfp4_linear;
  h.m = g.m;
  h.k = g.k;
  const uint64_t blocks = g.m * (g.k / 32);
  h.data.resize(blocks * 16);
  h.scales.resize(blocks);
  for (uint64_t b = 0; b < blocks; ++b) {
    const uint8_t* src = g.data.data() + b * 17;
    h.scales[b] = src[0];
    uint8_t code[32];
    for (int j = 0; j < 16; ++j) code[j] = src[1 + j] & 0x0F, code[j + 16] = src[1 + j] >> 4;
    for (int j = 0; j < 16; ++j)
      h.data[b * 16 + j] = static_cast<uint8_t>(code[2 * j] | (code[2 * j + 1] << 4));
  }
  return h;
}

double matvec_error_bound(uint64_t k, double abs_dot) {
  // Plus one smallest normal for results that underflow.
  return static_cast<double>(k / 32 + 32) * std::ldexp(1.0, -24) * abs_dot + 1.2e-38;
}

double matmul_error_bound(uint64_t k, double abs_dot) {
  return static_cast<double>(k + 3) * std::ldexp(1.0, -24) * abs_dot + 1.2e-38;
}

double mma_error_bound(uint64_t k, double abs_dot, double abs_w, double abs_x) {
  const double rho = kMmaOperandRounding;
  const double rounding = (3 * rho + rho * rho) * abs_dot + 0x1p-35 * (abs_w + abs_x) +
                          0x1p-49 * static_cast<double>(k);
  return rounding + matmul_error_bound(k, abs_dot * (1 + 0x1p-9));
}

std::vector<double> abs_row_sums(const TensorData& w) {
  std::vector<double> sums(w.m);
  std::vector<float> values(w.k), magnitude(w.k);
  for (uint64_t r = 0; r < w.m; ++r) {
    reference::decode_row(w, r, values.data(), magnitude.data());
    for (float v : magnitude) sums[r] += v;
  }
  return sums;
}

std::vector<double> abs_row_sums(std::span<const float> x, uint64_t k) {
  std::vector<double> sums(x.size() / k);
  for (uint64_t i = 0; i < x.size(); ++i) sums[i / k] += std::fabs(x[i]);
  return sums;
}

}  // namespace ossvk::testing
