// MLX affine 5-bit: 4-bit codes in split order with the fifth bit apart, as Q5_1's.
#define FIRST_QUANTS(blk) (blk)  // weight_format.glsl
#include "nibbles.glsl"
#include "fifth_bits.glsl"
#include "mlx_affine.glsl"
const bool kHasOffset = true;

void load_block(uint blk, out vec4 q[8], out float scale, out float offset) {
  load_five_bit_codes(blk, q);
  load_affine(blk, scale, offset);
}
