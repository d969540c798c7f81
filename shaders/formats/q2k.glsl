// GGUF Q2_K: super-blocks of 256 in two halves of 128. Block s = 4n + j of a super-block takes
// its 2-bit codes from bits 2j of the 32 qs bytes 32n .. (the quants plane, two texels) and a
// byte per 16 elements, scales[8n + 2j] and the next (low nibble a scale, high a min):
// value = d * sc * q - dmin * m. The record (five words): the 16 scale bytes, then d and dmin.
// The min changes within a block of 32, so the decoder hands on whole values (scale 1).
#include "nibbles.glsl"
const bool kHasOffset = false;

void load_block(uint blk, out vec4 q[8], out float scale, out float offset) {
  const uint sb = blk >> 3, n = (blk >> 2) & 1u, j = blk & 3u, shift = 2u * j;
  const uvec4 a = W_QUANTS(4u * sb + 2u * n), b = W_QUANTS(4u * sb + 2u * n + 1u);
  const uint record = 5u * sb;
  const uint bytes = W_SCALE32(record + 2u * n + (j >> 1)) >> (16u * (j & 1u));
  const vec2 d = unpackHalf2x16(W_SCALE32(record + 4u));
  const float scale0 = d.x * float(bytes & 15u), min0 = d.y * float((bytes >> 4) & 15u);
  const float scale1 = d.x * float((bytes >> 8) & 15u), min1 = d.y * float((bytes >> 12) & 15u);
  [[unroll]] for (uint i = 0; i < 4u; ++i) {
    q[i] = u8x4((a[i] >> shift) & 0x03030303u) * scale0 - min0;  // elements 0..15
    q[i + 4u] = u8x4((b[i] >> shift) & 0x03030303u) * scale1 - min1;
  }
  scale = 1.0;
  offset = 0.0;
}
