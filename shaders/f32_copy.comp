#version 460
#extension GL_GOOGLE_include_directive : require
// dst = src, 16 bytes per invocation per step: the device's achievable streaming bandwidth,
// against which every other kernel's GB/s is judged. Built twice like the matmul kernels: through
// device addresses, and with OSSVK_TEXEL reading a uniform texel buffer and writing a storage
// buffer (see backend/kernels/binding.h).
#include "common.glsl"
#include "copy_push.h"

OSSVK_SPEC_CONSTANTS(OSSVK_COPY_SPEC)

#ifdef OSSVK_TEXEL
layout(set = 0, binding = 0) uniform textureBuffer src_t;
layout(set = 0, binding = 1) writeonly buffer Dst { vec4 dst_v[]; };
#define SRC(i) texelFetch(src_t, int(i))
#define DST(i) dst_v[i]
#else
#define SRC(i) pc.src.v[i]
#define DST(i) pc.dst.v[i]
#endif

void main() {
  uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  for (uint i = gl_GlobalInvocationID.x; i < pc.count; i += stride) DST(i) = SRC(i);
}
