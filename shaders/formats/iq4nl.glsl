// GGUF IQ4_NL: value = d * level[q], q a 4-bit code in split order indexing 16 non-linear levels
// (ggml's kvalues_iq4nl: -127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89,
// 113), d fp16 per block.
//
// Levels are computed, not looked up: lavapipe turns an indexed array into a per-lane gather,
// which ran this matvec at 8 % of copy bandwidth against Q4_0's 39 %. A quartic through the 16
// levels (least squares) is within 0.477 of every one of them, so rounding it gives each level
// exactly; fp32's error on it is below 1e-4 (the exact-data tests meet every code bit for bit).
#include "nibbles.glsl"
const bool kHasOffset = false;

vec4 levels(uint w) {  // the low nibble of each byte of w
  const vec4 q = u4x4(w);
  return roundEven(
      (((0.00132472022 * q + 0.0412168242) * q - 1.50018358) * q + 24.7432461) * q - 127.043602);
}

void load_block(uint blk, out vec4 q[8], out float scale, out float offset) {
  uvec4 w = W_QUANTS(blk);
  [[unroll]] for (uint i = 0; i < 4u; ++i) {
    q[i] = levels(w[i]);
    q[i + 4u] = levels(w[i] >> 4);
  }
  scale = load_f16_scale(blk);
  offset = 0.0;
}
