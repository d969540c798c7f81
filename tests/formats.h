// The file layouts every f32_<fmt>w_matvec / _matmul test runs over.
#pragma once
#include <string>

#include "reference/tensor_format.h"

namespace ossvk::testing {

inline constexpr TensorFormat kAllFormats[] = {
    TensorFormat::f32,         TensorFormat::f16,          TensorFormat::bf16,
    TensorFormat::q8_0,        TensorFormat::q5_0,         TensorFormat::q4_0,
    TensorFormat::mxfp4,       TensorFormat::mxfp4_linear, TensorFormat::mlx_affine8,
    TensorFormat::mlx_affine4,
};

inline std::string format_name(const ::testing::TestParamInfo<TensorFormat>& info) {
  return tensor_format_info(info.param).name;
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
