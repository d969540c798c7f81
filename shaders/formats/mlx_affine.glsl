// MLX affine: value = scale * q + bias per group of 2^pc.group_shift blocks (a shift: a division
// by a push constant costs more than the block's decode on lavapipe). The group's record in
// the scales plane: scale and bias as bf16 or fp16 in one word, the scale in the low half
// (pc.flags bit 0: bf16), or as two f32 words (pc.flags bit 2). Selects rather than branches:
// lavapipe runs a branch on a push constant as divergent control flow, which cost a third of the
// matvec's time.
void load_affine(uint blk, out float scale, out float offset) {
  const uint wide = (pc.flags >> 2) & 1u;
  const uint first = (blk >> pc.group_shift) << wide;
  const uint a = W_SCALE32(first), b = W_SCALE32(first | wide);  // b == a for 16-bit records
  const vec2 h = unpackHalf2x16(a);
  const bool bf16 = (pc.flags & 1u) != 0u, f32 = wide != 0u;
  scale = f32 ? uintBitsToFloat(a) : bf16 ? uintBitsToFloat(a << 16) : h.x;
  offset = f32 ? uintBitsToFloat(b) : bf16 ? uintBitsToFloat(a & 0xFFFF0000u) : h.y;
}
