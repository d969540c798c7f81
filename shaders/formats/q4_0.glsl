// GGUF Q4_0: value = d * (q - 8), q a 4-bit code in split order, d fp16 per block.
#define FIRST_QUANTS(blk) (blk)  // weight_format.glsl
#include "nibbles.glsl"
const bool kHasOffset = true;

void load_block(uint blk, out vec4 q[8], out float scale, out float offset) {
  nibble_codes(W_FIRST_QUANTS(blk), q);
  scale = load_f16_scale(blk);
  offset = -8.0 * scale;
}
