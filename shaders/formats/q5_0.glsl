// GGUF Q5_0: value = d * (q - 16), q = 4-bit code (split order) | fifth bit from qh << 4.
#define FIRST_QUANTS(blk) (blk)  // weight_format.glsl
#include "nibbles.glsl"
#include "fifth_bits.glsl"
const bool kHasOffset = true;

void load_block(uint blk, out vec4 q[8], out float scale, out float offset) {
  load_five_bit_codes(blk, q);
  scale = load_f16_scale(blk);
  offset = -16.0 * scale;
}
