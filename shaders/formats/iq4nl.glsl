// GGUF IQ4_NL: value = d * level[q], q a 4-bit code in split order indexing 16 non-linear levels
// (shaders/formats/iq4_levels.glsl), d fp16 per block.
#include "nibbles.glsl"
#include "iq4_levels.glsl"
const bool kHasOffset = false;

void load_block(uint blk, out vec4 q[8], out float scale, out float offset) {
  load_iq4_levels(blk, q);
  scale = load_f16_scale(blk);
  offset = 0.0;
}
