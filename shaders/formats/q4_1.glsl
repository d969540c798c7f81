// GGUF Q4_1: value = d * q + m, q a 4-bit code in split order; d and m fp16, one scale word per
// block (d low, m high).
#define FIRST_QUANTS(blk) (blk)  // weight_format.glsl
#include "nibbles.glsl"
const bool kHasOffset = true;

void load_block(uint blk, out vec4 q[8], out float scale, out float offset) {
  nibble_codes(W_FIRST_QUANTS(blk), q);
  const vec2 dm = unpackHalf2x16(W_SCALE32(blk));
  scale = dm.x;
  offset = dm.y;
}
