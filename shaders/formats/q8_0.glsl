// GGUF Q8_0: value = d * q, q int8, d fp16 per block.
#define FIRST_QUANTS(blk) (2u * (blk))  // weight_format.glsl
#include "nibbles.glsl"
const bool kHasOffset = false;

void load_block(uint blk, out vec4 q[8], out float scale, out float offset) {
  const uvec4 a = W_FIRST_QUANTS(blk);
  uvec4 b = W_QUANTS(blk * 2u + 1u);
  [[unroll]] for (uint i = 0; i < 4u; ++i) {
    q[i] = i8x4(a[i]);
    q[i + 4u] = i8x4(b[i]);
  }
  scale = load_f16_scale(blk);
  offset = 0.0;
}
