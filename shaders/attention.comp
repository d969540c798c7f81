#version 460
#extension GL_GOOGLE_include_directive : require
// f32_attention: causal attention with a per-head sink, an optional sliding window and grouped
// query heads, for prefill and decode. A workgroup takes kQueries consecutive query tokens times
// the kGroup query heads that share one KV head, so each K/V row is read once for all of them;
// keys stream through shared memory in tiles of kKeys while every invocation keeps its query,
// its output accumulator and an online softmax (running max and sum) in registers: no
// tokens x keys matrix exists anywhere.
//
// The sink is one extra logit, unscaled, unmasked and without a value: seeding the running max
// with it and the running sum with exp(0) = 1 folds it into the denominator. With splits > 1
// (long decode contexts) workgroup z only sees the z-th run of split_keys keys, starts from
// an empty softmax and leaves (max, sum, accumulator) for f32_attention_reduce, which adds the
// sink once.
#include "common.glsl"
#include "attention_kernel_push.h"
#include "kv_cache.glsl"

OSSVK_SPEC_CONSTANTS(OSSVK_ATTENTION_SPEC)

shared float k_tile[kKeys][kHeadDim];
shared float v_tile[kKeys][kHeadDim];

void main() {
  const uint lid = gl_LocalInvocationID.x;
  const uint first_pos = step_first_pos(pc.first_pos, pc.position);
  const uint g = gl_WorkGroupID.y;  // KV head
  const uint z = gl_WorkGroupID.z;  // split
  const uint first_t = gl_WorkGroupID.x * kQueries;
  const uint t = first_t + lid / kGroup;
  const uint h = g * kGroup + lid % kGroup;
  const bool valid = t < pc.tokens;
  const uint pos = first_pos + min(t, pc.tokens - 1u);
  const uint kv_width = pc.kv_heads * kHeadDim;

  // Keys any query of this workgroup may see, then this split's share of them.
  const uint last_t = min(first_t + kQueries, pc.tokens) - 1u;
  const uvec2 run = key_run(first_pos + first_t, first_pos + last_t, z, pc.window, pc.splits,
                             pc.split_keys);
  const uint key_begin = run.x, key_end = run.y;

  float q[kHeadDim];
  float acc[kHeadDim];
  [[unroll]] for (uint i = 0; i < kHeadDim; ++i) {
    q[i] = valid ? pc.q.v[(t * pc.heads + h) * kHeadDim + i] : 0.0;
    acc[i] = 0.0;
  }
  float m = pc.splits > 1u ? -1.0 / 0.0 : pc.sinks.v[h];
  float l = pc.splits > 1u ? 0.0 : 1.0;

  const uint threads = gl_WorkGroupSize.x;
  for (uint k0 = key_begin; k0 < key_end; k0 += kKeys) {
    [[unroll]] for (uint e = lid; e < kKeys * kHeadDim; e += threads) {
      uint r = e / kHeadDim, c = e % kHeadDim;
      uint kpos = min(k0 + r, key_end - 1u);
      uint src = (kpos % pc.ring) * kv_width + g * kHeadDim + c;
      k_tile[r][c] = kv_load(uint64_t(pc.k_cache), src);
      v_tile[r][c] = kv_load(uint64_t(pc.v_cache), src);
    }
    barrier();
    for (uint r = 0; r < kKeys; ++r) {  // keys in all: within llvmpipe's loop budget up to 64k
      const uint kpos = k0 + r;
      const bool visible = valid && kpos < key_end && kpos <= pos && (pc.window == 0u || pos - kpos < pc.window);
      if (!visible) continue;
      float s = 0.0;
      [[unroll]] for (uint i = 0; i < kHeadDim; ++i) s = fma(q[i], k_tile[r][i], s);
      const float m_new = max(m, s);
      const float correction = exp(m - m_new);
      const float p = exp(s - m_new);
      l = l * correction + p;
      [[unroll]] for (uint i = 0; i < kHeadDim; ++i) acc[i] = acc[i] * correction + p * v_tile[r][i];
      m = m_new;
    }
    barrier();
  }

  if (!valid) return;
  if (pc.splits > 1u) {
    const uint base = ((z * pc.tokens + t) * pc.heads + h) * (kHeadDim + 2u);
    pc.partial.v[base] = m;
    pc.partial.v[base + 1u] = l;
    [[unroll]] for (uint i = 0; i < kHeadDim; ++i) pc.partial.v[base + 2u + i] = acc[i];
  } else {
    const float inv = 1.0 / l;
    [[unroll]] for (uint i = 0; i < kHeadDim; ++i) pc.result.v[(t * pc.heads + h) * kHeadDim + i] = acc[i] * inv;
  }
}
