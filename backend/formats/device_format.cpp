#include "backend/formats/device_format.h"

namespace ossvk {

const DeviceFormatInfo& device_format_info(DeviceFormat format) {
  static constexpr DeviceFormatInfo kInfo[kDeviceFormatCount] = {
      {"f32", 32, 128, 0, 0, false},  {"f16", 32, 64, 0, 0, false},
      {"bf16", 32, 64, 0, 0, false},  {"q8_0", 32, 32, 2, 0, false},
      {"q5_0", 32, 16, 2, 4, false},  {"q4_0", 32, 16, 2, 0, false},
      {"mxfp4", 32, 16, 1, 0, false}, {"mlxq8", 32, 32, 2, 2, true},
      {"mlxq4", 32, 16, 2, 2, true},  {"q4_1", 32, 16, 4, 0, false},
      {"q5_1", 32, 16, 4, 4, false},  {"iq4nl", 32, 16, 2, 0, false},
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
  }
  return DeviceFormat::f32;
}

}  // namespace ossvk
