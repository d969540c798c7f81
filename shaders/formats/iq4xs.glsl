// GGUF IQ4_XS: super-blocks of 256, each block of 32 IQ4_NL's codes (16 bytes, split order) with a
// 6-bit scale ls: value = d * (ls - 32) * level[q]. The super-block's record (two words): d and
// scales_h (2 bits per block) as fp16 and u16, then scales_l (a nibble per block).
#include "nibbles.glsl"
#include "iq4_levels.glsl"
const bool kHasOffset = false;

void load_block(uint blk, out vec4 q[8], out float scale, out float offset) {
  load_iq4_levels(blk, q);
  const uint record = 2u * (blk >> 3), ib = blk & 7u;
  const uint head = W_SCALE32(record);
  const uint ls = ((W_SCALE32(record + 1u) >> (4u * ib)) & 15u) | ((head >> (16u + 2u * ib)) & 3u) << 4;
  scale = unpackHalf2x16(head).x * (float(ls) - 32.0);
  offset = 0.0;
}
