#version 460
#extension GL_GOOGLE_include_directive : require
// y = W x + b with W in MXFP4 as repacked at upload (backend/formats): per row, K/32 blocks of
// 16 bytes of nibbles in GGUF split order (byte j: element j low, element j+16 high), and the
// rows' E8M0 scale bytes apart. Each subgroup owns kRows consecutive rows; each lane takes whole
// blocks, loads that block's 32 activations once and applies them to all kRows rows, so a
// subgroup streams contiguous 16-byte words and activation loads are shared across rows. The
// partial sums meet in one subgroupAdd per row.
#include "common.glsl"
#include "matvec_push.h"
#include "mxfp4.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint kRows = 4;

vec4 dequant4(uint word, uint shift) { return e2m1x4_times_2_pow_m14((word >> shift) & 0x0F0F0F0Fu); }

void main() {
  const uint blocks = pc.k / 32u;
  const uint rows_per_group = gl_NumSubgroups * kRows;
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
        uvec4 q = pc.quants.v[blk];
        vec4 s = dequant4(q.x, 0u) * x[0] + dequant4(q.y, 0u) * x[1] + dequant4(q.z, 0u) * x[2] +
                 dequant4(q.w, 0u) * x[3] + dequant4(q.x, 4u) * x[4] + dequant4(q.y, 4u) * x[5] +
                 dequant4(q.z, 4u) * x[6] + dequant4(q.w, 4u) * x[7];
        acc[r] += (s.x + s.y + s.z + s.w) * (e8m0_to_f32(uint(pc.scales.v[blk])) * 16384.0);
      }
    }
    for (uint r = 0; r < kRows; ++r) {
      float sum = subgroupAdd(acc[r]);
      uint row = row0 + r;
      if (subgroupElect() && row < pc.m) pc.y.v[row] = sum + (pc.has_bias != 0u ? pc.bias.v[row] : 0.0);
    }
  }
}
