#version 460
#extension GL_GOOGLE_include_directive : require
// f32_rmsnorm: one workgroup per row; the sum of squares meets in subgroupAdd, then across
// subgroups in shared memory. Eps inside the rsqrt, gain after normalisation, no mean. Rows of a
// multiple of 4 floats go four at a time: a decode step's lone workgroup is bound by how many
// loads each invocation waits on in turn (an H100 spent 11 us a row of 2880 one float at a time).
#include "common.glsl"
#include "rmsnorm_push.h"

OSSVK_SPEC_CONSTANTS(OSSVK_RMSNORM_SPEC)

shared float partial_sums[64];

void main() {
  const uint t = gl_WorkGroupID.x;
  const uint lid = gl_LocalInvocationID.x, threads = gl_WorkGroupSize.x;
  const uint row = t * pc.n;
  const uint quads = pc.n % 4u == 0u ? pc.n / 4u : 0u;  // else one float at a time
  Vec4Buf x4 = Vec4Buf(uint64_t(pc.x) + uint64_t(row) * 4ul);
  Vec4Buf y4 = Vec4Buf(uint64_t(pc.y) + uint64_t(row) * 4ul);
  Vec4Buf gain4 = Vec4Buf(pc.gain);
  float ss = 0.0;
  for (uint i = lid; i < quads; i += threads) ss += dot(x4.v[i], x4.v[i]);
  for (uint i = quads * 4u + lid; i < pc.n; i += threads) ss = fma(pc.x.v[row + i], pc.x.v[row + i], ss);
  ss = subgroupAdd(ss);
  if (subgroupElect()) partial_sums[gl_SubgroupID] = ss;
  barrier();
  float total = 0.0;
  for (uint s = 0; s < gl_NumSubgroups; ++s) total += partial_sums[s];
  const float scale = inversesqrt(total / float(pc.n) + pc.eps);
  for (uint i = lid; i < quads; i += threads) y4.v[i] = x4.v[i] * scale * gain4.v[i];
  for (uint i = quads * 4u + lid; i < pc.n; i += threads) pc.y.v[row + i] = pc.x.v[row + i] * scale * pc.gain.v[i];
}
