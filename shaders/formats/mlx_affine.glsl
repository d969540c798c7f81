// MLX affine: value = scale * q + bias per group of pc.group_blocks blocks; scale and bias are
// bf16 or fp16 (pc.flags bit 0), held in the scales and aux planes.
float load_affine_param(uint64_t plane, uint index) {
  uint bits = uint(U16Buf(plane).v[index]);
  return (pc.flags & 1u) != 0u ? uintBitsToFloat(bits << 16) : unpackHalf2x16(bits).x;
}

void load_affine(uint blk, out float scale, out float offset) {
  uint g = blk / pc.group_blocks;
  scale = load_affine_param(uint64_t(pc.scales), g);
  offset = load_affine_param(uint64_t(pc.aux), g);
}
