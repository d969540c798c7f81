// The shapes every f32_<fmt>w_matvec test covers: gpt-oss's own, and awkward ones.
#pragma once
#include <cstdint>
#include <string>

namespace ossvk::testing {

struct MatvecShape {
  uint32_t m, k;
  const char* name;
};

// 2880x2880: attention output / expert down; 5120x2880: fused QKV; 2880x4096: attn_output;
// 1x32: a single block; 33x64: rows not a multiple of any subgroup; 7x96: 3 blocks per row.
inline constexpr MatvecShape kMatvecShapes[] = {
    {2880, 2880, "hidden_2880x2880"},   {5120, 2880, "qkv_5120x2880"},
    {2880, 4096, "attn_out_2880x4096"}, {1, 32, "single_block_1x32"},
    {33, 64, "odd_rows_33x64"},         {7, 96, "three_blocks_7x96"},
};

}  // namespace ossvk::testing
