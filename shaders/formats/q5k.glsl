// GGUF Q5_K: Q4_K with a fifth bit per code: element l of block s takes bit s of byte l of the
// super-block's 32 qh bytes (the aux plane, eight words per super-block).
#include "nibbles.glsl"
#include "k_scales.glsl"
const bool kHasOffset = true;

void load_block(uint blk, out vec4 q[8], out float scale, out float offset) {
  uvec4 a, b;
  uint shift;
  load_k_code_bytes(blk, a, b, shift);
  const uint qh = 8u * (blk >> 3), s = blk & 7u;
  [[unroll]] for (uint i = 0; i < 4u; ++i) {
    q[i] = u8x4(((a[i] >> shift) & 0x0F0F0F0Fu) | (((W_AUX32(qh + i) >> s) & 0x01010101u) << 4));
    q[i + 4u] =
        u8x4(((b[i] >> shift) & 0x0F0F0F0Fu) | (((W_AUX32(qh + 4u + i) >> s) & 0x01010101u) << 4));
  }
  load_k_scale_min(blk, scale, offset);
}
