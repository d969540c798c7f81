// MXFP4 (OCP MX): E2M1 codes in split order, one E8M0 scale byte per block.
const bool kHasOffset = false;
#define FIRST_QUANTS(blk) (blk)  // weight_format.glsl

// Four E2M1 codes, one in the low nibble of each byte of `n`, as fp32 values times 2^-14: the
// code's sign and e1e0m bits land in fp16 bit positions 15 and 11..9, which makes the E2M1
// subnormal (0.5) an fp16 subnormal and every other code a normal fp16, exactly.
vec4 e2m1x4_times_2_pow_m14(uint n) {
  uint even = ((n & 0x00070007u) << 9) | ((n & 0x00080008u) << 12);  // bytes 0 and 2
  uint odd = (((n >> 8) & 0x00070007u) << 9) | (((n >> 8) & 0x00080008u) << 12);  // bytes 1, 3
  vec2 a = unpackHalf2x16(even);
  vec2 b = unpackHalf2x16(odd);
  return vec4(a.x, b.x, a.y, b.y);
}

// E8M0 scale 2^(s-127) built as fp32 bits: s = 0 is the denormal 2^-127, s = 255 is NaN.
// Selects, not branches: on lavapipe a branch whose condition differs between lanes costs far
// more than both sides (with the scales read 16 bytes a texel, the MXFP4 matvec 4096x14336 went
// from 7.2 to 6.0-6.6 ms).
float e8m0_to_f32(uint s) {
  const uint bits = mix(mix(s << 23, 0x7FC00000u, s == 255u), 0x00400000u, s == 0u);
  return uintBitsToFloat(bits);
}

// Four codes as their values (not scaled), from the table of the eight magnitudes held an entry a
// lane (lane l's is code l's), the sign bit set on: kernels whose whole subgroup
// loads blocks together on CPU devices (LANE_TABLES, weight_format.glsl), where lavapipe makes
// the shuffle one permute instruction and the fp16 route costs more. Unscaled, because on a CPU a
// product that comes out subnormal takes a microcode assist: the fp16 route's 2^-14 made tiny
// activations' products subnormal, and the MoE down projection, whose activations are SwiGLU
// outputs down to 1e-38, ran twice as long as Q4_0's (docs/performance.md).
vec4 e2m1x4_from_lanes(uint n) {
  const float magnitude = e2m1x4_times_2_pow_m14(gl_SubgroupInvocationID & 7u).x * 16384.0;
  const uvec4 code = uvec4(n, n >> 8, n >> 16, n >> 24);
  vec4 v;
  [[unroll]] for (uint k = 0; k < 4u; ++k) {
    const float m = subgroupShuffle(magnitude, code[k] & 7u);
    v[k] = uintBitsToFloat(floatBitsToUint(m) | ((code[k] & 8u) << 28));
  }
  return v;
}

void load_block(uint blk, out vec4 q[8], out float scale, out float offset) {
  const uvec4 w = W_FIRST_QUANTS(blk);
  [[unroll]] for (uint i = 0; i < 4u; ++i) {
    if (LANE_TABLES) {
      q[i] = e2m1x4_from_lanes(w[i]);
      q[i + 4u] = e2m1x4_from_lanes(w[i] >> 4);
    } else {
      q[i] = e2m1x4_times_2_pow_m14(w[i] & 0x0F0F0F0Fu);
      q[i + 4u] = e2m1x4_times_2_pow_m14((w[i] >> 4) & 0x0F0F0F0Fu);
    }
  }
  scale = e8m0_to_f32(W_SCALE8(blk)) * (LANE_TABLES ? 1.0 : 16384.0);  // undo the 2^-14
  offset = 0.0;
}
