// The file layouts every f32_<fmt>w_matvec / _matmul test runs over. Formats with super-blocks
// take each shape's K rounded up to whole blocks (testdata/weights.h, whole_blocks).
#pragma once
#include <string>
#include <vector>

#include "support/linear_tester.h"

namespace ossvk::testing {

inline constexpr TensorFormat kAllFormats[] = {
    TensorFormat::f32,         TensorFormat::f16,          TensorFormat::bf16,
    TensorFormat::q8_0,        TensorFormat::q5_0,         TensorFormat::q4_0,
    TensorFormat::mxfp4,       TensorFormat::mxfp4_linear, TensorFormat::mlx_affine8,
    TensorFormat::mlx_affine4, TensorFormat::q4_1,         TensorFormat::q5_1,
    TensorFormat::iq4_nl,      TensorFormat::q4_k,         TensorFormat::q5_k,
    TensorFormat::q6_k,        TensorFormat::iq4_xs,       TensorFormat::q3_k,
    TensorFormat::q2_k,        TensorFormat::mlx_affine2,  TensorFormat::mlx_affine3,
    TensorFormat::mlx_affine5, TensorFormat::mlx_affine6,
};
static_assert(std::size(kAllFormats) == kTensorFormatCount, "every file layout is tested");

// MLX affine in every width mlx-lm writes.
inline constexpr TensorFormat kMlxAffineFormats[] = {
    TensorFormat::mlx_affine2, TensorFormat::mlx_affine3, TensorFormat::mlx_affine4,
    TensorFormat::mlx_affine5, TensorFormat::mlx_affine6, TensorFormat::mlx_affine8,
};

// Every format through both buffer paths: device addresses (GPUs) and descriptors (lavapipe);
// or in the GPUs' layout on any device (matvec_split non-zero, device addresses).
struct FormatCase {
  TensorFormat format;
  host::BufferAccess access;
  uint32_t matvec_split = 0;
  LinearTester tester() const {
    return matvec_split ? LinearTester(format).matvec_split(matvec_split)
                        : LinearTester(format).access(access);
  }
};

inline std::vector<FormatCase> all_format_cases() {
  std::vector<FormatCase> cases;
  for (TensorFormat f : kAllFormats)
    for (auto a : {host::BufferAccess::addresses, host::BufferAccess::descriptors})
      cases.push_back({f, a});
  return cases;
}

// Every format in the GPUs' layout (backend/kernels/decode_layout.h), which on CPU devices is
// where prefill's matmul takes its shared-memory tiles (matmul_on_columns).
inline std::vector<FormatCase> gpu_layout_format_cases() {
  std::vector<FormatCase> cases;
  for (TensorFormat f : kAllFormats) cases.push_back({f, host::BufferAccess::addresses, 2});
  return cases;
}

inline std::string format_case_name(const ::testing::TestParamInfo<FormatCase>& info) {
  return std::string(tensor_format_info(info.param.format).name) +
         (info.param.matvec_split                              ? "_gpu_layout"
          : info.param.access == host::BufferAccess::addresses ? "_addresses"
                                                               : "_descriptors");
}

struct Shape {
  uint32_t m, k;
};

// 2880x2880: expert down / hidden; 5120x2880: fused QKV; 2880x4096: attention output.
inline constexpr Shape kGptOssShapes[] = {{2880, 2880}, {5120, 2880}, {2880, 4096}};
// A single block; rows not a multiple of any subgroup or tile; 3 blocks per row; M just past a
// 64-row tile.
inline constexpr Shape kAwkwardShapes[] = {{1, 32}, {33, 64}, {7, 96}, {130, 128}};

}  // namespace ossvk::testing
