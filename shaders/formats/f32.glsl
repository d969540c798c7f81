// f32 weights: 128 bytes per block.
const bool kHasOffset = false;

void load_block(uint blk, out vec4 q[8], out float scale, out float offset) {
  [[unroll]] for (uint i = 0; i < 8u; ++i) q[i] = uintBitsToFloat(W_QUANTS(blk * 8u + i));
  scale = 1.0;
  offset = 0.0;
}
