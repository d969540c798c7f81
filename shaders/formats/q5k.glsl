// GGUF Q5_K: Q4_K with a fifth bit per code: element l of block s takes bit s of byte l of the
// super-block's 32 qh bytes (the aux plane, two 16-byte reads per super-block).
#include "nibbles.glsl"
#include "k_scales.glsl"
const bool kHasOffset = true;

void load_block_record(uint blk, uvec4 record, out vec4 q[8], out float scale, out float offset) {
  uvec4 a, b;
  uint shift;
  load_k_code_bytes(blk, a, b, shift);
  const uvec4 qh0 = W_AUX128(2u * (blk >> 3)), qh1 = W_AUX128(2u * (blk >> 3) + 1u);
  const uint s = blk & 7u;
  [[unroll]] for (uint i = 0; i < 4u; ++i) {
    q[i] = u8x4(((a[i] >> shift) & 0x0F0F0F0Fu) | (((qh0[i] >> s) & 0x01010101u) << 4));
    q[i + 4u] = u8x4(((b[i] >> shift) & 0x0F0F0F0Fu) | (((qh1[i] >> s) & 0x01010101u) << 4));
  }
  k_scale_min(blk, record, scale, offset);
}
