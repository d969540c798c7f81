// GGUF IQ4_XS: super-blocks of 256, each block of 32 IQ4_NL's codes (16 bytes, split order) with a
// 6-bit scale ls: value = d * (ls - 32) * level[q]. The super-block's record (two words): d and
// scales_h (2 bits per block) as fp16 and u16, then scales_l (a nibble per block).
#include "nibbles.glsl"
#include "iq4_levels.glsl"
const bool kHasOffset = false;

// The super-block's record (ROW_RECORD, weight_format.glsl): the 16 bytes holding it (and its
// neighbour's) in one read, where two words are two texel fetches on lavapipe; buffers are
// allocated in whole 256 bytes.
#define ROW_RECORD uvec2
uvec2 load_record(uint blk) {
  const uvec4 pair = W_SCALE128(blk >> 4);
  return (blk & 8u) != 0u ? pair.zw : pair.xy;
}

void load_block_record(uint blk, uvec2 record, out vec4 q[8], out float scale, out float offset) {
  load_iq4_levels(blk, q);
  const uint ib = blk & 7u, head = record.x;
  const uint ls = ((record.y >> (4u * ib)) & 15u) | ((head >> (16u + 2u * ib)) & 3u) << 4;
  scale = unpackHalf2x16(head).x * (float(ls) - 32.0);
  offset = 0.0;
}
