// MLX affine 8-bit: q unsigned bytes in order.
#include "nibbles.glsl"
#include "mlx_affine.glsl"
const bool kHasOffset = true;

void load_block(uint blk, out vec4 q[8], out float scale, out float offset) {
  uvec4 a = W_QUANTS(blk * 2u);
  uvec4 b = W_QUANTS(blk * 2u + 1u);
  [[unroll]] for (uint i = 0; i < 4u; ++i) {
    q[i] = u8x4(a[i]);
    q[i + 4u] = u8x4(b[i]);
  }
  load_affine(blk, scale, offset);
}
