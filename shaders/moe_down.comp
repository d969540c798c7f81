#version 460
#extension GL_GOOGLE_include_directive : require
// f32_<fmt>w_moe_down: the second half of the expert MLPs with the routing weights and the
// residual folded in: out[t] = residual[t] + sum_s w_s (down_e act[t, s] + down_bias_e) over the
// slots whose expert this part holds (a later part adds to out). Workgroups: x over runs of kRows
// rows, y over tokens. The whole workgroup shares its rows and splits the (slot, block) pairs of
// all k slots among its invocations, each reading whole 32-element blocks, then sums across
// lanes and subgroups: a subgroup walking the k slots in turn left a decode step waiting on k
// dependent chains of loads.
#include "common.glsl"
#include "moe_down_push.h"
#include "moe_weights.glsl"
OSSVK_SPEC_CONSTANTS(OSSVK_MOE_DOWN_SPEC)
#define LANE_TABLES kLaneTables
#include "weight_format.glsl"
#ifndef ACT4
#define ACT4(i) pc.act.v[i]
#endif

#define STAGE_LOAD(i) ACT4(i)
#include "stage_activations.glsl"

shared float partial[kRows][kSubgroups];

void main() {
  const uint t = gl_WorkGroupID.y;
  const uint blocks = pc.ff / 32u;
  const uint row0 = gl_WorkGroupID.x * kRows;
  USE_MATRIX(0u, pc.quants, pc.scales, pc.aux);
  float acc[kRows];
  [[unroll]] for (uint r = 0; r < kRows; ++r) acc[r] = 0.0;
  // A token's pairs are contiguous: pair j = s * blocks + b starts at vec4 `first + j * 8`.
  const uint pairs = pc.top_k * blocks, first = (t * pc.top_k * pc.ff) / 4u;
  const bool stage = kStageBlocks != 0u && kStageBlocks == gl_WorkGroupSize.x;
  // Steps of a workgroup's worth of pairs, the same count for all (it meets at barriers).
  for (uint j0 = 0; j0 < pairs; j0 += gl_WorkGroupSize.x) {
    const uint lane = gl_LocalInvocationID.x, j = j0 + lane;
    if (stage) stage_blocks(first + j0 * 8u, min(gl_WorkGroupSize.x, pairs - j0));
    const uint jj = min(j, pairs - 1u), s = jj / blocks, b = jj - s * blocks;
    const uint entry = t * pc.top_k + s;
    const uint e = pc.ids.v[entry];
    // With lane tables every lane takes part in each load: one past the pairs or on another
    // part's expert reads this part's first expert and adds nothing.
    const bool mine = j < pairs && e >= pc.expert_begin && e < pc.expert_end;
    if (!kLaneTables && !mine) continue;
    const float w = mine ? pc.weights.v[entry] : 0.0;
    const uint expert_rows = (mine ? e - pc.expert_begin : 0u) * pc.hidden;
    vec4 x[8];
    if (stage)
      staged_block(lane, x);
    else
      [[unroll]] for (uint i = 0; i < 8u; ++i) x[i] = ACT4(first + jj * 8u + i);
    const float xsum = kHasOffset ? sum8(x) : 0.0;
    [[unroll]] for (uint r = 0; r < kRows; ++r) {
      vec4 q[8];
      float scale, offset;
      const uint row = expert_rows + min(row0 + r, pc.hidden - 1u);
      load_block(tiled_block(row, b, blocks, kTiledRows), q, scale, offset);
      const float sum = w * (dot8(q, x) * scale + (kHasOffset ? offset * xsum : 0.0));
      acc[r] += mine ? sum : 0.0;
    }
  }
  // Totals in shuffles in the CPU layout (lane_total), and lane r stores row r's (PICK).
  [[unroll]] for (uint r = 0; r < kRows; ++r)
    acc[r] = kStageBlocks == 0u ? lane_total(acc[r]) : subgroupAdd(acc[r]);
  for (uint r = gl_SubgroupInvocationID; r < kRows; r += gl_SubgroupSize) {
    float sum;
    PICK(sum, acc, kRows, r);
    partial[r][gl_SubgroupID] = sum;
  }
  barrier();
  const uint r = gl_LocalInvocationID.x, row = row0 + r;
  if (r >= kRows || row >= pc.hidden) return;
  float total = 0.0;
  for (uint g = 0; g < gl_NumSubgroups; ++g) total += partial[r][g];
  for (uint s = 0; s < pc.top_k; ++s) {
    const uint entry = t * pc.top_k + s;
    const uint e = pc.ids.v[entry];
    if (e >= pc.expert_begin && e < pc.expert_end)
      total += pc.weights.v[entry] * pc.bias.v[e * pc.hidden + row];
  }
  const uint o = t * pc.hidden + row;
  const float base = (pc.flags & 2u) != 0u ? pc.result.v[o] : pc.residual.v[o];
  pc.result.v[o] = base + total;
}
