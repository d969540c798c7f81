// Integer codes as floats. Each byte is set into the mantissa of 2^23 and 2^23 subtracted: exact,
// and one integer op and one add a value where a conversion instruction runs at a quarter of a
// GPU's FMA rate.
vec4 two_pow_23_plus_bytes(uint w) {
  return uintBitsToFloat((uvec4(w, w >> 8, w >> 16, w >> 24) & 0xFFu) | 0x4B000000u);
}
vec4 u8x4(uint w) { return two_pow_23_plus_bytes(w) - 8388608.0; }
// Signed bytes: flipping the sign bit maps -128..127 to 0..255, taken off with 2^23.
vec4 i8x4(uint w) { return two_pow_23_plus_bytes(w ^ 0x80808080u) - 8388736.0; }

// Unsigned 4-bit codes in split order (byte j: element j low, element j+16 high) as floats.
vec4 u4x4(uint n) { return u8x4(n & 0x0F0F0F0Fu); }

// A block's 32 codes from its quants texel w.
void nibble_codes(uvec4 w, out vec4 q[8]) {
  [[unroll]] for (uint i = 0; i < 4u; ++i) {
    q[i] = u4x4(w[i]);
    q[i + 4u] = u4x4(w[i] >> 4);
  }
}

float load_f16_scale(uint index) { return unpackHalf2x16(W_SCALE16(index)).x; }
