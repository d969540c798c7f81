// How the f32_<fmt>w_matvec / _matmul kernels reach their buffers. By default through the device
// addresses in the push constants (any size). Built with OSSVK_TEXEL (the matvec and the grouped
// experts' shaders/moe_matvec.comp only, see backend/kernels/matmul.cpp), through descriptors
// pushed per dispatch (set 0): the weight planes and the activations as uniform texel buffers of
// four words, bias and y as storage buffers, and the matvec's RMSNorm gain as a texel buffer too.
// Where the device prefers descriptors (lavapipe, backend/kernels/binding.h) the launcher takes
// this variant when every range fits.
#ifdef OSSVK_TEXEL
#include "texel_weights.glsl"
layout(set = 0, binding = 3) uniform textureBuffer x_t;
layout(set = 0, binding = 4) readonly buffer BiasBuf { float bias_v[]; };
layout(set = 0, binding = 5) buffer YBuf { float y_v[]; };
layout(set = 0, binding = 6) uniform textureBuffer gain_t;
#define X4(i) texelFetch(x_t, int(i))
#define GAIN4(i) texelFetch(gain_t, int(i))
#define BIAS(i) bias_v[i]
#define Y(i) y_v[i]
#else
#define W_QUANTS(i) pc.quants.v[i]
#define W_SCALE8(i) uint(pc.scales.v[i])
#define W_SCALE16(i) bitfieldExtract(U32Buf(pc.scales).v[(i) >> 1], int((i) & 1u) * 16, 16)
#define W_SCALE32(i) U32Buf(pc.scales).v[i]
#define W_SCALE128(i) UVec4Buf(pc.scales).v[i]
#define W_AUX128(i) UVec4Buf(pc.aux).v[i]
#define W_AUX32(i) pc.aux.v[i]
#define W_AUX16(i) bitfieldExtract(pc.aux.v[(i) >> 1], int((i) & 1u) * 16, 16)
#define X4(i) pc.x.v[i]
#define GAIN4(i) pc.gain.v[i]
#define BIAS(i) pc.bias.v[i]
#define Y(i) pc.y.v[i]
#endif
