// MLX affine 4-bit: codes repacked to split order at upload.
#define FIRST_QUANTS(blk) (blk)  // weight_format.glsl
#include "nibbles.glsl"
#include "mlx_affine.glsl"
const bool kHasOffset = true;

void load_block(uint blk, out vec4 q[8], out float scale, out float offset) {
  nibble_codes(W_FIRST_QUANTS(blk), q);
  load_affine(blk, scale, offset);
}
