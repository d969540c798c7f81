// GGUF Q3_K: super-blocks of 256 in two halves of 128. Block j = 4n + t takes its 2-bit codes
// from bits 2t of the 32 qs bytes 32n .. (the quants plane), a third bit from bit j of the 32
// hmask bytes (the aux plane, two 16-byte reads; the code is q - 4 where it is clear), and a
// 6-bit scale per 16 elements, k = 2j and the next: the low nibble of scale byte 2t (n = 0) or
// its high nibble (n = 1), with bits 2(j / 2) of byte 8 + k % 4 on top, minus 32.
// value = d * sc * code. The record (four words): the 12 scale bytes, then d.
#include "nibbles.glsl"
const bool kHasOffset = false;

// Block j's codes plus 4 (0..7) from its half's two qs texels and the two hmask texels, and its
// halves' 6-bit scales from the record.
void q3k_block(uvec4 a, uvec4 b, uvec4 hm0, uvec4 hm1, uvec4 record, uint j, out vec4 q[8],
               out vec2 sc) {
  const uint shift = 2u * (j & 3u);
  const uint lows = record[(j >> 1) & 1u] >> (16u * (j & 1u) + 4u * (j >> 2));
  const uint highs = record.z >> (16u * (j & 1u) + 2u * (j >> 1));
  sc = vec2(int((lows & 15u) | (highs & 3u) << 4) - 32,
            int(((lows >> 8) & 15u) | ((highs >> 8) & 3u) << 4) - 32);
  [[unroll]] for (uint i = 0; i < 4u; ++i) {
    q[i] = u8x4(((a[i] >> shift) & 0x03030303u) | (((hm0[i] >> j) & 0x01010101u) << 2));
    q[i + 4u] = u8x4(((b[i] >> shift) & 0x03030303u) | (((hm1[i] >> j) & 0x01010101u) << 2));
  }
}

// The code handed on is sc * (q - 4) (exact), the scale d.
void load_block(uint blk, out vec4 q[8], out float scale, out float offset) {
  const uint sb = blk >> 3, j = blk & 7u, half_texel = 4u * sb + 2u * (j >> 2);
  const uvec4 record = W_SCALE128(sb);
  vec2 sc;
  q3k_block(W_QUANTS(half_texel), W_QUANTS(half_texel + 1u), W_AUX128(2u * sb),
            W_AUX128(2u * sb + 1u), record, j, q, sc);
  [[unroll]] for (uint i = 0; i < 4u; ++i) {
    q[i] = (q[i] - 4.0) * sc.x;  // elements 0..15
    q[i + 4u] = (q[i + 4u] - 4.0) * sc.y;
  }
  scale = unpackHalf2x16(record.w).x;
  offset = 0.0;
}

// The super-block decoder (shaders/matvec.comp): the whole super-block in seven fetches, those
// that reach a new cache line first (the codes' and hmask's first texels, the record), the codes
// handed on plus 4 with the 4 taken off as each half's offset.
#define SUPER_BLOCKS
struct Super {
  uvec4 q0, q1, q2, q3, hm0, hm1, record;
  float d;
};

const uint kSuperParts = 7u;
void load_super_part(uint sb, uint part, inout Super s) {
  if (part == 0u) s.q0 = W_QUANTS(4u * sb);
  if (part == 1u) s.hm0 = W_AUX128(2u * sb);
  if (part == 2u) {
    s.record = W_SCALE128(sb);
    s.d = unpackHalf2x16(s.record.w).x;
  }
  if (part == 3u) s.q1 = W_QUANTS(4u * sb + 1u);
  if (part == 4u) s.q2 = W_QUANTS(4u * sb + 2u);
  if (part == 5u) s.q3 = W_QUANTS(4u * sb + 3u);
  if (part == 6u) s.hm1 = W_AUX128(2u * sb + 1u);
}

vec4 super_x_scale(uint j) { return vec4(1.0); }

void super_block(Super s, uint j, out vec4 q[8], out vec2 scale, out vec2 offset) {
  const bool upper = j >= 4u;
  vec2 sc;
  q3k_block(upper ? s.q2 : s.q0, upper ? s.q3 : s.q1, s.hm0, s.hm1, s.record, j, q, sc);
  scale = s.d * sc;
  offset = -4.0 * scale;
}
