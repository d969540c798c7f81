// Extensions and pointer types every ossvk kernel uses. Buffers are reached through 64-bit device
// addresses passed in push constants, so a tensor is never limited by maxStorageBufferRange.
//
// llvmpipe stops any shader invocation after 65535 loop iterations in total, all loops together,
// and leaves its outputs unwritten. Kernels whose fixed-count inner loops would add up past that
// over a long K or context mark them [[unroll]]; elsewhere the compiler decides (forcing it made
// the BF16 matvec 1.5x slower on lavapipe).
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_buffer_reference2 : require
#extension GL_EXT_shader_explicit_arithmetic_types : require
#extension GL_EXT_shader_8bit_storage : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_KHR_shader_subgroup_shuffle : require
#extension GL_EXT_control_flow_attributes : require
// Texel buffers are declared as textures, not samplers: a sampled image of a buffer is deprecated
// in SPIR-V 1.6, and the validation layer reports it on newer drivers (Mesa 25's lavapipe).
#extension GL_EXT_samplerless_texture_functions : require

// v summed over the subgroup's lanes, every lane getting the total, in shuffles: on lavapipe a
// shuffle is one permute, while subgroupAdd is a loop over the lanes that branches on each one's
// mask (seen in the JIT's code). The kernels' GPU layouts keep subgroupAdd, their own reduction.
float lane_total(float v) {
  for (uint m = 1u; m < gl_SubgroupSize; m <<= 1) v += subgroupShuffleXor(v, m);
  return v;
}

// Sets v to a[i], a of n elements, for an i the compiler cannot fold, by selects: an index keeps
// the whole array in memory, which lavapipe reads and writes lane by lane. The decode kernels pick
// their totals so, each lane storing its own outputs (l, l + lanes, ...): one store for a run of
// lanes, where the store of subgroupElect()'s lane is a loop over all the lanes on lavapipe.
#define PICK(v, a, n, i) \
  { \
    v = a[0]; \
    [[unroll]] for (uint pick_k = 1u; pick_k < (n); ++pick_k) \
      v = pick_k == (i) ? a[pick_k] : v; \
  }

layout(buffer_reference, std430, buffer_reference_align = 4) buffer FloatBuf { float v[]; };
layout(buffer_reference, std430, buffer_reference_align = 16) buffer Vec4Buf { vec4 v[]; };
layout(buffer_reference, std430, buffer_reference_align = 8) buffer Vec2Buf { vec2 v[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) buffer U32Buf { uint v[]; };
layout(buffer_reference, std430, buffer_reference_align = 16) buffer UVec4Buf { uvec4 v[]; };
layout(buffer_reference, std430, buffer_reference_align = 2) buffer U16Buf { uint16_t v[]; };
layout(buffer_reference, std430, buffer_reference_align = 1) buffer U8Buf { uint8_t v[]; };
