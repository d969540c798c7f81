#version 460
#extension GL_GOOGLE_include_directive : require
// f32_moe_combine: the end of the grouped expert MLP: each token's residual plus its k experts'
// down outputs (biases included) weighted by the routing weights, summed in slot order.
#include "common.glsl"
#include "moe_combine_push.h"

layout(local_size_x = 64) in;

void main() {
  const uint quads = pc.hidden / 4u;
  const uint i = gl_GlobalInvocationID.x;  // a vec4 of out
  if (i >= pc.tokens * quads) return;
  const uint t = i / quads, q = i % quads;
  vec4 sum = pc.residual.v[i];
  for (uint s = 0u; s < pc.top_k; ++s)
    sum += pc.weights.v[t * pc.top_k + s] * pc.y.v[(t * pc.top_k + s) * quads + q];
  pc.result.v[i] = sum;
}
