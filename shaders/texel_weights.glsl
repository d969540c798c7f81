// The weight-plane accessors of weight_format.glsl through uniform texel buffers (set 0, bindings
// 0..2), each plane four words a texel: 8- and 16-bit scales are cut from their word. (One word
// a texel for the scales measured slower on lavapipe.)
layout(set = 0, binding = 0) uniform usamplerBuffer w_quants_t;
layout(set = 0, binding = 1) uniform usamplerBuffer w_scales_t;
layout(set = 0, binding = 2) uniform usamplerBuffer w_aux_t;

uint texel_byte(usamplerBuffer t, uint i) {
  return bitfieldExtract(texelFetch(t, int(i >> 4))[(i >> 2) & 3u], int(i & 3u) * 8, 8);
}
uint texel_half(usamplerBuffer t, uint i) {
  return bitfieldExtract(texelFetch(t, int(i >> 3))[(i >> 1) & 3u], int(i & 1u) * 16, 16);
}
uint texel_word(usamplerBuffer t, uint i) { return texelFetch(t, int(i >> 2))[i & 3u]; }

// A kernel that reads a second matrix (moe_gate_up, shaders/moe_weights.glsl) defines
// TEXEL_PICK(first, second) to choose between these bindings and its own w2_* ones.
#ifndef TEXEL_PICK
#define TEXEL_PICK(first, second) first
#endif
#define W_QUANTS(i) TEXEL_PICK(texelFetch(w_quants_t, int(i)), texelFetch(w2_quants_t, int(i)))
#define W_SCALE8(i) TEXEL_PICK(texel_byte(w_scales_t, i), texel_byte(w2_scales_t, i))
#define W_SCALE16(i) TEXEL_PICK(texel_half(w_scales_t, i), texel_half(w2_scales_t, i))
#define W_AUX32(i) TEXEL_PICK(texel_word(w_aux_t, i), texel_word(w2_aux_t, i))
#define W_AUX16(i) TEXEL_PICK(texel_half(w_aux_t, i), texel_half(w2_aux_t, i))
