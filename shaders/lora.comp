#version 460
#extension GL_GOOGLE_include_directive : require
// f32_lora (and f32_lora_swiglu, x the SwiGLU of two inputs): y = M_e x for one row of a step per workgroup row (gl_WorkGroupID.y), M an f32
// matrix of a LoRA adapter (its A, rank x in, or its B, out x rank) and e the row's expert.
// 2^lane_shift invocations share each output: all 64 for A's long rows, one for B's rank-long
// ones; they sum in a fixed tree, so a row's result does not depend on the device.
#include "common.glsl"
#include "lora_push.h"

layout(local_size_x = 64) in;
OSSVK_SPEC_CONSTANTS(OSSVK_LORA_SPEC)
#include "swiglu.glsl"

float load_x(uint at) {
#ifdef LORA_SWIGLU
  return swiglu(vec4(pc.x.v[at]), vec4(pc.x_up.v[at])).x;
#else
  return pc.x.v[at];
#endif
}

shared float partial[64];

void main() {
  const uint lid = gl_LocalInvocationID.x;
  const uint lanes = 1u << pc.lane_shift;
  const uint lane = lid & (lanes - 1u);
  const uint i = (gl_WorkGroupID.x << (6u - pc.lane_shift)) + (lid >> pc.lane_shift);
  const uint p = gl_WorkGroupID.y;
  const uint e = (pc.flags & 2u) != 0u ? pc.ids.v[p] : 0u;
  const uint row = (e * pc.outputs + min(i, pc.outputs - 1u)) * pc.inputs;
  const uint x0 = (p / pc.x_row_div) * pc.x_stride + pc.x_offset;
  float sum = 0.0;
  for (uint j = lane; j < pc.inputs; j += lanes) sum += pc.m.v[row + j] * load_x(x0 + j);
  partial[lid] = sum;
  barrier();
  for (uint half_ = lanes >> 1u; half_ > 0u; half_ >>= 1u) {
    if (lane < half_) partial[lid] += partial[lid + half_];
    barrier();
  }
  if (lane == 0u && i < pc.outputs) {
    const uint at = p * pc.y_stride + pc.y_offset + i;
    pc.y.v[at] = (pc.flags & 1u) != 0u ? pc.y.v[at] + partial[lid] : partial[lid];
  }
}
