// Q5_0 and Q5_1 codes: a 4-bit code in split order (the quants plane) with its fifth bit from the
// block's 32-bit qh word (the aux plane): bit j of qh belongs to element j.

// Bits 0..3 of h to bit 4 of bytes 0..3.
uint spread4(uint h) { return ((h & 1u) << 4) | ((h & 2u) << 11) | ((h & 4u) << 18) | ((h & 8u) << 25); }

void load_five_bit_codes(uint blk, out vec4 q[8]) {
  const uvec4 w = W_FIRST_QUANTS(blk);
  uint qh = W_AUX32(blk);
  [[unroll]] for (uint i = 0; i < 4u; ++i) {
    q[i] = u8x4((w[i] & 0x0F0F0F0Fu) | spread4(qh >> (4u * i)));
    q[i + 4u] = u8x4(((w[i] >> 4) & 0x0F0F0F0Fu) | spread4(qh >> (16u + 4u * i)));
  }
}
