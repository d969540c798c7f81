// Unsigned 4-bit codes in split order (byte j: element j low, element j+16 high) as floats.
vec4 u4x4(uint n) { return vec4(unpack8(n & 0x0F0F0F0Fu)); }

void load_nibbles(uint blk, out vec4 q[8]) {
  uvec4 w = W_QUANTS(blk);
  [[unroll]] for (uint i = 0; i < 4u; ++i) {
    q[i] = u4x4(w[i]);
    q[i + 4u] = u4x4(w[i] >> 4);
  }
}

float load_f16_scale(uint index) { return unpackHalf2x16(W_SCALE16(index)).x; }
