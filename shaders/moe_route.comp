#version 460
#extension GL_GOOGLE_include_directive : require
// f32_moe_route: top-k on the raw router logits, ties to the lower expert index, then softmax
// over the k selected logits only (docs/model.md, "MoE"). One invocation per token; k is a runtime
// value, 1..experts (at most 256 experts).
#include "common.glsl"
#include "moe_route_push.h"

layout(local_size_x = 64) in;

void main() {
  const uint t = gl_GlobalInvocationID.x;
  if (t >= pc.tokens) return;
  const uint row = t * pc.experts;
  uint taken[8] = uint[8](0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u);
  float top = 0.0, sum = 0.0;
  for (uint s = 0; s < pc.top_k; ++s) {
    uint best = 0xFFFFFFFFu;
    float best_logit = 0.0;
    // Four experts per iteration: lavapipe ends an invocation's loops after 65535 iterations
    // in all, which k x experts single steps would pass at 256 experts.
    for (uint e4 = 0; e4 < pc.experts; e4 += 4u) {
      [[unroll]] for (uint j = 0; j < 4u; ++j) {
        const uint e = e4 + j;
        if (e >= pc.experts || (taken[e / 32u] & (1u << (e % 32u))) != 0u) continue;
        float v = pc.logits.v[row + e];
        if (best == 0xFFFFFFFFu || v > best_logit) best = e, best_logit = v;  // strict: lower index wins ties
      }
    }
    taken[best / 32u] |= 1u << (best % 32u);
    if (s == 0u) top = best_logit;
    const float w = exp(best_logit - top);
    pc.ids.v[t * pc.top_k + s] = best;
    pc.weights.v[t * pc.top_k + s] = w;
    sum += w;
  }
  const float inv = 1.0 / sum;
  for (uint s = 0; s < pc.top_k; ++s) pc.weights.v[t * pc.top_k + s] *= inv;
}
