// MLX affine 6-bit: 4-bit codes in split order (quants plane), bits 4-5 as crumbs, two blocks a
// texel (aux plane).
#include "nibbles.glsl"
#include "crumbs.glsl"
#include "mlx_affine.glsl"
const bool kHasOffset = true;

void load_block(uint blk, out vec4 q[8], out float scale, out float offset) {
  const uvec4 n = W_QUANTS(blk);
  const uvec2 h = crumb_words(W_AUX128(blk >> 1), blk);
  [[unroll]] for (uint i = 0; i < 4u; ++i) {
    q[i] = u8x4((n[i] & 0x0F0F0F0Fu) | (crumbs(h, i) << 4));
    q[i + 4u] = u8x4(((n[i] >> 4) & 0x0F0F0F0Fu) | (crumbs(h, i + 4u) << 4));
  }
  load_affine(blk, scale, offset);
}
