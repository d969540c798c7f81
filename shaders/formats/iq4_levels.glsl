// IQ4_NL's and IQ4_XS's 16 non-linear levels (ggml's kvalues_iq4nl: -127, -104, -83, -65, -49,
// -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113), indexed by 4-bit codes in split order.
//
// Levels are computed, not looked up: lavapipe turns an indexed array into a per-lane gather,
// which ran the IQ4_NL matvec at 8 % of copy bandwidth against Q4_0's 39 %. A quartic through the
// 16 levels (least squares) is within 0.477 of every one of them, so rounding it gives each level
// exactly; fp32's error on it is below 1e-4 (the exact-data tests meet every code bit for bit).
// Needs nibbles.glsl.

vec4 levels(uint w) {  // the low nibble of each byte of w
  const vec4 q = u4x4(w);
  return roundEven(
      (((0.00132472022 * q + 0.0412168242) * q - 1.50018358) * q + 24.7432461) * q - 127.043602);
}

// A block's 16 code bytes (one quants-plane texel) as levels.
void load_iq4_levels(uint blk, out vec4 q[8]) {
  uvec4 w = W_QUANTS(blk);
  [[unroll]] for (uint i = 0; i < 4u; ++i) {
    q[i] = levels(w[i]);
    q[i + 4u] = levels(w[i] >> 4);
  }
}
