// bf16 weights: 64 bytes per block; a bf16 is the top half of an fp32.
#define FIRST_QUANTS(blk) (4u * (blk))  // weight_format.glsl
const bool kHasOffset = false;

vec2 bf16x2(uint w) { return vec2(uintBitsToFloat(w << 16), uintBitsToFloat(w & 0xFFFF0000u)); }

void load_block(uint blk, out vec4 q[8], out float scale, out float offset) {
  [[unroll]] for (uint i = 0; i < 4u; ++i) {
    const uvec4 w = i == 0u ? W_FIRST_QUANTS(blk) : W_QUANTS(blk * 4u + i);
    q[2u * i] = vec4(bf16x2(w.x), bf16x2(w.y));
    q[2u * i + 1u] = vec4(bf16x2(w.z), bf16x2(w.w));
  }
  scale = 1.0;
  offset = 0.0;
}
