// The weight-plane accessors of weight_format.glsl for the MoE kernels, which read two or more
// matrices: the planes of the current one live in these globals.
UVec4Buf g_quants;
U8Buf g_scales;
U32Buf g_aux;
#define W_QUANTS(i) g_quants.v[i]
#define W_SCALE8(i) uint(g_scales.v[i])
#define W_SCALE16(i) uint(U16Buf(g_scales).v[i])
#define W_AUX32(i) g_aux.v[i]
#define W_AUX16(i) uint(U16Buf(g_aux).v[i])
