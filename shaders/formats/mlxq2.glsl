// MLX affine 2-bit: the codes as crumbs, two blocks a texel.
#include "nibbles.glsl"
#include "crumbs.glsl"
#include "mlx_affine.glsl"
const bool kHasOffset = true;

void load_block(uint blk, out vec4 q[8], out float scale, out float offset) {
  const uvec2 w = crumb_words(W_QUANTS(blk >> 1), blk);
  [[unroll]] for (uint t = 0; t < 8u; ++t) q[t] = u8x4(crumbs(w, t));
  load_affine(blk, scale, offset);
}
