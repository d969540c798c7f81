#version 460
#extension GL_GOOGLE_include_directive : require
// f32_rmsnorm: one workgroup per row; the sum of squares meets in subgroupAdd, then across
// subgroups in shared memory. Eps inside the rsqrt, gain after normalisation, no mean.
#include "common.glsl"
#include "norm_push.h"

layout(local_size_x_id = 0) in;

shared float partial_sums[64];

void main() {
  const uint t = gl_WorkGroupID.x;
  const uint lid = gl_LocalInvocationID.x;
  const uint row = t * pc.n;
  float ss = 0.0;
  for (uint i = lid; i < pc.n; i += gl_WorkGroupSize.x) ss = fma(pc.x.v[row + i], pc.x.v[row + i], ss);
  ss = subgroupAdd(ss);
  if (subgroupElect()) partial_sums[gl_SubgroupID] = ss;
  barrier();
  float total = 0.0;
  for (uint s = 0; s < gl_NumSubgroups; ++s) total += partial_sums[s];
  const float scale = inversesqrt(total / float(pc.n) + pc.eps);
  for (uint i = lid; i < pc.n; i += gl_WorkGroupSize.x) pc.y.v[row + i] = pc.x.v[row + i] * scale * pc.gain.v[i];
}
