#version 460
#extension GL_GOOGLE_include_directive : require
// dst = src, 16 bytes per invocation per step: the device's achievable streaming bandwidth,
// against which every other kernel's GB/s is judged.
#include "common.glsl"
#include "copy_push.h"

layout(local_size_x_id = 0) in;

void main() {
  uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  for (uint i = gl_GlobalInvocationID.x; i < pc.count; i += stride) pc.dst.v[i] = pc.src.v[i];
}
