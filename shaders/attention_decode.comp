#version 460
#extension GL_GOOGLE_include_directive : require
// f32_attention_decode: f32_attention for one token (a decode step), with the same sink, window,
// ring, splits and partial layout (f32_attention_reduce merges its splits). f32_attention gives
// each query its own invocation walking the keys one by one; a decode step has a single query
// per head, which left 8 invocations of a KV head doing all the work. Here a workgroup takes one
// KV head and kHeads of its query heads, one subgroup a head: key tiles pass through shared
// memory, each lane scores keys of the tile against the head's query, the subgroup meets on the
// tile's max and sum, and each lane accumulates its own output dimensions over the tile.
#include "common.glsl"
#include "attention_kernel_push.h"
#include "kv_cache.glsl"

OSSVK_SPEC_CONSTANTS(OSSVK_ATTENTION_DECODE_SPEC)

// Rows padded by one float: lanes scoring different keys read one column of k_tile.
shared float k_tile[kKeys][kHeadDim + 1];
shared float v_tile[kKeys][kHeadDim];
shared float p_tile[kHeads][kKeys];

const uint kDimsPerLane = (kHeadDim + 7u) / 8u;  // subgroups have at least 8 lanes

// Attends query head h_local of KV head g (not live: its subgroup only joins the barriers).
void attend(uint g, uint z, uint pos, uint h_local, bool live) {
  const uint lid = gl_LocalInvocationID.x, lane = gl_SubgroupInvocationID;
  const uint lanes = gl_SubgroupSize, threads = gl_WorkGroupSize.x, sg = gl_SubgroupID;
  const uint kv_width = pc.kv_heads * kHeadDim;
  const uint h = g * kGroup + min(h_local, kGroup - 1u);

  const uvec2 run = key_run(pos, pos, z, pc.window, pc.splits, pc.split_keys);
  const uint key_begin = run.x, key_end = run.y;

  float q[kHeadDim];
  [[unroll]] for (uint i = 0; i < kHeadDim; ++i) q[i] = pc.q.v[h * kHeadDim + i];
  float acc[kDimsPerLane];
  [[unroll]] for (uint j = 0; j < kDimsPerLane; ++j) acc[j] = 0.0;
  const float neg_inf = -1.0 / 0.0;
  float m = pc.splits > 1u ? neg_inf : pc.sinks.v[h];
  float l = pc.splits > 1u ? 0.0 : 1.0;

  // The same trip count for the whole workgroup: every invocation reaches every barrier.
  for (uint k0 = key_begin; k0 < key_end; k0 += kKeys) {
    for (uint e = lid; e < kKeys * kHeadDim; e += threads) {
      const uint r = e / kHeadDim, c = e % kHeadDim;
      const uint src = (min(k0 + r, key_end - 1u) % pc.ring) * kv_width + g * kHeadDim + c;
      k_tile[r][c] = kv_load(uint64_t(pc.k_cache), src);
      v_tile[r][c] = kv_load(uint64_t(pc.v_cache), src);
    }
    barrier();
    if (live) {
      const uint keys = min(kKeys, key_end - k0);
      float tile_max = neg_inf;
      for (uint r = lane; r < kKeys; r += lanes) {
        float s = neg_inf;
        if (r < keys) {
          s = 0.0;
          [[unroll]] for (uint i = 0; i < kHeadDim; ++i) s = fma(q[i], k_tile[r][i], s);
        }
        p_tile[sg][r] = s;
        tile_max = max(tile_max, s);
      }
      const float m_new = max(m, subgroupMax(tile_max));
      const float correction = m == m_new ? 1.0 : exp(m - m_new);
      float p_sum = 0.0;
      for (uint r = lane; r < kKeys; r += lanes) {
        const float p = r < keys ? exp(p_tile[sg][r] - m_new) : 0.0;
        p_tile[sg][r] = p;
        p_sum += p;
      }
      l = l * correction + subgroupAdd(p_sum);
      m = m_new;
      subgroupMemoryBarrierShared();
      subgroupBarrier();
      [[unroll]] for (uint j = 0; j < kDimsPerLane; ++j) {
        const uint d = lane + j * lanes;
        if (d < kHeadDim) {
          float a = acc[j] * correction;
          for (uint r = 0; r < keys; ++r) a = fma(p_tile[sg][r], v_tile[r][d], a);
          acc[j] = a;
        }
      }
    }
    barrier();
  }

  if (!live) return;
  if (pc.splits > 1u) {
    const uint base = (z * pc.heads + h) * (kHeadDim + 2u);
    if (lane == 0u) {
      pc.partial.v[base] = m;
      pc.partial.v[base + 1u] = l;
    }
    [[unroll]] for (uint j = 0; j < kDimsPerLane; ++j) {
      const uint d = lane + j * lanes;
      if (d < kHeadDim) pc.partial.v[base + 2u + d] = acc[j];
    }
  } else {
    const float inv = 1.0 / l;
    [[unroll]] for (uint j = 0; j < kDimsPerLane; ++j) {
      const uint d = lane + j * lanes;
      if (d < kHeadDim) pc.result.v[h * kHeadDim + d] = acc[j] * inv;
    }
  }
}

void main() {
  const uint pos = step_first_pos(pc.first_pos, pc.position);
  // Subgroups may come out larger than the launcher planned (fewer of them than kHeads): take
  // the heads in rounds, the same number for every subgroup.
  for (uint first = 0; first < kHeads; first += gl_NumSubgroups) {
    const uint slot = first + gl_SubgroupID;
    const uint h_local = gl_WorkGroupID.x * kHeads + slot;
    attend(gl_WorkGroupID.y, gl_WorkGroupID.z, pos, h_local, slot < kHeads && h_local < kGroup);
  }
}
