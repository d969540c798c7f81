// GGUF Q4_K: super-blocks of 256 (shaders/formats/k_scales.glsl); element l of block s is a 4-bit
// code q, value = d * sc * q - dmin * m.
#include "nibbles.glsl"
#include "k_scales.glsl"
const bool kHasOffset = true;

void load_block_record(uint blk, uvec4 record, out vec4 q[8], out float scale, out float offset) {
  uvec4 a, b;
  uint shift;
  load_k_code_bytes(blk, a, b, shift);
  [[unroll]] for (uint i = 0; i < 4u; ++i) {
    q[i] = u4x4(a[i] >> shift);
    q[i + 4u] = u4x4(b[i] >> shift);
  }
  k_scale_min(blk, record, scale, offset);
}
