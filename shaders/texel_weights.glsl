// The weight-plane accessors of weight_format.glsl through uniform texel buffers (set 0, bindings
// 0..2): the quants and 32-bit scales and aux four words a texel, 8- and 16-bit ones one value a
// texel (R8/R16_UINT views, backend/kernels/binding.h), so W_SCALE8 and W_SCALE16 read alike.
layout(set = 0, binding = 0) uniform utextureBuffer w_quants_t;
layout(set = 0, binding = 1) uniform utextureBuffer w_scales_t;
layout(set = 0, binding = 2) uniform utextureBuffer w_aux_t;

uint texel_word(utextureBuffer t, uint i) { return texelFetch(t, int(i >> 2))[i & 3u]; }

// A kernel that reads a second matrix (moe_gate_up, shaders/moe_weights.glsl) defines
// TEXEL_PICK(first, second) to choose between these bindings and its own w2_* ones.
#ifndef TEXEL_PICK
#define TEXEL_PICK(first, second) first
#endif
#define W_QUANTS(i) TEXEL_PICK(texelFetch(w_quants_t, int(i)), texelFetch(w2_quants_t, int(i)))
#define TEXEL_VALUE(plane, i) TEXEL_PICK(texelFetch(w_##plane##_t, int(i)).x, \
                                         texelFetch(w2_##plane##_t, int(i)).x)
#define W_SCALE8(i) TEXEL_VALUE(scales, i)
#define W_SCALE16(i) TEXEL_VALUE(scales, i)
#define W_SCALE32(i) TEXEL_PICK(texel_word(w_scales_t, i), texel_word(w2_scales_t, i))
#define W_AUX32(i) TEXEL_PICK(texel_word(w_aux_t, i), texel_word(w2_aux_t, i))
// 16 bytes of a 32-bit scales or aux plane at once (one texel).
#define W_SCALE128(i) TEXEL_PICK(texelFetch(w_scales_t, int(i)), texelFetch(w2_scales_t, int(i)))
#define W_AUX128(i) TEXEL_PICK(texelFetch(w_aux_t, int(i)), texelFetch(w2_aux_t, int(i)))
#define W_AUX16(i) TEXEL_VALUE(aux, i)
