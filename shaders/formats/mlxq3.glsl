// MLX affine 3-bit: bits 0-1 as crumbs (quants plane), bit 2 one word a block (aux plane).
#include "nibbles.glsl"
#include "crumbs.glsl"
#include "mlx_affine.glsl"
const bool kHasOffset = true;

void load_block(uint blk, out vec4 q[8], out float scale, out float offset) {
  const uvec2 w = crumb_words(W_QUANTS(blk >> 1), blk);
  const uint h = W_AUX32(blk);
  [[unroll]] for (uint t = 0; t < 8u; ++t) q[t] = u8x4(crumbs(w, t) | (bit_lanes(h, t) << 2));
  load_affine(blk, scale, offset);
}
