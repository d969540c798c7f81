// Q4_K and Q5_K: a super-block of 256 is eight blocks of 32. Its scale record (four words: d and
// dmin as fp16, then 12 bytes packing a 6-bit scale and min per block) gives block s of the
// super-block scale = d * sc and offset = -dmin * m. For s < 4, sc and m are the low 6 bits of
// bytes s and s + 4; for s >= 4, the low and high nibbles of byte s + 4 with the top two bits of
// bytes s - 4 and s above them.
// The record is the formats' ROW_RECORD (weight_format.glsl): the super-block's 16 bytes, one read.
#define ROW_RECORD uvec4
uvec4 load_record(uint blk) { return W_SCALE128(blk >> 3); }

void k_scale_min(uint blk, uvec4 record, out float scale, out float offset) {
  const uint s = blk & 7u, shift = 8u * (s & 3u);
  const vec2 d = unpackHalf2x16(record.x);
  const uint lo = record.y >> shift, mid = record.z >> shift, hi = record.w >> shift;
  const uint sc = s < 4u ? lo & 63u : (hi & 15u) | ((lo >> 6) & 3u) << 4;
  const uint m = s < 4u ? mid & 63u : ((hi >> 4) & 15u) | ((mid >> 6) & 3u) << 4;
  scale = d.x * float(sc);
  offset = -d.y * float(m);
}

// The 32 bytes block s's codes sit in (those of blocks s & ~1 and s | 1 are shared: low nibbles
// for even s, high for odd), as two quants-plane texels of 16, and the nibble's shift.
void load_k_code_bytes(uint blk, out uvec4 first, out uvec4 second, out uint shift) {
  first = W_QUANTS(blk & ~1u);
  second = W_QUANTS(blk | 1u);
  shift = 4u * (blk & 1u);
}
