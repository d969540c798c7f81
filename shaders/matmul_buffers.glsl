// How the f32_<fmt>w_matvec / _matmul kernels reach their buffers. By default through the device
// addresses in the push constants (any size). Built with OSSVK_SSBO, through storage-buffer
// descriptors pushed per dispatch (set 0: quants, scales, aux, x, bias, y), each range at most
// maxStorageBufferRange: on lavapipe both are per-lane scalar loops, but the descriptor one measured
// faster, so the launcher prefers descriptors there when they fit.
#ifdef OSSVK_SSBO
layout(set = 0, binding = 0) readonly buffer WQuants { uvec4 w_quants[]; };
layout(set = 0, binding = 1) readonly buffer WScales8 { uint8_t w_scales8[]; };
layout(set = 0, binding = 1) readonly buffer WScales16 { uint16_t w_scales16[]; };
layout(set = 0, binding = 2) readonly buffer WAux32 { uint w_aux32[]; };
layout(set = 0, binding = 2) readonly buffer WAux16 { uint16_t w_aux16[]; };
layout(set = 0, binding = 3) readonly buffer XBuf { vec4 x_v[]; };
layout(set = 0, binding = 4) readonly buffer BiasBuf { float bias_v[]; };
layout(set = 0, binding = 5) buffer YBuf { float y_v[]; };
#define W_QUANTS(i) w_quants[i]
#define W_SCALE8(i) uint(w_scales8[i])
#define W_SCALE16(i) uint(w_scales16[i])
#define W_AUX32(i) w_aux32[i]
#define W_AUX16(i) uint(w_aux16[i])
#define X4(i) x_v[i]
#define BIAS(i) bias_v[i]
#define Y(i) y_v[i]
#else
#define W_QUANTS(i) pc.quants.v[i]
#define W_SCALE8(i) uint(pc.scales.v[i])
#define W_SCALE16(i) uint(U16Buf(pc.scales).v[i])
#define W_AUX32(i) pc.aux.v[i]
#define W_AUX16(i) uint(U16Buf(pc.aux).v[i])
#define X4(i) pc.x.v[i]
#define BIAS(i) pc.bias.v[i]
#define Y(i) pc.y.v[i]
#endif
