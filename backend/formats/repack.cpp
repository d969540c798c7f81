#include "backend/formats/repack.h"

#include <algorithm>
#include <cstring>

namespace ossvk {
namespace {

uint16_t le16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] | (p[1] << 8));
}
bool f16_non_finite(uint16_t h) {
  return (h & 0x7C00) == 0x7C00;
}
bool bf16_non_finite(uint16_t h) {
  return (h & 0x7F80) == 0x7F80;
}

// 16 bytes of linear-order nibbles (byte j: elements 2j, 2j+1) to split order (byte j: elements
// j, j+16).
void linear_to_split(const uint8_t* in, uint8_t* out) {
  uint8_t e[32];
  for (int j = 0; j < 16; ++j) e[2 * j] = in[j] & 0x0F, e[2 * j + 1] = in[j] >> 4;
  for (int j = 0; j < 16; ++j) out[j] = static_cast<uint8_t>(e[j] | (e[j + 16] << 4));
}

// Bits [2s, 2s + 2) of byte 4u + j of `out` (8 bytes) hold element 4(2s + u) + j of `v`
// (device_format.h's crumbs).
void put_crumbs(const uint8_t v[32], uint8_t* out) {
  std::memset(out, 0, 8);
  for (int e = 0; e < 32; ++e) {
    const int t = e >> 2, byte = 4 * (t & 1) + (e & 3);
    out[byte] = static_cast<uint8_t>(out[byte] | ((v[e] & 3) << (2 * (t >> 1))));
  }
}

// Bit j of the little-endian word at `out` is bit 0 of v[j].
void put_bits(const uint8_t v[32], uint8_t* out) {
  uint32_t word = 0;
  for (int e = 0; e < 32; ++e) word |= uint32_t{v[e] & 1u} << e;
  std::memcpy(out, &word, 4);
}

// MLX affine of any width: each block's codes from the row's bit stream into the device planes
// (device_format.h), each group's scale and bias into one record.
void repack_mlx_affine(const TensorData& w, const uint8_t* src, uint64_t first_group,
                       uint64_t groups, Planes& p) {
  const uint32_t bits = mlx_affine_bits(w.format);
  const uint64_t blocks =
      p.quants.size() / device_format_info(device_format_of(w.format)).quant_bytes;
  for (uint64_t b = 0; b < blocks; ++b) {
    const uint8_t* in = src + b * 4 * bits;  // 32 codes of `bits` bits: `bits` words
    uint8_t q[32], high[32];
    for (uint32_t e = 0; e < 32; ++e) {
      const uint32_t bit = bits * e;
      const uint32_t pair = in[bit / 8] | (bit / 8 + 1 < 4 * bits ? in[bit / 8 + 1] << 8 : 0u);
      q[e] = static_cast<uint8_t>((pair >> (bit % 8)) & ((1u << bits) - 1));
    }
    uint8_t* quants = p.quants.data() + b * (p.quants.size() / blocks);
    uint8_t* aux = p.aux.empty() ? nullptr : p.aux.data() + b * (p.aux.size() / blocks);
    if (bits == 8) {
      std::memcpy(quants, q, 32);
      continue;
    }
    if (bits >= 4) {
      for (int j = 0; j < 16; ++j) quants[j] = static_cast<uint8_t>((q[j] & 15) | (q[j + 16] << 4));
      for (int e = 0; e < 32; ++e) high[e] = static_cast<uint8_t>(q[e] >> 4);
    } else {
      put_crumbs(q, quants);
      for (int e = 0; e < 32; ++e) high[e] = static_cast<uint8_t>(q[e] >> 2);
    }
    if (bits == 6)
      put_crumbs(high, aux);
    else if (bits == 5 || bits == 3)
      put_bits(high, aux);
  }
  const uint32_t param = scale_dtype_bytes(w.scale_dtype);
  for (uint64_t g = 0; g < groups; ++g) {
    const uint8_t* scale = w.scales.data() + (first_group + g) * param;
    const uint8_t* bias = w.biases.data() + (first_group + g) * param;
    std::memcpy(p.scales.data() + 2 * param * g, scale, param);
    std::memcpy(p.scales.data() + 2 * param * g + param, bias, param);
    bool bad = false;
    switch (w.scale_dtype) {
      case ScaleDtype::bf16:
        bad = bf16_non_finite(le16(scale)) || bf16_non_finite(le16(bias));
        break;
      case ScaleDtype::f16:
        bad = f16_non_finite(le16(scale)) || f16_non_finite(le16(bias));
        break;
      case ScaleDtype::f32: {
        uint32_t s32, b32;
        std::memcpy(&s32, scale, 4);
        std::memcpy(&b32, bias, 4);
        bad = (s32 & 0x7F800000u) == 0x7F800000u || (b32 & 0x7F800000u) == 0x7F800000u;
        break;
      }
    }
    p.non_finite += bad ? w.group_size : 0;
  }
}

std::string bytes(uint64_t n) {
  return std::to_string(n) + " bytes";
}

}  // namespace

host::Result<TensorFormat> gguf_tensor_format(uint32_t gguf_type, const std::string& name) {
  TensorFormat f;
  if (!tensor_format_from_gguf(gguf_type, &f))
    return host::Status::bad_file("tensor '" + name + "': GGUF type id " +
                                  std::to_string(gguf_type) + " is not one ossvk reads (" +
                                  gguf_types_read() + ")");
  return f;
}

host::Status validate_tensor(const TensorData& w, const std::string& name) {
  const TensorFormatInfo& f = tensor_format_info(w.format);
  const std::string what = "tensor '" + name + "' (" + f.name + ", " + std::to_string(w.m) + " x " +
                           std::to_string(w.k) + ")";
  if (w.m == 0 || w.k == 0) return host::Status::bad_file(what + ": empty matrix");
  if (w.m > UINT32_MAX || w.k > UINT32_MAX)
    return host::Status::bad_file(what + ": dimensions beyond 2^32");
  const uint32_t block = std::max(kBlockElements, f.block_elements);
  if (w.k % block != 0)
    return host::Status::bad_file(what + ": K must be a multiple of " + std::to_string(block));
  if (f.affine && w.group_size != 32 && w.group_size != 64 && w.group_size != 128)
    return host::Status::bad_file(what + ": MLX group size " + std::to_string(w.group_size) +
                                  " is not one of 32, 64, 128");
  if (f.affine && w.k % w.group_size != 0)
    return host::Status::bad_file(what + ": K is not a multiple of the group size " +
                                  std::to_string(w.group_size));
  if (w.data.size() != w.expected_data_bytes())
    return host::Status::bad_file(what + ": has " + bytes(w.data.size()) +
                                  " of data, its shape needs " + bytes(w.expected_data_bytes()));
  if (w.scales.size() != w.expected_scale_bytes())
    return host::Status::bad_file(what + ": has " + bytes(w.scales.size()) +
                                  " of scales, its shape needs " + bytes(w.expected_scale_bytes()));
  uint64_t bias_bytes = f.affine ? w.expected_scale_bytes() : 0;
  if (w.biases.size() != bias_bytes)
    return host::Status::bad_file(what + ": has " + bytes(w.biases.size()) +
                                  " of biases, its shape needs " + bytes(bias_bytes));
  return {};
}

Planes repack_rows(const TensorData& w, uint64_t row_begin, uint64_t rows) {
  const DeviceFormatInfo& d = device_format_info(device_format_of(w.format));
  const TensorFormatInfo& f = tensor_format_info(w.format);
  const uint64_t blocks_per_row = w.k / d.block_elements;  // device blocks: 32 or 256 elements
  const uint64_t blocks = rows * blocks_per_row;
  const uint64_t first = row_begin * blocks_per_row;  // first block
  const uint64_t group_blocks = f.affine ? w.group_size / kBlockElements : 1;
  const uint64_t groups = blocks / group_blocks;
  const uint64_t first_group = first / group_blocks;
  Planes p;
  p.quants.resize(blocks * d.quant_bytes);
  p.scales.resize(groups * d.scale_bytes * (f.affine ? scale_dtype_bytes(w.scale_dtype) / 2 : 1));
  p.aux.resize(blocks * d.aux_bytes);
  const uint8_t* src = w.data.data() + row_begin * (w.k / f.block_elements) * f.block_bytes;

  switch (w.format) {
    case TensorFormat::f32: {
      std::memcpy(p.quants.data(), src, p.quants.size());
      for (uint64_t i = 0; i < p.quants.size(); i += 4) {
        uint32_t bits;
        std::memcpy(&bits, src + i, 4);
        p.non_finite += (bits & 0x7F800000u) == 0x7F800000u;
      }
      break;
    }
    case TensorFormat::f16:
    case TensorFormat::bf16: {
      std::memcpy(p.quants.data(), src, p.quants.size());
      bool half = w.format == TensorFormat::f16;
      for (uint64_t i = 0; i < p.quants.size(); i += 2)
        p.non_finite += half ? f16_non_finite(le16(src + i)) : bf16_non_finite(le16(src + i));
      break;
    }
    case TensorFormat::q8_0:
    case TensorFormat::q5_0:
    case TensorFormat::q4_0:
    case TensorFormat::q4_1:
    case TensorFormat::q5_1:
    case TensorFormat::iq4_nl: {
      // fp16 d first (Q4_1, Q5_1: and fp16 m, one scale word), then (Q5_0, Q5_1) the 4 bytes of
      // fifth bits, then the quants.
      const uint32_t in_bytes = f.block_bytes;
      const uint32_t aux = d.aux_bytes, scale = d.scale_bytes;
      for (uint64_t b = 0; b < blocks; ++b) {
        const uint8_t* blk = src + b * in_bytes;
        std::memcpy(p.scales.data() + b * scale, blk, scale);
        if (aux) std::memcpy(p.aux.data() + b * aux, blk + scale, aux);  // no aux plane: Q8_0, Q4_0
        std::memcpy(p.quants.data() + b * d.quant_bytes, blk + scale + aux, d.quant_bytes);
        const bool bad = f16_non_finite(le16(blk)) || (scale == 4 && f16_non_finite(le16(blk + 2)));
        p.non_finite += bad ? kBlockElements : 0;
      }
      break;
    }
    case TensorFormat::q4_k:
    case TensorFormat::q5_k:
      // d, dmin and the scale bytes; then (Q5_K) qh; then qs.
      for (uint64_t b = 0; b < blocks; ++b) {
        const uint8_t* blk = src + b * f.block_bytes;
        std::memcpy(p.scales.data() + b * 16, blk, 16);
        if (d.aux_bytes) std::memcpy(p.aux.data() + b * 32, blk + 16, 32);
        std::memcpy(p.quants.data() + b * 128, blk + 16 + d.aux_bytes, 128);
        const bool bad = f16_non_finite(le16(blk)) || f16_non_finite(le16(blk + 2));
        p.non_finite += bad ? 256 : 0;
      }
      break;
    case TensorFormat::q6_k:
      // ql, qh, then the 16 scales with d (and two bytes of padding) as one 20-byte record.
      for (uint64_t b = 0; b < blocks; ++b) {
        const uint8_t* blk = src + b * 210;
        std::memcpy(p.quants.data() + b * 128, blk, 128);
        std::memcpy(p.aux.data() + b * 64, blk + 128, 64);
        std::memcpy(p.scales.data() + b * 20, blk + 192, 18);
        p.non_finite += f16_non_finite(le16(blk + 208)) ? 256 : 0;
      }
      break;
    case TensorFormat::q3_k:
      for (uint64_t b = 0; b < blocks; ++b) {
        const uint8_t* blk = src + b * 110;
        std::memcpy(p.aux.data() + b * 32, blk, 32);
        std::memcpy(p.quants.data() + b * 64, blk + 32, 64);
        std::memcpy(p.scales.data() + b * 16, blk + 96, 14);
        p.non_finite += f16_non_finite(le16(blk + 108)) ? 256 : 0;
      }
      break;
    case TensorFormat::q2_k:
      for (uint64_t b = 0; b < blocks; ++b) {
        const uint8_t* blk = src + b * 84;
        std::memcpy(p.quants.data() + b * 64, blk + 16, 64);
        std::memcpy(p.scales.data() + b * 16, blk, 16);
        std::memcpy(p.aux.data() + b * 4, blk + 80, 4);
        const bool bad = f16_non_finite(le16(blk + 80)) || f16_non_finite(le16(blk + 82));
        p.non_finite += bad ? 256 : 0;
      }
      break;
    case TensorFormat::iq4_xs:
      for (uint64_t b = 0; b < blocks; ++b) {
        const uint8_t* blk = src + b * 136;
        std::memcpy(p.scales.data() + b * 8, blk, 8);
        std::memcpy(p.quants.data() + b * 128, blk + 8, 128);
        p.non_finite += f16_non_finite(le16(blk)) ? 256 : 0;
      }
      break;
    case TensorFormat::mxfp4:
      for (uint64_t b = 0; b < blocks; ++b) {
        const uint8_t* blk = src + b * 17;
        p.scales[b] = blk[0];
        std::memcpy(p.quants.data() + b * 16, blk + 1, 16);
        p.non_finite += blk[0] == 0xFF ? kBlockElements : 0;
      }
      break;
    case TensorFormat::mxfp4_linear:
      for (uint64_t b = 0; b < blocks; ++b) {
        uint8_t s = w.scales[first + b];
        p.scales[b] = s;
        linear_to_split(src + b * 16, p.quants.data() + b * 16);
        p.non_finite += s == 0xFF ? kBlockElements : 0;
      }
      break;
    case TensorFormat::mlx_affine2:
    case TensorFormat::mlx_affine3:
    case TensorFormat::mlx_affine4:
    case TensorFormat::mlx_affine5:
    case TensorFormat::mlx_affine6:
    case TensorFormat::mlx_affine8:
      repack_mlx_affine(w, src, first_group, groups, p);
      break;
  }
  return p;
}

}  // namespace ossvk
