#include "backend/formats/device_format.h"

namespace ossvk {

const DeviceFormatInfo& device_format_info(DeviceFormat format) {
  static constexpr DeviceFormatInfo kInfo[kDeviceFormatCount] = {
      {"f32", 32, 128, 0, 0, false},
      {"f16", 32, 64, 0, 0, false},
      {"bf16", 32, 64, 0, 0, false},
      {"q8_0", 32, 32, 2, 0, false},
      {"q5_0", 32, 16, 2, 4, false},
      {"q4_0", 32, 16, 2, 0, false},
      {"mxfp4", 32, 16, 1, 0, false},
      // MLX affine: the group's scale and bias in one word (bf16/fp16, scale low) or two (f32).
      {"mlxq8", 32, 32, 4, 0, true},
      {"mlxq4", 32, 16, 4, 0, true},
      {"q4_1", 32, 16, 4, 0, false},
      {"q5_1", 32, 16, 4, 4, false},
      {"iq4nl", 32, 16, 2, 0, false},
      // K-quants, per super-block of 256: codes; d, dmin and the 12 packed scale bytes as stored
      // (Q6_K: its 16 scales, then d and two bytes of padding); fifth (Q5_K) or top two (Q6_K)
      // bits.
      {"q4k", 256, 128, 16, 0, false},
      {"q5k", 256, 128, 16, 32, false},
      {"q6k", 256, 128, 20, 64, false},
      // IQ4_XS per 256: the codes; d, scales_h and scales_l as stored.
      {"iq4xs", 256, 128, 8, 0, false},
      // Q3_K per 256: qs; the 12 scale bytes, d and 2 bytes of padding; hmask.
      {"q3k", 256, 64, 16, 32, false},
      // Q2_K per 256: qs; the 16 scale bytes; d and dmin.
      {"q2k", 256, 64, 16, 4, false},
      // MLX affine 2, 3, 5, 6 bits: low crumbs or nibbles; the rest as single bits or crumbs.
      {"mlxq2", 32, 8, 4, 0, true},
      {"mlxq3", 32, 8, 4, 4, true},
      {"mlxq5", 32, 16, 4, 4, true},
      {"mlxq6", 32, 16, 4, 8, true},
  };
  return kInfo[static_cast<int>(format)];
}

DeviceFormat device_format_of(TensorFormat format) {
  switch (format) {
    case TensorFormat::f32:
      return DeviceFormat::f32;
    case TensorFormat::f16:
      return DeviceFormat::f16;
    case TensorFormat::bf16:
      return DeviceFormat::bf16;
    case TensorFormat::q8_0:
      return DeviceFormat::q8_0;
    case TensorFormat::q5_0:
      return DeviceFormat::q5_0;
    case TensorFormat::q4_0:
      return DeviceFormat::q4_0;
    case TensorFormat::mxfp4:
    case TensorFormat::mxfp4_linear:
      return DeviceFormat::mxfp4;
    case TensorFormat::mlx_affine8:
      return DeviceFormat::mlxq8;
    case TensorFormat::mlx_affine4:
      return DeviceFormat::mlxq4;
    case TensorFormat::q4_1:
      return DeviceFormat::q4_1;
    case TensorFormat::q5_1:
      return DeviceFormat::q5_1;
    case TensorFormat::iq4_nl:
      return DeviceFormat::iq4nl;
    case TensorFormat::q4_k:
      return DeviceFormat::q4k;
    case TensorFormat::q5_k:
      return DeviceFormat::q5k;
    case TensorFormat::q6_k:
      return DeviceFormat::q6k;
    case TensorFormat::iq4_xs:
      return DeviceFormat::iq4xs;
    case TensorFormat::q3_k:
      return DeviceFormat::q3k;
    case TensorFormat::q2_k:
      return DeviceFormat::q2k;
    case TensorFormat::mlx_affine2:
      return DeviceFormat::mlxq2;
    case TensorFormat::mlx_affine3:
      return DeviceFormat::mlxq3;
    case TensorFormat::mlx_affine5:
      return DeviceFormat::mlxq5;
    case TensorFormat::mlx_affine6:
      return DeviceFormat::mlxq6;
  }
  return DeviceFormat::f32;
}

}  // namespace ossvk
