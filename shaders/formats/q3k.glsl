// GGUF Q3_K: super-blocks of 256 in two halves of 128. Block s = 4n + j takes its 2-bit codes
// from bits 2j of the 32 qs bytes 32n .. (the quants plane), a third bit from bit 4n + j of the
// 32 hmask bytes (the aux plane, two 16-byte reads; the code is q - 4 where it is clear), and a 6-bit
// scale per 16 elements, k = 8n + 2j and the next: the low nibble of scale byte 2j (n = 0) or
// its high nibble (n = 1), with bits 2(2n + j / 2) of byte 8 + k % 4 on top, minus 32.
// value = d * sc * code; the code handed on is sc * code (exact), the scale d. The record (four
// words): the 12 scale bytes, then d.
#include "nibbles.glsl"
const bool kHasOffset = false;

void load_block(uint blk, out vec4 q[8], out float scale, out float offset) {
  const uint sb = blk >> 3, n = (blk >> 2) & 1u, j = blk & 3u, shift = 2u * j;
  const uvec4 a = W_QUANTS(4u * sb + 2u * n), b = W_QUANTS(4u * sb + 2u * n + 1u);
  const uvec4 record = W_SCALE128(sb), hm0 = W_AUX128(2u * sb), hm1 = W_AUX128(2u * sb + 1u);
  const uint hbit = 4u * n + j;
  const uint lows = ((j >> 1) != 0u ? record.y : record.x) >> (16u * (j & 1u) + 4u * n);
  const uint highs = record.z >> (16u * (j & 1u) + 2u * (2u * n + (j >> 1)));
  const float sc0 = float(int((lows & 15u) | (highs & 3u) << 4) - 32);
  const float sc1 = float(int(((lows >> 8) & 15u) | ((highs >> 8) & 3u) << 4) - 32);
  [[unroll]] for (uint i = 0; i < 4u; ++i) {
    const uint c0 = ((a[i] >> shift) & 0x03030303u) | (((hm0[i] >> hbit) & 0x01010101u) << 2);
    const uint c1 = ((b[i] >> shift) & 0x03030303u) | (((hm1[i] >> hbit) & 0x01010101u) << 2);
    q[i] = (u8x4(c0) - 4.0) * sc0;  // elements 0..15
    q[i + 4u] = (u8x4(c1) - 4.0) * sc1;
  }
  scale = unpackHalf2x16(record.w).x;
  offset = 0.0;
}
