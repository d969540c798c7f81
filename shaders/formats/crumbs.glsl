// Code parts narrower than a nibble (backend/formats/device_format.h): a block's 2-bit crumbs in
// two words, and single bits in one word, handed out four elements (one byte each) at a time.

// The block's two crumb words, from the 16-byte texel two blocks share.
uvec2 crumb_words(uvec4 texel, uint blk) { return (blk & 1u) == 0u ? texel.xy : texel.zw; }

// Elements 4t..4t+3 as bytes 0..3.
uint crumbs(uvec2 w, uint t) { return (w[t & 1u] >> (2u * (t >> 1))) & 0x03030303u; }

// Bits 4t..4t+3 of h to bit 0 of bytes 0..3.
uint bit_lanes(uint h, uint t) {
  h >>= 4u * t;
  return (h & 1u) | ((h & 2u) << 7) | ((h & 4u) << 14) | ((h & 8u) << 21);
}
