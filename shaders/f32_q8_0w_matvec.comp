#version 460
#extension GL_GOOGLE_include_directive : require
// y = W x + b with W in Q8_0 as repacked at upload (backend/formats): per row, K/32 blocks of 32
// int8 quants (32 bytes), and the rows' fp16 block scales apart. Each subgroup owns kRows
// consecutive rows; each lane takes whole blocks and applies one load of the block's 32
// activations to all kRows rows. The partial sums meet in one subgroupAdd per row.
#include "common.glsl"
#include "matvec_push.h"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint kRows = 4;

vec4 i8x4(uint w) { return vec4(unpack8(int(w))); }

void main() {
  const uint blocks = pc.k / 32u;
  const uint rows_per_group = gl_NumSubgroups * kRows;
  U16Buf scales = U16Buf(pc.scales);
  for (uint row0 = gl_WorkGroupID.x * rows_per_group + gl_SubgroupID * kRows; row0 < pc.m;
       row0 += gl_NumWorkGroups.x * rows_per_group) {
    float acc[kRows];
    for (uint r = 0; r < kRows; ++r) acc[r] = 0.0;
    for (uint b = gl_SubgroupInvocationID; b < blocks; b += gl_SubgroupSize) {
      vec4 x[8];
      for (uint i = 0; i < 8u; ++i) x[i] = pc.x.v[b * 8u + i];  // elements 32b .. 32b+31
      for (uint r = 0; r < kRows; ++r) {
        uint row = min(row0 + r, pc.m - 1u);  // past the last row: recompute it, never store
        uint blk = row * blocks + b;
        uvec4 q0 = pc.quants.v[blk * 2u];
        uvec4 q1 = pc.quants.v[blk * 2u + 1u];
        vec4 s = i8x4(q0.x) * x[0] + i8x4(q0.y) * x[1] + i8x4(q0.z) * x[2] + i8x4(q0.w) * x[3] +
                 i8x4(q1.x) * x[4] + i8x4(q1.y) * x[5] + i8x4(q1.z) * x[6] + i8x4(q1.w) * x[7];
        acc[r] += (s.x + s.y + s.z + s.w) * unpackHalf2x16(uint(scales.v[blk])).x;
      }
    }
    for (uint r = 0; r < kRows; ++r) {
      float sum = subgroupAdd(acc[r]);
      uint row = row0 + r;
      if (subgroupElect() && row < pc.m) pc.y.v[row] = sum + (pc.has_bias != 0u ? pc.bias.v[row] : 0.0);
    }
  }
}
