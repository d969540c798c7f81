#version 460
#extension GL_GOOGLE_include_directive : require
// f32_topk: the kTopkKeep best entries of each chunk of kTopkChunk, best first, by one bitonic
// sort in shared memory. An entry is the key (ordered value, ~id): comparing keys as unsigned
// pairs puts the higher logit first and, between equal logits, the lower id, as the host
// sampler orders them. NaN and padding get value 0, below every real logit (-inf included), so
// they are never chosen; -0 is taken as +0 so that they tie as floats do.
#include "common.glsl"
#include "topk_push.h"

layout(local_size_x = 256) in;

shared uvec2 s[kTopkChunk];

uint ordered(float v) {
  if (isnan(v)) return 0u;
  const uint u = v == 0.0 ? 0u : floatBitsToUint(v);
  return (u & 0x80000000u) != 0u ? ~u : u | 0x80000000u;
}

bool less(uvec2 a, uvec2 b) {
  return a.x < b.x || (a.x == b.x && a.y < b.y);
}

void main() {
  const uint lid = gl_LocalInvocationID.x;
  const uint base = gl_WorkGroupID.x * kTopkChunk;
  for (uint i = lid; i < kTopkChunk; i += 256u) {
    const uint e = base + i;
    uvec2 key = uvec2(0u);
    if (e < pc.n)
      key = pc.from_logits != 0u ? uvec2(ordered(pc.logits.v[e]), ~e)
                                 : uvec2(pc.keys.v[2u * e], pc.keys.v[2u * e + 1u]);
    s[i] = key;
  }
  // Descending bitonic sort: runs of `size` alternate direction until the last merge.
  for (uint size = 2u; size <= kTopkChunk; size <<= 1u) {
    for (uint stride = size >> 1u; stride > 0u; stride >>= 1u) {
      barrier();
      for (uint p = lid; p < kTopkChunk / 2u; p += 256u) {
        const uint i = 2u * stride * (p / stride) + p % stride, j = i + stride;
        const uvec2 a = s[i], b = s[j];
        if (less(a, b) == ((i & size) == 0u)) {
          s[i] = b;
          s[j] = a;
        }
      }
    }
  }
  barrier();
  const uint o = gl_WorkGroupID.x * kTopkKeep;
  for (uint i = lid; i < kTopkKeep; i += 256u) {
    pc.best.v[2u * (o + i)] = s[i].x;
    pc.best.v[2u * (o + i) + 1u] = s[i].y;
  }
}
