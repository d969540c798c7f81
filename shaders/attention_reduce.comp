#version 460
#extension GL_GOOGLE_include_directive : require
// f32_attention_reduce: merges the per-split softmax states of f32_attention and adds the sink:
// M = max(sink, m_z), L = exp(sink - M) + sum_z l_z exp(m_z - M), out = sum_z acc_z exp(m_z - M) / L.
// One invocation per output element.
#include "common.glsl"
#include "attention_kernel_push.h"

layout(local_size_x = 64) in;
OSSVK_SPEC_CONSTANTS(OSSVK_ATTENTION_REDUCE_SPEC)

void main() {
  const uint idx = gl_GlobalInvocationID.x;  // (t * heads + h) * d + i
  if (idx >= pc.tokens * pc.heads * kHeadDim) return;
  const uint th = idx / kHeadDim, i = idx % kHeadDim;
  const uint h = th % pc.heads;
  const uint stride = pc.tokens * pc.heads * (kHeadDim + 2u);
  const float sink = pc.sinks.v[h];
  float big = sink;
  for (uint z = 0; z < pc.splits; ++z) big = max(big, pc.partial.v[z * stride + th * (kHeadDim + 2u)]);
  float l = exp(sink - big), acc = 0.0;
  for (uint z = 0; z < pc.splits; ++z) {
    const uint base = z * stride + th * (kHeadDim + 2u);
    const float w = exp(pc.partial.v[base] - big);
    l += pc.partial.v[base + 1u] * w;
    acc += pc.partial.v[base + 2u + i] * w;
  }
  pc.result.v[idx] = acc / l;
}
