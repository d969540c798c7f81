// IQ4_NL's and IQ4_XS's 16 non-linear levels (ggml's kvalues_iq4nl: -127, -104, -83, -65, -49,
// -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113), indexed by 4-bit codes in split order.
//
// GPUs compute the levels: a quartic through the 16 levels (least squares) is within 0.477 of
// every one of them, so rounding it gives each level exactly; fp32's error on it is below 1e-4
// (the exact-data tests meet every code bit for bit). Kernels whose whole subgroup loads blocks
// together on CPU devices (LANE_TABLES, weight_format.glsl) look them up instead in the table
// held two entries a lane: two subgroupShuffles and a select a value, where lavapipe makes each
// shuffle one permute instruction for the subgroup and the quartic with its rounding takes nine
// operations. An indexed array would not do: lavapipe reads it lane by lane (8 % of copy
// bandwidth, against the quartic's 24 %). Needs nibbles.glsl.

vec4 quartic_levels(vec4 q) {
  return roundEven(
      (((0.00132472022 * q + 0.0412168242) * q - 1.50018358) * q + 24.7432461) * q - 127.043602);
}

vec4 levels(uint w) {  // the low nibble of each byte of w
  if (!(LANE_TABLES)) return quartic_levels(u4x4(w));
  // Lane l holds levels l % 8 and l % 8 + 8 (the same in every lane of a larger subgroup).
  const vec2 table = quartic_levels(vec4(gl_SubgroupInvocationID & 7u) + vec4(0, 8, 0, 0)).xy;
  const uvec4 n = uvec4(w, w >> 8, w >> 16, w >> 24) & 0xFu;
  vec4 l;
  [[unroll]] for (uint i = 0; i < 4u; ++i) {
    // Both shuffled: every lane takes part in each.
    const float low = subgroupShuffle(table.x, n[i] & 7u);
    const float high = subgroupShuffle(table.y, n[i] & 7u);
    l[i] = n[i] < 8u ? low : high;
  }
  return l;
}

// A block's 16 code bytes (one quants-plane texel) as levels.
void load_iq4_levels(uint blk, out vec4 q[8]) {
  uvec4 w = W_QUANTS(blk);
  [[unroll]] for (uint i = 0; i < 4u; ++i) {
    q[i] = levels(w[i]);
    q[i + 4u] = levels(w[i] >> 4);
  }
}
