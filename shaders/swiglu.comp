#version 460
#extension GL_GOOGLE_include_directive : require
// f32_swiglu: gate = SwiGLU(gate, up) in place, element by element. CPU devices' grouped experts
// (backend/kernels/moe.cpp) apply it once between gate/up and down, where down would recompute
// it for every run of its rows.
#include "common.glsl"
#include "swiglu_push.h"

OSSVK_SPEC_CONSTANTS(OSSVK_SWIGLU_SPEC)
#include "swiglu.glsl"

void main() {
  const uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  for (uint i = gl_GlobalInvocationID.x; i < pc.count; i += stride)
    pc.gate.v[i] = swiglu(vec4(pc.gate.v[i]), vec4(pc.up.v[i])).x;
}
