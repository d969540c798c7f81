#version 460
#extension GL_GOOGLE_include_directive : require
// f32_<fmt>w_moe_norm_route: a decode step's routing in one dispatch, one workgroup per token:
// t = RMSNorm(x) (into normed, which the experts read), the router's logits W t + b (+ a LoRA
// side path's addend, computed before from a separately normalised row), the top k of
// them (ties to the lower expert index) and the softmax over those k, into ids and weights
// (docs/model.md, "One block"). It stands for f32_rmsnorm, the router's f32_<fmt>w_matvec and
// f32_moe_route: two dispatches and two barriers fewer in each layer. The normalised row is
// staged in shared memory as the GPUs' matvec stages activations; each subgroup takes one
// expert's row at a time, each lane whole 32-element blocks of it; subgroup 0 then picks the k.
#include "common.glsl"
#include "moe_norm_route_push.h"
#include "matmul_buffers.glsl"
#include "weight_format.glsl"

OSSVK_SPEC_CONSTANTS(OSSVK_MOE_NORM_ROUTE_SPEC)

float g_scale;  // this token's 1 / rms
uint g_row;     // its first vec4 in x and normed

// Vec4 i of the token's normalised row, also written out for the experts.
vec4 normed4(uint i) {
  const vec4 y = pc.x.v[i] * g_scale * pc.gain.v[i - g_row];
  pc.normed.v[i] = y;
  return y;
}
#define STAGE_LOAD(i) normed4(i)
#include "stage_activations.glsl"

const uint kNone = 0xFFFFFFFFu;
shared float partial[64];  // the subgroups' sums of squares
shared float logits[256];  // kMaxExperts

void main() {
  const uint t = gl_WorkGroupID.x, lid = gl_LocalInvocationIndex, threads = gl_WorkGroupSize.x;
  const uint n4 = pc.hidden / 4u, blocks = pc.hidden / 32u;
  g_row = t * n4;
  float ss = 0.0;
  for (uint i = lid; i < n4; i += threads) {
    const vec4 v = pc.x.v[g_row + i];
    ss += dot(v, v);
  }
  ss = subgroupAdd(ss);
  if (subgroupElect()) partial[gl_SubgroupID] = ss;
  barrier();
  float total = 0.0;
  for (uint s = 0; s < gl_NumSubgroups; ++s) total += partial[s];
  g_scale = inversesqrt(total / float(pc.hidden) + pc.eps);
  stage_blocks(g_row, blocks);

  for (uint e = gl_SubgroupID; e < pc.experts; e += gl_NumSubgroups) {
    float acc = 0.0;
    for (uint b = gl_SubgroupInvocationID; b < blocks; b += gl_SubgroupSize) {
      vec4 x[8], q[8];
      float scale, offset;
      staged_block(b, x);
      load_block(e * blocks + b, q, scale, offset);
      acc += dot8(q, x) * scale + (kHasOffset ? offset * sum8(x) : 0.0);
    }
    acc = subgroupAdd(acc);
    if (subgroupElect())
      logits[e] = acc + pc.bias.v[e] + ((pc.flags & 8u) != 0u ? pc.addend.v[t * pc.experts + e] : 0.0);
  }
  barrier();
  if (gl_SubgroupID != 0u) return;

  // Each lane looks at experts lane, lane + lanes, ...; the subgroup takes the largest logit
  // (NaN counting as -inf, so some expert is always taken), the lowest expert among equals.
  const float kNegInf = uintBitsToFloat(0xFF800000u);
  uint taken[8] = uint[8](0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u);
  float top = 0.0, sum = 0.0;
  for (uint s = 0; s < pc.top_k; ++s) {
    uint best = kNone;
    float best_logit = kNegInf;
    for (uint e = gl_SubgroupInvocationID; e < pc.experts; e += gl_SubgroupSize) {
      if ((taken[e / 32u] & (1u << (e % 32u))) != 0u) continue;
      const float v = isnan(logits[e]) ? kNegInf : logits[e];
      if (best == kNone || v > best_logit) best = e, best_logit = v;
    }
    const float most = subgroupMax(best_logit);
    const uint pick = subgroupMin(best != kNone && best_logit == most ? best : kNone);
    taken[pick / 32u] |= 1u << (pick % 32u);
    const float logit = logits[pick];
    if (s == 0u) top = logit;
    const float w = exp(logit - top);
    sum += w;
    if (subgroupElect()) {
      pc.ids.v[t * pc.top_k + s] = pick;
      pc.weights.v[t * pc.top_k + s] = w;
    }
  }
  const float inv = 1.0 / sum;
  if (subgroupElect())
    for (uint s = 0; s < pc.top_k; ++s) pc.weights.v[t * pc.top_k + s] *= inv;
}
