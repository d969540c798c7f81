#version 460
#extension GL_GOOGLE_include_directive : require
// f32_<fmt>w_moe_matvec_texel: prefill's grouped expert matmul (the job of f32_<fmt>w_moe_matmul)
// in the form of f32_<fmt>w_matvec, for CPU devices. A workgroup row takes one tile of up to
// kTileN (token, slot) pairs that chose one expert (f32_moe_group) as its columns; each subgroup
// takes kRows rows of that expert and each lane whole 32-element blocks, so a block of the expert
// is decoded once for all the tile's pairs, and the accumulators stay in registers (every loop
// that indexes them is unrolled: shaders/matvec.comp says why). Pair p reads x row
// p / x_row_div and writes y row p; the down projection reads the SwiGLU f32_swiglu wrote.
// Weights and activations through texel descriptors only, which CPU devices prefer. A subgroup's
// rows lie side by side where the experts lie in row tiles (kTiledRows, tiled_block: two whole
// tiles, read as one stretch), else spread out over the expert (spread_row,
// shaders/weight_format.glsl): either way CPU devices' prefetchers see streams they follow.
#include "common.glsl"
#include "moe_matmul_push.h"
#define ROW_OFFSET 0u
#define HAS_BIAS true
#define ACCUMULATE false
#include "matmul_buffers.glsl"
OSSVK_SPEC_CONSTANTS(OSSVK_MOE_MATVEC_SPEC)
#define LANE_TABLES kLaneTables
#include "weight_format.glsl"
#include "matmul_columns.glsl"

float acc[kRows * kTileN];

// The expert row of the subgroup's r-th accumulator row.
uint subgroup_row(uint row0, uint r) {
  return kTiledRows ? row0 + r : spread_row(row0 / kRows, r, kRows, pc.m);
}

void main() {
  uint w_row0, bias0, columns;
  if (!matmul_columns(w_row0, bias0, columns)) return;  // the same for the whole workgroup
  barrier();
  const uint blocks = pc.k / 32u;
  uint x_col[kTileN];  // vec4 index of each column's activations
  [[unroll]] for (uint c = 0; c < kTileN; ++c)
    x_col[c] = (x_row[min(c, columns - 1u)] * pc.x_stride) / 4u;
  const uint rows_per_group = gl_NumSubgroups * kRows;
  for (uint row0 = gl_WorkGroupID.x * rows_per_group + gl_SubgroupID * kRows; row0 < pc.m;
       row0 += gl_NumWorkGroups.x * rows_per_group) {
    [[unroll]] for (uint i = 0; i < kRows * kTileN; ++i) acc[i] = 0.0;
    for (uint run = 0; run < blocks; run += gl_SubgroupSize) {
      uint b;
      const bool in_row = lane_block(run, blocks, b);
      [[unroll]] for (uint c = 0; c < kTileN; ++c) {
        if (c >= columns) break;  // the same for the whole workgroup: a short tile costs less
        vec4 x[8];
        [[unroll]] for (uint i = 0; i < 8u; ++i) x[i] = load_x(x_col[c] + b * 8u + i);
        const float xsum = kHasOffset ? sum8(x) : 0.0;
        [[unroll]] for (uint r = 0; r < kRows; ++r) {
          // Past the last row: recompute it.
          const uint row = min(subgroup_row(row0, r), pc.m - 1u);
          vec4 q[8];
          float scale, offset;
          const uint blk = tiled_block(w_row0 + row, b, blocks, kTiledRows);
          load_block(blk, q, scale, offset);
          const float sum = dot8(q, x) * scale + (kHasOffset ? offset * xsum : 0.0);
          acc[r * kTileN + c] += in_row ? sum : 0.0;
        }
      }
    }
    // Totals in shuffles (lane_total), and lane l stores outputs l, l + lanes, ... (PICK).
    [[unroll]] for (uint i = 0; i < kRows * kTileN; ++i) acc[i] = lane_total(acc[i]);
    for (uint i = gl_SubgroupInvocationID; i < kRows * kTileN; i += gl_SubgroupSize) {
      const uint r = i / kTileN, c = i % kTileN, row = subgroup_row(row0, r);
      float sum;
      PICK(sum, acc, kRows * kTileN, i);
      if (row < pc.m && c < columns) store_y(row, c, bias0, sum);
    }
  }
}
