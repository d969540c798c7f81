// GGUF Q2_K: super-blocks of 256 in two halves of 128. Block j = 4n + t of a super-block takes
// its 2-bit codes from bits 2t of the 32 qs bytes 32n .. (the quants plane, two texels) and a
// byte per 16 elements, scales[2j] and the next (low nibble a scale, high a min):
// value = d * sc * q - dmin * m. The scales plane holds the 16 scale bytes, the aux plane d and
// dmin (fp16). The min changes within a block of 32, so load_block hands on whole values
// (scale 1); the super-block decoder hands on each half's scale and offset.
#include "nibbles.glsl"
const bool kHasOffset = false;

// Block j's halves' scales and offsets from the scale word holding bytes 2j and 2j + 1, and
// (d, dmin).
void q2k_halves(uint scale_word, vec2 d, uint j, out vec2 scale, out vec2 offset) {
  const uint bytes = scale_word >> (16u * (j & 1u));
  scale = d.x * vec2(bytes & 15u, (bytes >> 8) & 15u);
  offset = -d.y * vec2((bytes >> 4) & 15u, (bytes >> 12) & 15u);
}

void load_block(uint blk, out vec4 q[8], out float scale, out float offset) {
  const uint sb = blk >> 3, j = blk & 7u, half_texel = 4u * sb + 2u * (j >> 2);
  const uvec4 a = W_QUANTS(half_texel), b = W_QUANTS(half_texel + 1u);
  const uint shift = 2u * (j & 3u);
  vec2 s, o;
  q2k_halves(W_SCALE32(4u * sb + (j >> 1)), unpackHalf2x16(W_AUX32(sb)), j, s, o);
  [[unroll]] for (uint i = 0; i < 4u; ++i) {
    q[i] = u8x4((a[i] >> shift) & 0x03030303u) * s.x + o.x;  // elements 0..15
    q[i + 4u] = u8x4((b[i] >> shift) & 0x03030303u) * s.y + o.y;
  }
  scale = 1.0;
  offset = 0.0;
}

// The super-block decoder (shaders/matvec.comp): the whole super-block in six fetches, those that
// reach a new cache line first (the codes' first texel, the scales, d).
#define SUPER_BLOCKS
struct Super {
  uvec4 q0, q1, q2, q3, scales;
  vec2 d;
};

const uint kSuperParts = 6u;
void load_super_part(uint sb, uint part, inout Super s) {
  if (part == 0u) s.q0 = W_QUANTS(4u * sb);
  if (part == 1u) s.scales = W_SCALE128(sb);
  if (part == 2u) s.d = unpackHalf2x16(W_AUX32(sb));
  if (part == 3u) s.q1 = W_QUANTS(4u * sb + 1u);
  if (part == 4u) s.q2 = W_QUANTS(4u * sb + 2u);
  if (part == 5u) s.q3 = W_QUANTS(4u * sb + 3u);
}

// Codes where they lie in their words (block j = 4n + t): bits 8k + 2t of byte k's element,
// 2^(8k + 2t) times the code (k < 3, exact), and the top byte's shifted down to bits 2t;
// super_x_scale(j) takes the powers of two off through the activations, once for all rows (exact
// for any |x| above 2^-104, below which fp32 would go subnormal). 2^-2t is built from its exponent
// bits: Vulkan allows exp2 an error of 3 + 2|x| ULP.
vec4 super_x_scale(uint j) {
  return uintBitsToFloat((127u - 2u * (j & 3u)) << 23) * vec4(1.0, 1.0 / 256.0, 1.0 / 65536.0, 1.0);
}

void super_block(Super s, uint j, out vec4 q[8], out vec2 scale, out vec2 offset) {
  const bool upper = j >= 4u;
  const uvec4 a = upper ? s.q2 : s.q0, b = upper ? s.q3 : s.q1;
  const uint m = 3u << (2u * (j & 3u));
  [[unroll]] for (uint i = 0; i < 4u; ++i) {
    q[i] = vec4(ivec4(a[i] & m, a[i] & (m << 8), a[i] & (m << 16), (a[i] >> 24) & m));
    q[i + 4u] = vec4(ivec4(b[i] & m, b[i] & (m << 8), b[i] & (m << 16), (b[i] >> 24) & m));
  }
  q2k_halves(s.scales[j >> 1], s.d, j, scale, offset);
}
