// GGUF Q6_K: super-blocks of 256 in two halves of 128. Block s of a super-block (half n = s / 4,
// t = s % 4) takes its low four bits from ql bytes 64n + 32(t & 1) .. (the quants plane; low
// nibbles for t < 2, high for t >= 2), bits 4-5 from qh bytes 32n .. shifted by 2t (the aux
// plane, two 16-byte reads), and one int8 scale per 16 elements: 8n + 2t and the next.
// value = d * sc * (q - 32); the code handed on is sc * (q - 32), exact in fp32, so the scale is
// d (the record's fifth word; its first four hold the 16 scales).
#include "nibbles.glsl"
const bool kHasOffset = false;

void load_block(uint blk, out vec4 q[8], out float scale, out float offset) {
  const uint sb = blk >> 3, s = blk & 7u, n = s >> 2, t = s & 3u;
  const uint ql = 8u * sb + 4u * n + 2u * (t & 1u), shift = 4u * (t >> 1);
  const uvec4 a = W_QUANTS(ql), b = W_QUANTS(ql + 1u);
  const uvec4 qh0 = W_AUX128(4u * sb + 2u * n), qh1 = W_AUX128(4u * sb + 2u * n + 1u);
  const uint high_shift = 2u * t;
  const uint record = 5u * sb;
  const uint scales = W_SCALE32(record + 2u * n + (t >> 1));  // bytes 8n + 2t and 8n + 2t + 1
  const float sc0 = float(bitfieldExtract(int(scales), int(16u * (t & 1u)), 8));
  const float sc1 = float(bitfieldExtract(int(scales), int(16u * (t & 1u) + 8u), 8));
  [[unroll]] for (uint i = 0; i < 4u; ++i) {
    const uint lo = ((a[i] >> shift) & 0x0F0F0F0Fu) | (((qh0[i] >> high_shift) & 0x03030303u) << 4);
    const uint hi = ((b[i] >> shift) & 0x0F0F0F0Fu) | (((qh1[i] >> high_shift) & 0x03030303u) << 4);
    q[i] = (u8x4(lo) - 32.0) * sc0;  // elements 0..15
    q[i + 4u] = (u8x4(hi) - 32.0) * sc1;
  }
  scale = unpackHalf2x16(W_SCALE32(record + 4u)).x;
  offset = 0.0;
}
