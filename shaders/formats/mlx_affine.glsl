// MLX affine: value = scale * q + bias per group of pc.group_blocks blocks; scale and bias are
// bf16 or fp16 (pc.flags bit 0), held in the scales and aux planes.
float affine_param(uint bits) {
  return (pc.flags & 1u) != 0u ? uintBitsToFloat(bits << 16) : unpackHalf2x16(bits).x;
}

void load_affine(uint blk, out float scale, out float offset) {
  uint g = blk / pc.group_blocks;
  scale = affine_param(W_SCALE16(g));
  offset = affine_param(W_AUX16(g));
}
