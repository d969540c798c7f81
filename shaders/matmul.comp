#version 460
#extension GL_GOOGLE_include_directive : require
// f32_<fmt>w_matmul: Y[t] = W X[t] + b for many tokens (prefill). A workgroup computes a tile of
// kTileM rows x kTileN tokens; per 32-wide step of K it decodes kTileM blocks of W and loads
// kTileN x 32 activations into shared memory once, then each invocation accumulates a
// kThreadM x kThreadN sub-tile from shared memory. Arbitrary M and N; K a multiple of 32.
//
// Built with MOE_GROUPED it is f32_<fmt>w_moe_matmul: W is one expert matrix and a workgroup row
// takes one tile of (token, slot) pairs that chose the same expert (f32_moe_group), so each
// expert's weights are decoded once per tile of up to kTileN pairs instead of once per pair.
// Pair p reads x row p / x_row_div and writes y row p. With MOE_SWIGLU the x values are the
// clamped SwiGLU of the gate and up rows, computed as they are loaded (the down projection).
#include "common.glsl"
#ifdef MOE_GROUPED
#include "moe_matmul_push.h"
#define ROW_OFFSET 0u
#define HAS_BIAS true
#define ACCUMULATE false
#else
#include "matmul_push.h"
#define ROW_OFFSET pc.row_offset
#define HAS_BIAS (pc.has_bias != 0u)
#define ACCUMULATE ((pc.flags & 2u) != 0u)
#endif
#include "matmul_buffers.glsl"
#include "weight_format.glsl"

OSSVK_SPEC_CONSTANTS(OSSVK_MATMUL_SPEC)

shared float w_tile[32][kTileM + 1];  // [k][row]; +1 keeps column reads free of bank conflicts
shared float x_tile[32][kTileN + 1];  // [k][token]
#include "matmul_columns.glsl"

void main() {
  const uint blocks = pc.k / 32u;
  const uint threads = gl_WorkGroupSize.x;
  const uint lid = gl_LocalInvocationID.x;
  const uint row0 = gl_WorkGroupID.x * kTileM;
  uint w_row0, bias0, columns;
  if (!matmul_columns(w_row0, bias0, columns)) return;
  barrier();
  const uint lanes = kTileN / kThreadN;
  const uint band = kSubgroupRows ? gl_SubgroupID : lid / lanes;
  const uint lane = kSubgroupRows ? gl_SubgroupInvocationID : lid % lanes;
  const uint tm = band * kThreadM;  // first row of this invocation's sub-tile
  const uint tn = lane * kThreadN;  // first token

  float acc[kThreadM][kThreadN];
  [[unroll]] for (uint i = 0; i < kThreadM; ++i)
    [[unroll]] for (uint j = 0; j < kThreadN; ++j) acc[i][j] = 0.0;

  for (uint b = 0; b < blocks; ++b) {
    for (uint r = lid; r < kTileM; r += threads) {
      uint row = min(row0 + r, pc.m - 1u);
      vec4 q[8];
      float scale, offset;
      load_block(tiled_block(w_row0 + row, b, blocks, kTiledRows), q, scale, offset);
      [[unroll]] for (uint i = 0; i < 8u; ++i) {
        vec4 v = q[i] * scale + offset;
        w_tile[4u * i][r] = v.x;
        w_tile[4u * i + 1u][r] = v.y;
        w_tile[4u * i + 2u][r] = v.z;
        w_tile[4u * i + 3u][r] = v.w;
      }
    }
    for (uint e = lid; e < kTileN * 8u; e += threads) {
      uint t = e / 8u, part = e % 8u;
      vec4 v = tile_x(t, columns, b, part);
      x_tile[4u * part][t] = v.x;
      x_tile[4u * part + 1u][t] = v.y;
      x_tile[4u * part + 2u][t] = v.z;
      x_tile[4u * part + 3u][t] = v.w;
    }
    barrier();
    for (uint e = 0; e < 32u; ++e) {  // K iterations in all: within llvmpipe's loop budget
      float a[kThreadM], c[kThreadN];
      [[unroll]] for (uint i = 0; i < kThreadM; ++i) a[i] = w_tile[e][tm + i];
      [[unroll]] for (uint j = 0; j < kThreadN; ++j) c[j] = x_tile[e][tn + j];
      [[unroll]] for (uint i = 0; i < kThreadM; ++i)
        [[unroll]] for (uint j = 0; j < kThreadN; ++j) acc[i][j] = fma(a[i], c[j], acc[i][j]);
    }
    barrier();
  }

  for (uint i = 0; i < kThreadM; ++i) {
    uint row = row0 + tm + i;
    if (row >= pc.m) continue;
    for (uint j = 0; j < kThreadN; ++j)
      if (tn + j < columns) store_y(row, tn + j, bias0, acc[i][j]);
  }
}
