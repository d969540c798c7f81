// f16 weights: 64 bytes per block.
#define FIRST_QUANTS(blk) (4u * (blk))  // weight_format.glsl
const bool kHasOffset = false;

void load_block(uint blk, out vec4 q[8], out float scale, out float offset) {
  [[unroll]] for (uint i = 0; i < 4u; ++i) {
    const uvec4 w = i == 0u ? W_FIRST_QUANTS(blk) : W_QUANTS(blk * 4u + i);
    q[2u * i] = vec4(unpackHalf2x16(w.x), unpackHalf2x16(w.y));
    q[2u * i + 1u] = vec4(unpackHalf2x16(w.z), unpackHalf2x16(w.w));
  }
  scale = 1.0;
  offset = 0.0;
}
