#version 460
#extension GL_GOOGLE_include_directive : require
// f32_<fmt>w_get_rows: one invocation per 32-element block of one output row (workgroup y is
// the token). Rows outside this part of W are left to the part that holds them.
#include "common.glsl"
#include "get_rows_push.h"
#include "matmul_buffers.glsl"
#include "weight_format.glsl"

layout(local_size_x = 64) in;

void main() {
  const uint t = gl_WorkGroupID.y;
  const uint b = gl_GlobalInvocationID.x;
  const uint blocks = pc.k / 32u;
  if (t >= pc.n || b >= blocks) return;
  const uint id = pc.ids.v[t];
  if (id < pc.row_begin || id - pc.row_begin >= pc.rows) return;
  vec4 q[8];
  float scale, offset;
  load_block((id - pc.row_begin) * blocks + b, q, scale, offset);
  const uint o = t * pc.k + b * 32u;
  for (uint i = 0; i < 8u; ++i)
    for (uint j = 0; j < 4u; ++j) pc.y.v[o + 4u * i + j] = q[i][j] * scale + offset;
}
