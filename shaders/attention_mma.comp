#version 460
#extension GL_GOOGLE_include_directive : require
// f32_attention_mma: shaders/attention.comp's prefill attention (sink, causal mask, sliding
// window, grouped query heads) with Q·Kᵀ and P·V on the tile products of shaders/mma.glsl: with
// OSSVK_MMA_COOPMAT the device's matrix units, otherwise their emulation
// (f32_attention_mma_emulated). A workgroup of 2 x 32 invocations takes kRows query rows of one
// KV head, a row being one (token, query head) of the tokens x kGroup heads that share the KV
// head, so a K/V tile serves every query head of the group. Per tile of kKeys keys:
//   1. K goes into the B tile as it is (column-major B is K by rows) and V transposed;
//   2. each group of 32 multiplies its 16 rows of Q by Kᵀ: 16 x kKeys logits;
//   3. one invocation per row masks them, updates the row's running max m and sum l (the sink
//      seeds them, as in f32_attention) and writes P = exp(s - m) into the A tile;
//   4. each group multiplies its rows of P by V a 16 x 16 fragment at a time, and its lanes
//      rescale their part of the output (registers) by the row's exp(m_old - m) and add it.
// Queries are already scaled by 1/sqrt(d); kHeadDim a multiple of 16.
#include "common.glsl"
#include "attention_kernel_push.h"
#include "kv_cache.glsl"

OSSVK_SPEC_CONSTANTS(OSSVK_ATTENTION_MMA_SPEC)

const uint kRows = 32u;  // query rows per workgroup: 2 groups of 16
const uint kKeys = 16u;  // keys per tile
const uint kQStride = kHeadDim + 8u;  // rows 16-byte aligned, off each other's banks
const uint kPStride = kKeys + 8u;
const uint kQ = 0u, kP = kRows * kQStride;  // A tile: Q, then P
const uint kK = 0u, kV = kKeys * kQStride;  // B tile: K, then V transposed
#define MMA_A_ELEMS (kRows * (kQStride + kPStride))
#define MMA_B_ELEMS (kKeys * kQStride + kHeadDim * kPStride)
#define MMA_C_ELEMS (2u * 256u)  // a 16 x 16 staging tile per group
#include "mma.glsl"

layout(local_size_x = 64) in;  // 2 x kMmaLanes

shared float row_scale[kRows];  // the rows' exp(m_old - m) for this tile, then 1 / l

void main() {
  const uint lid = gl_LocalInvocationIndex;
  const uint first_pos = step_first_pos(pc.first_pos, pc.position);
  const uint g = gl_WorkGroupID.y;  // KV head
  const uint kv_width = pc.kv_heads * kHeadDim;
  const uint first_row = gl_WorkGroupID.x * kRows, rows = pc.tokens * kGroup;

  // Keys any row of this workgroup may see.
  const uint first_t = first_row / kGroup, last_t = (min(first_row + kRows, rows) - 1u) / kGroup;
  const uvec2 run = key_run(first_pos + first_t, first_pos + last_t, 0u, pc.window, 1u, 0u);
  const uint key_begin = run.x, key_end = run.y;

  for (uint e = lid; e < kRows * kHeadDim; e += gl_WorkGroupSize.x) {
    const uint r = e / kHeadDim, i = e % kHeadDim, row = first_row + r;
    const uint t = row / kGroup, h = g * kGroup + row % kGroup;
    mma_set_a(kQ + r * kQStride + i, row < rows ? pc.q.v[(t * pc.heads + h) * kHeadDim + i] : 0.0);
  }

  // Invocation lid < kRows owns row lid's softmax.
  const uint my_row = first_row + lid;
  const bool my_valid = lid < kRows && my_row < rows;
  const uint my_pos = first_pos + min(my_row / kGroup, pc.tokens - 1u);
  float m = pc.sinks.v[g * kGroup + min(my_row, rows - 1u) % kGroup];
  float l = 1.0;

  const uint group = mma_group(), lane = mma_lane();
  float o[kHeadDim / 2u];  // lane's 8 elements of each of the group's kHeadDim / 16 fragments
  [[unroll]] for (uint i = 0; i < kHeadDim / 2u; ++i) o[i] = 0.0;

  for (uint k0 = key_begin; k0 < key_end; k0 += kKeys) {
    [[unroll]] for (uint e = lid; e < kKeys * kHeadDim; e += gl_WorkGroupSize.x) {
      const uint j = e / kHeadDim, i = e % kHeadDim;
      const uint src = (min(k0 + j, key_end - 1u) % pc.ring) * kv_width + g * kHeadDim + i;
      mma_set_b(kK + j * kQStride + i, kv_load(uint64_t(pc.k_cache), src));
      mma_set_b(kV + i * kPStride + j, kv_load(uint64_t(pc.v_cache), src));
    }
    barrier();
    MmaAcc s = mma_zero();
    [[unroll]] for (uint kk = 0; kk < kHeadDim; kk += 16u)
      s = mma_mul_add(mma_load_a(kQ + 16u * group * kQStride + kk, kQStride),
                      mma_load_b(kK + kk, kQStride), s);
    mma_store(s, group * 256u, 16u);  // row-major: row r's logits at 16 r
    barrier();
    if (lid < kRows) {
      float logit[kKeys];
      float tile_max = -1.0 / 0.0;
      [[unroll]] for (uint j = 0; j < kKeys; ++j) {
        const uint kpos = k0 + j;
        const bool visible = my_valid && kpos < key_end && kpos <= my_pos &&
                             (pc.window == 0u || my_pos - kpos < pc.window);
        logit[j] = visible ? mma_result(lid * 16u + j) : -1.0 / 0.0;
        tile_max = max(tile_max, logit[j]);
      }
      const float m_new = max(m, tile_max);
      float sum = 0.0;
      [[unroll]] for (uint j = 0; j < kKeys; ++j) {
        const float p = exp(logit[j] - m_new);  // 0 for masked keys
        sum += p;
        mma_set_a(kP + lid * kPStride + j, p);
      }
      row_scale[lid] = exp(m - m_new);
      l = l * row_scale[lid] + sum;
      m = m_new;
    }
    barrier();
    const MmaA p = mma_load_a(kP + 16u * group * kPStride, kPStride);
    [[unroll]] for (uint f = 0; f < kHeadDim / 16u; ++f) {
      mma_store(mma_mul_add(p, mma_load_b(kV + 16u * f * kPStride, kPStride), mma_zero()),
                group * 256u, 16u);
      barrier();
      [[unroll]] for (uint i = 0; i < 8u; ++i) {
        const uint e = lane + kMmaLanes * i;  // row e / 16 of the group, column e % 16
        o[8u * f + i] = o[8u * f + i] * row_scale[16u * group + e / 16u] +
                        mma_result(group * 256u + e);
      }
      barrier();
    }
  }

  if (lid < kRows) row_scale[lid] = 1.0 / l;
  barrier();
  [[unroll]] for (uint f = 0; f < kHeadDim / 16u; ++f)
    [[unroll]] for (uint i = 0; i < 8u; ++i) {
      const uint e = lane + kMmaLanes * i, r = 16u * group + e / 16u, row = first_row + r;
      if (row >= rows) continue;
      const uint t = row / kGroup, h = g * kGroup + row % kGroup;
      pc.result.v[(t * pc.heads + h) * kHeadDim + 16u * f + e % 16u] = o[8u * f + i] * row_scale[r];
    }
}
