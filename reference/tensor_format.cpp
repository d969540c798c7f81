#include "reference/tensor_format.h"

#include <cctype>

namespace ossvk {

const TensorFormatInfo& tensor_format_info(TensorFormat format) {
  static constexpr TensorFormatInfo kInfo[] = {
      {"f32", 0, 1, 4, false, false},
      {"f16", 1, 1, 2, false, false},
      {"bf16", 30, 1, 2, false, false},
      {"q8_0", 8, 32, 34, false, false},
      {"q5_0", 6, 32, 22, false, false},
      {"q4_0", 2, 32, 18, false, false},
      {"mxfp4", 39, 32, 17, false, false},
      {"mxfp4_linear", kNoGgufType, 32, 16, true, false},
      {"mlx_affine8", kNoGgufType, 32, 32, true, true},
      {"mlx_affine4", kNoGgufType, 32, 16, true, true},
      {"q4_1", 3, 32, 20, false, false},
      {"q5_1", 7, 32, 24, false, false},
      {"iq4_nl", 20, 32, 18, false, false},
      {"q4_k", 12, 256, 144, false, false},
      {"q5_k", 13, 256, 176, false, false},
      {"q6_k", 14, 256, 210, false, false},
      {"iq4_xs", 23, 256, 136, false, false},
      {"q3_k", 11, 256, 110, false, false},
      {"q2_k", 10, 256, 84, false, false},
      {"mlx_affine2", kNoGgufType, 32, 8, true, true},
      {"mlx_affine3", kNoGgufType, 32, 12, true, true},
      {"mlx_affine5", kNoGgufType, 32, 20, true, true},
      {"mlx_affine6", kNoGgufType, 32, 24, true, true},
  };
  static_assert(sizeof(kInfo) / sizeof(kInfo[0]) == kTensorFormatCount);
  return kInfo[static_cast<int>(format)];
}

namespace {
constexpr struct {
  uint32_t bits;
  TensorFormat format;
} kMlxAffine[] = {{2, TensorFormat::mlx_affine2}, {3, TensorFormat::mlx_affine3},
                  {4, TensorFormat::mlx_affine4}, {5, TensorFormat::mlx_affine5},
                  {6, TensorFormat::mlx_affine6}, {8, TensorFormat::mlx_affine8}};
}  // namespace

uint32_t mlx_affine_bits(TensorFormat format) {
  for (const auto& a : kMlxAffine)
    if (a.format == format) return a.bits;
  return 0;
}

bool mlx_affine_format(uint32_t bits, TensorFormat* format) {
  for (const auto& a : kMlxAffine)
    if (a.bits == bits) {
      *format = a.format;
      return true;
    }
  return false;
}

bool tensor_format_from_gguf(uint32_t gguf_type, TensorFormat* format) {
  if (gguf_type == kNoGgufType) return false;  // the marker of formats GGUF does not have
  for (int f = 0; f < kTensorFormatCount; ++f)
    if (tensor_format_info(static_cast<TensorFormat>(f)).gguf_type == gguf_type) {
      *format = static_cast<TensorFormat>(f);
      return true;
    }
  return false;
}

std::string gguf_types_read() {
  std::string names;
  for (int f = 0; f < kTensorFormatCount; ++f) {
    const TensorFormatInfo& info = tensor_format_info(static_cast<TensorFormat>(f));
    if (info.gguf_type == kNoGgufType) continue;
    if (!names.empty()) names += ", ";
    for (const char* c = info.name; *c; ++c) names += static_cast<char>(std::toupper(*c));
  }
  return names;
}

uint64_t TensorData::expected_scale_bytes() const {
  const TensorFormatInfo& f = tensor_format_info(format);
  if (!f.separate_scales) return 0;
  if (f.affine) return group_size ? m * (k / group_size) * scale_dtype_bytes(scale_dtype) : 0;
  return m * (k / kBlockElements);
}

}  // namespace ossvk
