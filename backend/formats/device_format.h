// How each weight format lives on the device. Every file layout (reference/tensor_format.h) maps
// to one device format, repacked once at upload into up to three planes so kernels read aligned
// words: `quants` (per 32-element block: 8, 16, 32, 64 or 128 bytes; per 256-element
// super-block for the K-quants), `scales` (per block, or per group for MLX affine, whose scale and
// bias share one record; Q4_1/Q5_1 keep d and m together in one word) and `aux` (high code bits:
// Q5_0's, Q5_1's and MLX 3-, 5- and 6-bit's). 4-bit codes are always in GGUF split order on the
// device (byte j: element j low nibble, element j+16 high nibble), so HF/MLX linear-order files
// are permuted at upload and one decoder serves each element type. 2-bit parts of codes are
// "crumbs": bits 2s..2s+1 of byte 4u+j of a block's two words hold element 4(2s+u)+j, so one
// shift and mask gives four elements in order; 1-bit parts: bit j of a word is element j.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "reference/tensor_format.h"

namespace ossvk {

enum class DeviceFormat : uint8_t {
  f32,
  f16,
  bf16,
  q8_0,
  q5_0,
  q4_0,
  mxfp4,
  mlxq8,
  mlxq4,
  q4_1,
  q5_1,
  iq4nl,
  q4k,
  q5k,
  q6k,
  iq4xs,
  q3k,
  q2k,
  mlxq2,
  mlxq3,
  mlxq5,
  mlxq6
};
inline constexpr int kDeviceFormatCount = 22;

struct DeviceFormatInfo {
  const char* name;         // the <fmt> of f32_<fmt>w_matvec / _matmul
  uint32_t block_elements;  // 32, or 256 for the K-quants' super-blocks; the planes' unit
  uint32_t quant_bytes;     // per block
  uint32_t scale_bytes;     // per block (per group for affine, twice this for f32 params); 0: none
  uint32_t aux_bytes;       // per block; 0: none
  bool per_group;           // scales are per MLX group rather than per block
};

const DeviceFormatInfo& device_format_info(DeviceFormat format);

// A family's kernel for `format`: shaders/kernel_names.h lists each family in DeviceFormat's
// order (a test checks every name against the format's).
template <size_t N>
std::string kernel_for(const std::array<std::string_view, N>& family, DeviceFormat format) {
  static_assert(N == kDeviceFormatCount, "a family has one kernel per device format");
  return std::string(family[static_cast<size_t>(format)]);
}
DeviceFormat device_format_of(TensorFormat format);

}  // namespace ossvk
