#include "reference/matmul.h"

#include <cmath>
#include <cstring>

#include "reference/blocks.h"

namespace ossvk::reference {
namespace {

uint16_t le16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] | (p[1] << 8));
}

}  // namespace

void decode_row(const TensorData& w, uint64_t row, float* out, float* magnitude) {
  const uint64_t k = w.k;
  const uint64_t blocks = k / kBlockElements;
  const TensorFormatInfo& f = tensor_format_info(w.format);
  const uint64_t row_bytes = k / f.block_elements * f.block_bytes;
  const uint8_t* p = w.data.data() + row * row_bytes;
  switch (w.format) {
    case TensorFormat::f32:
      std::memcpy(out, p, k * 4);
      break;
    case TensorFormat::f16:
      for (uint64_t i = 0; i < k; ++i) out[i] = f16_to_f32(le16(p + 2 * i));
      break;
    case TensorFormat::bf16:
      for (uint64_t i = 0; i < k; ++i) out[i] = bf16_to_f32(le16(p + 2 * i));
      break;
    case TensorFormat::q8_0:
      for (uint64_t b = 0; b < blocks; ++b) decode_q8_0_block(p + b * 34, out + b * 32);
      break;
    case TensorFormat::q5_0:
      for (uint64_t b = 0; b < blocks; ++b) decode_q5_0_block(p + b * 22, out + b * 32);
      break;
    case TensorFormat::q4_0:
      for (uint64_t b = 0; b < blocks; ++b) decode_q4_0_block(p + b * 18, out + b * 32);
      break;
    case TensorFormat::q4_1:
      for (uint64_t b = 0; b < blocks; ++b)
        decode_q4_1_block(p + b * 20, out + b * 32, magnitude ? magnitude + b * 32 : nullptr);
      return;
    case TensorFormat::q5_1:
      for (uint64_t b = 0; b < blocks; ++b)
        decode_q5_1_block(p + b * 24, out + b * 32, magnitude ? magnitude + b * 32 : nullptr);
      return;
    case TensorFormat::q4_k:
      for (uint64_t b = 0; b < k / 256; ++b)
        decode_q4_k_block(p + b * 144, out + b * 256, magnitude ? magnitude + b * 256 : nullptr);
      return;
    case TensorFormat::q5_k:
      for (uint64_t b = 0; b < k / 256; ++b)
        decode_q5_k_block(p + b * 176, out + b * 256, magnitude ? magnitude + b * 256 : nullptr);
      return;
    case TensorFormat::q6_k:
      for (uint64_t b = 0; b < k / 256; ++b) decode_q6_k_block(p + b * 210, out + b * 256);
      break;
    case TensorFormat::q3_k:
      for (uint64_t b = 0; b < k / 256; ++b) decode_q3_k_block(p + b * 110, out + b * 256);
      break;
    case TensorFormat::q2_k:
      for (uint64_t b = 0; b < k / 256; ++b)
        decode_q2_k_block(p + b * 84, out + b * 256, magnitude ? magnitude + b * 256 : nullptr);
      return;
    case TensorFormat::iq4_xs:
      for (uint64_t b = 0; b < k / 256; ++b) decode_iq4_xs_block(p + b * 136, out + b * 256);
      break;
    case TensorFormat::iq4_nl:
      for (uint64_t b = 0; b < blocks; ++b) decode_iq4_nl_block(p + b * 18, out + b * 32);
      break;
    case TensorFormat::mxfp4:
      for (uint64_t b = 0; b < blocks; ++b) decode_mxfp4_block(p + b * 17, out + b * 32);
      break;
    case TensorFormat::mxfp4_linear:
      for (uint64_t b = 0; b < blocks; ++b)
        decode_mxfp4_linear_block(p + b * 16, w.scales[row * blocks + b], out + b * 32);
      break;
    case TensorFormat::mlx_affine2:
    case TensorFormat::mlx_affine3:
    case TensorFormat::mlx_affine4:
    case TensorFormat::mlx_affine5:
    case TensorFormat::mlx_affine6:
    case TensorFormat::mlx_affine8: {
      const uint64_t bits = mlx_affine_bits(w.format);
      const uint64_t groups = k / w.group_size;
      auto param = [&](std::span<const uint8_t> v, uint64_t g) {
        switch (w.scale_dtype) {
          case ScaleDtype::bf16:
            return bf16_to_f32(le16(v.data() + 2 * g));
          case ScaleDtype::f16:
            return f16_to_f32(le16(v.data() + 2 * g));
          case ScaleDtype::f32:
            break;
        }
        float f;
        std::memcpy(&f, v.data() + 4 * g, 4);
        return f;
      };
      for (uint64_t i = 0; i < k; ++i) {
        uint64_t g = row * groups + i / w.group_size;
        float scale = param(w.scales, g);
        float bias = param(w.biases, g);
        // The row is one LSB-first bit stream: element i at bits [bits*i, bits*i + bits), read
        // from the (at most two) bytes it touches.
        const uint64_t bit = bits * i;
        const uint32_t pair = p[bit / 8] | (bit / 8 + 1 < k * bits / 8 ? p[bit / 8 + 1] << 8 : 0);
        const uint32_t q = (pair >> (bit % 8)) & ((1u << bits) - 1);
        out[i] = scale * static_cast<float>(q) + bias;
        if (magnitude) magnitude[i] = std::fabs(scale * static_cast<float>(q)) + std::fabs(bias);
      }
      return;
    }
  }
  if (magnitude)
    for (uint64_t i = 0; i < k; ++i) magnitude[i] = std::fabs(out[i]);
}

MatmulResult matmul(const TensorData& w, std::span<const float> x, uint64_t n,
                    std::span<const float> bias) {
  const uint64_t m = w.m, k = w.k;
  MatmulResult r;
  r.y.resize(n * m);
  r.abs_dot.resize(n * m);
  std::vector<float> row(k), mag(k);
  for (uint64_t i = 0; i < m; ++i) {
    decode_row(w, i, row.data(), mag.data());
    for (uint64_t t = 0; t < n; ++t) {
      const float* xt = x.data() + t * k;
      double sum = bias.empty() ? 0.0 : bias[i];
      double abs_sum = bias.empty() ? 0.0 : std::fabs(bias[i]);
      for (uint64_t j = 0; j < k; ++j) {
        sum += static_cast<double>(row[j]) * xt[j];
        abs_sum += static_cast<double>(mag[j]) * std::fabs(xt[j]);
      }
      r.y[t * m + i] = static_cast<float>(sum);
      r.abs_dot[t * m + i] = abs_sum;
    }
  }
  return r;
}

}  // namespace ossvk::reference
