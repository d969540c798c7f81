// GGUF IQ4_NL: value = d * kLevels[q], q a 4-bit code in split order indexing 16 non-linear
// levels (ggml's kvalues_iq4nl), d fp16 per block.
#include "nibbles.glsl"
const bool kHasOffset = false;

const float kLevels[16] = float[16](-127.0, -104.0, -83.0, -65.0, -49.0, -35.0, -22.0, -10.0, 1.0,
                                    13.0, 25.0, 38.0, 53.0, 69.0, 89.0, 113.0);

vec4 levels(uint w) {
  return vec4(kLevels[w & 15u], kLevels[(w >> 8) & 15u], kLevels[(w >> 16) & 15u],
              kLevels[(w >> 24) & 15u]);
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
