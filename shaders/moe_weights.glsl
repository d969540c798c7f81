// The weight-plane accessors of weight_format.glsl for the MoE kernels, which read two matrices
// (gate_up) or one (down), and how they reach their activations. By default every buffer is a
// device address: the planes of the current matrix live in the g_* globals. Built with
// OSSVK_TEXEL, the current part's planes are uniform texel buffers (set 0: the first matrix at
// bindings 0..2, gate_up's second at 3..5, the activations after them) and g_matrix picks the
// matrix; it is a constant wherever the inlined decoders read it, so only one fetch remains.
// ACT4(i) reads the activations' vec4 i (the address path defines it in each kernel).
#ifdef OSSVK_TEXEL
#ifdef MOE_TWO_MATRICES
layout(set = 0, binding = 3) uniform utextureBuffer w2_quants_t;
layout(set = 0, binding = 4) uniform utextureBuffer w2_scales_t;
layout(set = 0, binding = 5) uniform utextureBuffer w2_aux_t;
layout(set = 0, binding = 6) uniform textureBuffer act_t;
uint g_matrix = 0u;
#define TEXEL_PICK(first, second) (g_matrix == 0u ? first : second)
#define USE_MATRIX(index, quants, scales, aux) g_matrix = index
#else
layout(set = 0, binding = 3) uniform textureBuffer act_t;
#define USE_MATRIX(index, quants, scales, aux)
#endif
#include "texel_weights.glsl"
#define ACT4(i) texelFetch(act_t, int(i))
#else
UVec4Buf g_quants;
U8Buf g_scales;
U32Buf g_aux;
#define W_QUANTS(i) g_quants.v[i]
#define W_SCALE8(i) uint(g_scales.v[i])
#define W_SCALE16(i) bitfieldExtract(U32Buf(g_scales).v[(i) >> 1], int((i) & 1u) * 16, 16)
#define W_SCALE32(i) U32Buf(g_scales).v[i]
#define W_SCALE128(i) UVec4Buf(g_scales).v[i]
#define W_AUX128(i) UVec4Buf(g_aux).v[i]
#define W_AUX32(i) g_aux.v[i]
#define W_AUX16(i) bitfieldExtract(g_aux.v[(i) >> 1], int((i) & 1u) * 16, 16)
#define USE_MATRIX(index, quants, scales, aux) g_quants = quants, g_scales = scales, g_aux = aux
#endif
