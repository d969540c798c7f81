// GGUF Q5_1: value = d * q + m, q = 4-bit code (split order) | fifth bit from qh << 4; d and m
// fp16, one scale word per block (d low, m high).
#define FIRST_QUANTS(blk) (blk)  // weight_format.glsl
#include "nibbles.glsl"
#include "fifth_bits.glsl"
const bool kHasOffset = true;

void load_block(uint blk, out vec4 q[8], out float scale, out float offset) {
  load_five_bit_codes(blk, q);
  const vec2 dm = unpackHalf2x16(W_SCALE32(blk));
  scale = dm.x;
  offset = dm.y;
}
