#version 460
#extension GL_GOOGLE_include_directive : require
// f32_<fmt>w_moe_down: the second half of the expert MLPs with the routing weights and the
// residual folded in: out[t] = residual[t] + sum_s w_s (down_e act[t, s] + down_bias_e) over the
// slots whose expert this part holds (a later part adds to out). Workgroups: x over row groups,
// y over tokens; each subgroup owns kRows rows and each lane whole blocks of the k activations.
#include "common.glsl"
#include "moe_down_push.h"
#include "moe_weights.glsl"
#include "weight_format.glsl"
#ifndef ACT4
#define ACT4(i) pc.act.v[i]
#endif

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint kRows = 4;

void main() {
  const uint t = gl_WorkGroupID.y;
  const uint blocks = pc.ff / 32u;
  const uint rows_per_group = gl_NumSubgroups * kRows;
  USE_MATRIX(0u, pc.quants, pc.scales, pc.aux);
  for (uint row0 = gl_WorkGroupID.x * rows_per_group + gl_SubgroupID * kRows; row0 < pc.hidden;
       row0 += gl_NumWorkGroups.x * rows_per_group) {
    float acc[kRows];
    [[unroll]] for (uint r = 0; r < kRows; ++r) acc[r] = 0.0;
    float bias[kRows];
    [[unroll]] for (uint r = 0; r < kRows; ++r) bias[r] = 0.0;
    for (uint s = 0; s < pc.top_k; ++s) {
      const uint entry = t * pc.top_k + s;
      const uint e = pc.ids.v[entry];
      if (e < pc.expert_begin || e >= pc.expert_end) continue;
      const float w = pc.weights.v[entry];
      const uint expert_rows = (e - pc.expert_begin) * pc.hidden;
      for (uint b = gl_SubgroupInvocationID; b < blocks; b += gl_SubgroupSize) {
        vec4 x[8];
        [[unroll]] for (uint i = 0; i < 8u; ++i) x[i] = ACT4((entry * pc.ff) / 4u + b * 8u + i);
        const float xsum = kHasOffset ? sum8(x) : 0.0;
        [[unroll]] for (uint r = 0; r < kRows; ++r) {
          vec4 q[8];
          float scale, offset;
          load_block((expert_rows + min(row0 + r, pc.hidden - 1u)) * blocks + b, q, scale, offset);
          acc[r] += w * (dot8(q, x) * scale + (kHasOffset ? offset * xsum : 0.0));
        }
      }
      [[unroll]] for (uint r = 0; r < kRows; ++r) bias[r] += w * pc.bias.v[e * pc.hidden + min(row0 + r, pc.hidden - 1u)];
    }
    [[unroll]] for (uint r = 0; r < kRows; ++r) {
      const uint row = row0 + r;
      const float sum = subgroupAdd(acc[r]);
      if (subgroupElect() && row < pc.hidden) {
        const uint o = t * pc.hidden + row;
        const float base = (pc.flags & 2u) != 0u ? pc.result.v[o] : pc.residual.v[o];
        pc.result.v[o] = base + sum + bias[r];
      }
    }
  }
}
