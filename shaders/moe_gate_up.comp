#version 460
#extension GL_GOOGLE_include_directive : require
// f32_<fmt>w_moe_gate_up: the first half of an expert MLP for every (token, slot) whose expert
// lies in this part: gate and up rows of expert ids[t][s] against the token's normalised
// activations, their biases (and a LoRA adapter's addends), and the clamped SwiGLU
// (shaders/swiglu.glsl), so the 2 x ff intermediate never leaves registers.
// Workgroups: x over row groups, y over runs of kEntries (token, slot) entries, taken one after
// another. Within one, as in f32_<fmt>w_matvec, each subgroup owns kRows rows and each lane whole
// 32-element blocks, loading the activations once for both matrices and all its rows; experts are
// read only where a token selected them.
#include "common.glsl"
#include "moe_gate_up_push.h"
#define MOE_TWO_MATRICES
#include "moe_weights.glsl"
OSSVK_SPEC_CONSTANTS(OSSVK_MOE_GATE_UP_SPEC)
#define LANE_TABLES kLaneTables
#include "weight_format.glsl"
#ifndef ACT4
#define ACT4(i) pc.x.v[i]
#endif

#define STAGE_LOAD(i) ACT4(i)
#include "stage_activations.glsl"
#include "swiglu.glsl"

// Row `row` of entry's intermediate from its gate and up sums.
void store_row(uint entry, uint e, uint row, float g_sum, float u_sum) {
  if (row >= pc.ff) return;
  float g = g_sum + pc.gate_bias.v[e * pc.ff + row];
  float u = u_sum + pc.up_bias.v[e * pc.ff + row];
  if ((pc.flags & 8u) != 0u) g += pc.addend.v[entry * 2u * pc.ff + row];
  if ((pc.flags & 16u) != 0u) u += pc.addend.v[(entry * 2u + 1u) * pc.ff + row];
  pc.act.v[entry * pc.ff + row] = swiglu(vec4(g), vec4(u)).x;
}

// One (token, slot) entry: entry = t * top_k + s.
void gate_up(uint entry, uint blocks, uint rows_per_group) {
  const uint t = entry / pc.top_k;
  const uint e = pc.ids.v[entry];
  if (e < pc.expert_begin || e >= pc.expert_end) return;  // another part holds this expert
  const uint expert_rows = (e - pc.expert_begin) * pc.ff;
  const bool stage = kStageBlocks != 0u && kStageBlocks == blocks;  // folds away when 0
  // e, and so this branch, is the same for the whole workgroup.
  if (stage) stage_blocks((t * pc.hidden) / 4u, blocks);
  for (uint row0 = gl_WorkGroupID.x * rows_per_group + gl_SubgroupID * kRows; row0 < pc.ff;
       row0 += gl_NumWorkGroups.x * rows_per_group) {
    float gate[kRows], up[kRows];
    [[unroll]] for (uint r = 0; r < kRows; ++r) gate[r] = up[r] = 0.0;
    for (uint run = 0; run < blocks; run += gl_SubgroupSize) {
      uint b;
      const bool in_row = lane_block(run, blocks, b);
      vec4 x[8];
      if (stage)
        staged_block(b, x);
      else
        [[unroll]] for (uint i = 0; i < 8u; ++i) x[i] = ACT4((t * pc.hidden) / 4u + b * 8u + i);
      const float xsum = kHasOffset ? sum8(x) : 0.0;
      [[unroll]] for (uint r = 0; r < kRows; ++r) {
        const uint row = expert_rows + min(row0 + r, pc.ff - 1u);
        const uint blk = tiled_block(row, b, blocks, kTiledRows);
        vec4 q[8];
        float scale, offset;
        USE_MATRIX(0u, pc.gate_quants, pc.gate_scales, pc.gate_aux);
        load_block(blk, q, scale, offset);
        const float g = dot8(q, x) * scale + (kHasOffset ? offset * xsum : 0.0);
        gate[r] += in_row ? g : 0.0;
        USE_MATRIX(1u, pc.up_quants, pc.up_scales, pc.up_aux);
        load_block(blk, q, scale, offset);
        const float u = dot8(q, x) * scale + (kHasOffset ? offset * xsum : 0.0);
        up[r] += in_row ? u : 0.0;
      }
    }
    // Totals in shuffles in the CPU layout (lane_total), and lane r stores row r (PICK).
    [[unroll]] for (uint r = 0; r < kRows; ++r) {
      gate[r] = kStageBlocks == 0u ? lane_total(gate[r]) : subgroupAdd(gate[r]);
      up[r] = kStageBlocks == 0u ? lane_total(up[r]) : subgroupAdd(up[r]);
    }
    for (uint r = gl_SubgroupInvocationID; r < kRows; r += gl_SubgroupSize) {
      float g, u;
      PICK(g, gate, kRows, r);
      PICK(u, up, kRows, r);
      store_row(entry, e, row0 + r, g, u);
    }
  }
}

void main() {
  const uint blocks = pc.hidden / 32u;
  const uint rows_per_group = gl_NumSubgroups * kRows;
  const uint first = gl_WorkGroupID.y * kEntries;
  const uint end = min(first + kEntries, pc.tokens * pc.top_k);
  for (uint entry = first; entry < end; ++entry) gate_up(entry, blocks, rows_per_group);
}
