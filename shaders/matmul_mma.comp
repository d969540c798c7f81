#version 460
#extension GL_GOOGLE_include_directive : require
// f32_<fmt>w_matmul_mma: shaders/matmul.comp's product (Y[t] = W X[t] + b, prefill) on the tile
// products of shaders/mma.glsl: with OSSVK_MMA_COOPMAT the device's matrix units, otherwise their
// emulation (f32_<fmt>w_matmul_mma_emulated). A workgroup of kGroups x 32 invocations computes a
// 64-row x 64-column tile: per block of K it decodes 64 rows of W into the A tile and 64 columns
// of X into the B tile, each value split in two fp16 parts, then each group of 32 multiplies its 32 x 32
// quarter as 2 x 2 fragments of 16 x 16. The fragments go out through a per-group 16 x 16 staging
// tile, where bias, residual and the edges of M and N are handled as in the scalar kernel.
// Arbitrary M and N; K a multiple of 32. With MOE_GROUPED / MOE_SWIGLU it is
// f32_<fmt>w_moe_matmul_mma / f32_<fmt>w_moe_swiglu_matmul_mma (shaders/matmul.comp).
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

OSSVK_SPEC_CONSTANTS(OSSVK_MATMUL_MMA_SPEC)

const uint kTileM = 64u, kTileN = 64u;
const uint kGroups = 4u;  // 2 x 2 groups, each 32 rows x 32 columns
const uint kStride = 40u;  // 32 values of K + 8: rows 16-byte aligned, off each other's banks
#define MMA_A_ELEMS (kTileM * kStride)
#define MMA_B_ELEMS (kTileN * kStride)
#define MMA_C_ELEMS (kGroups * 256u)
#include "mma.glsl"
#include "matmul_columns.glsl"

layout(local_size_x = 128) in;  // kGroups x kMmaLanes

void main() {
  const uint blocks = pc.k / 32u;
  const uint lid = gl_LocalInvocationIndex;
  const uint row0 = gl_WorkGroupID.x * kTileM;
  uint w_row0, bias0, columns;
  if (!matmul_columns(w_row0, bias0, columns)) return;
  barrier();
  const uint group = mma_group();
  const uint gm = (group / 2u) * 32u;  // the group's first row and column within the tile
  const uint gn = (group % 2u) * 32u;

  MmaAcc acc[2][2];
  [[unroll]] for (uint i = 0; i < 2u; ++i)
    [[unroll]] for (uint j = 0; j < 2u; ++j) acc[i][j] = mma_zero();

  for (uint b = 0; b < blocks; ++b) {
    if (lid < kTileM) {  // one row of W's block b each
      const uint row = min(row0 + lid, pc.m - 1u);
      vec4 q[8];
      float scale, offset;
      load_block(tiled_block(w_row0 + row, b, blocks, kTiledRows), q, scale, offset);
      [[unroll]] for (uint i = 0; i < 8u; ++i) {
        const vec4 v = q[i] * scale + offset;
        [[unroll]] for (uint c = 0; c < 4u; ++c) mma_set_a(lid * kStride + 4u * i + c, v[c]);
      }
    }
    for (uint e = lid; e < kTileN * 8u; e += gl_WorkGroupSize.x) {
      const uint t = e / 8u, part = e % 8u;
      const vec4 v = tile_x(t, columns, b, part);
      [[unroll]] for (uint c = 0; c < 4u; ++c) mma_set_b(t * kStride + 4u * part + c, v[c]);
    }
    barrier();
    [[unroll]] for (uint kk = 0; kk < 32u; kk += 16u) {
      MmaA a[2];
      MmaB x[2];
      [[unroll]] for (uint i = 0; i < 2u; ++i) a[i] = mma_load_a((gm + 16u * i) * kStride + kk, kStride);
      [[unroll]] for (uint j = 0; j < 2u; ++j) x[j] = mma_load_b((gn + 16u * j) * kStride + kk, kStride);
      [[unroll]] for (uint i = 0; i < 2u; ++i)
        [[unroll]] for (uint j = 0; j < 2u; ++j) acc[i][j] = mma_mul_add(a[i], x[j], acc[i][j]);
    }
    barrier();
  }

  const uint lane = mma_lane();
  [[unroll]] for (uint i = 0; i < 2u; ++i)
    [[unroll]] for (uint j = 0; j < 2u; ++j) {
      mma_store(acc[i][j], group * 256u, 16u);
      barrier();
      [[unroll]] for (uint e = lane; e < 256u; e += kMmaLanes) {
        const uint row = row0 + gm + 16u * i + e / 16u;
        const uint t = gn + 16u * j + e % 16u;
        if (row < pc.m && t < columns) store_y(row, t, bias0, mma_result(group * 256u + e));
      }
      barrier();
    }
}
