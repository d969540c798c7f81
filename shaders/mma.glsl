// The tile products of the prefill matrix kernels (shaders/matmul_mma.comp): C += A B on 16x16
// fragments, K 16 at a time, at fp32-class accuracy on fp16 matrix units. Each operand v is held
// as two fp16 parts, hi = fp16(v) and lo = fp16((v - hi) 2^11), and a fragment product is three
// exact fp16 products summed in fp32: A_hi B_hi into a main accumulator, A_hi B_lo + A_lo B_hi
// into a cross accumulator that joins it scaled by 2^-11 (A_lo B_lo, 2^-22 of the product, is
// left out). Each operand is then within 2^-22 of its value (plain fp16 operands, 2^-11, put
// the public cases' logits 1.3-2.7x past their 1e-3 rule). Two implementations, one interface:
// - OSSVK_MMA_COOPMAT: the device's matrix units (VK_NV_cooperative_matrix), one fragment per
//   subgroup of 32 (host::DeviceInfo::matrix_units);
// - otherwise emulated: a fragment belongs to 32 consecutive invocations and each holds 8 of its
//   256 accumulators, summed from the same shared tiles with fma. Any device runs it; CI runs it
//   on lavapipe so the kernels' tiling and indexing are tested on every commit.
// Operands reach the tiles through mma_set_a/mma_set_b, which split them (rounding to nearest,
// ties to even, in integer arithmetic, so both implementations see the same parts whatever a
// driver's conversion does). The kernel defines MMA_A_ELEMS, MMA_B_ELEMS and MMA_C_ELEMS, the
// shared tiles' sizes, before including this; products come back through mma_store and
// mma_result. Layouts: A row-major, element (i, k) at
// offset + i * stride + k; B column-major, element (k, j) at offset + j * stride + k; C
// row-major. Offsets and strides are multiples of 8 (16 bytes of fp16).
#ifdef OSSVK_MMA_COOPMAT
#extension GL_NV_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_KHR_shader_subgroup_basic : require
#define MmaPart fcoopmatNV<16, gl_ScopeSubgroup, 16, 16>
#define MmaSum fcoopmatNV<32, gl_ScopeSubgroup, 16, 16>
struct MmaA {
  MmaPart hi;
  MmaPart lo;
};
#define MmaB MmaA
struct MmaAcc {
  MmaSum main;
  MmaSum cross;
};
shared float16_t mma_a_hi[MMA_A_ELEMS];
shared float16_t mma_a_lo[MMA_A_ELEMS];
shared float16_t mma_b_hi[MMA_B_ELEMS];
shared float16_t mma_b_lo[MMA_B_ELEMS];
#else
struct MmaA {  // emulated operands stay in the shared tiles; a fragment is where it lies
  uint offset;
  uint stride;
};
#define MmaB MmaA
struct MmaAcc {
  float main[8];  // lane l: elements (2 i + l / 16, l % 16)
  float cross[8];
};
shared uint mma_a[MMA_A_ELEMS];  // packHalf2x16(hi, lo)
shared uint mma_b[MMA_B_ELEMS];
#endif
shared float mma_c[2u * MMA_C_ELEMS];  // main accumulators, then cross (mma_result)

const uint kMmaLanes = 32u;         // invocations per fragment group
const float kMmaLoScale = 2048.0;  // lo parts are stored times 2^11

// v rounded to the nearest fp16 value (ties to even; subnormals kept, overflow to infinity).
float mma_round(float v) {
  const uint u = floatBitsToUint(v);
  const uint mag = u & 0x7fffffffu;
  if (mag > 0x7f800000u) return v;                                                // NaN
  if (mag < 0x38800000u) return roundEven(v * 16777216.0) * (1.0 / 16777216.0);  // |v| < 2^-14
  const uint r = (mag + 0xfffu + ((mag >> 13) & 1u)) & ~0x1fffu;
  return r >= 0x477ff000u ? uintBitsToFloat((u & 0x80000000u) | 0x7f800000u)  // >= 65520
                          : uintBitsToFloat((u & 0x80000000u) | r);
}

// v's two parts: hi, and the rest (exact in fp32) times 2^11, each rounded to fp16.
vec2 mma_split(float v) {
  const float hi = mma_round(v);
  return vec2(hi, mma_round((v - hi) * kMmaLoScale));
}

#ifdef OSSVK_MMA_COOPMAT
uint mma_group() { return gl_SubgroupID; }
uint mma_lane() { return gl_SubgroupInvocationID; }
void mma_set_a(uint i, float v) {
  const vec2 p = mma_split(v);
  mma_a_hi[i] = float16_t(p.x);
  mma_a_lo[i] = float16_t(p.y);
}
void mma_set_b(uint i, float v) {
  const vec2 p = mma_split(v);
  mma_b_hi[i] = float16_t(p.x);
  mma_b_lo[i] = float16_t(p.y);
}
MmaAcc mma_zero() { return MmaAcc(MmaSum(0.0), MmaSum(0.0)); }
MmaA mma_load_a(uint offset, uint stride) {
  MmaA a;
  coopMatLoadNV(a.hi, mma_a_hi, offset, stride, false);
  coopMatLoadNV(a.lo, mma_a_lo, offset, stride, false);
  return a;
}
MmaB mma_load_b(uint offset, uint stride) {
  MmaB b;
  coopMatLoadNV(b.hi, mma_b_hi, offset, stride, true);
  coopMatLoadNV(b.lo, mma_b_lo, offset, stride, true);
  return b;
}
MmaAcc mma_mul_add(MmaA a, MmaB b, MmaAcc c) {
  c.main = coopMatMulAddNV(a.hi, b.hi, c.main);
  c.cross = coopMatMulAddNV(a.hi, b.lo, c.cross);
  c.cross = coopMatMulAddNV(a.lo, b.hi, c.cross);
  return c;
}
// Arithmetic on whole fragments crashes Debian 12's spirv-opt (2023.1): the two accumulators go
// out apart and mma_result joins them.
void mma_store(MmaAcc c, uint offset, uint stride) {
  coopMatStoreNV(c.main, mma_c, offset, stride, false);
  coopMatStoreNV(c.cross, mma_c, MMA_C_ELEMS + offset, stride, false);
}
#else
uint mma_group() { return gl_LocalInvocationIndex / kMmaLanes; }
uint mma_lane() { return gl_LocalInvocationIndex % kMmaLanes; }
void mma_set_a(uint i, float v) { mma_a[i] = packHalf2x16(mma_split(v)); }
void mma_set_b(uint i, float v) { mma_b[i] = packHalf2x16(mma_split(v)); }
MmaAcc mma_zero() {
  MmaAcc c;
  [[unroll]] for (uint i = 0; i < 8u; ++i) c.main[i] = c.cross[i] = 0.0;
  return c;
}
MmaA mma_load_a(uint offset, uint stride) { return MmaA(offset, stride); }
MmaB mma_load_b(uint offset, uint stride) { return MmaB(offset, stride); }
MmaAcc mma_mul_add(MmaA a, MmaB b, MmaAcc c) {
  const uint lane = mma_lane();
  vec2 col[16];
  [[unroll]] for (uint k = 0; k < 16u; ++k)
    col[k] = unpackHalf2x16(mma_b[b.offset + (lane % 16u) * b.stride + k]);
  [[unroll]] for (uint i = 0; i < 8u; ++i) {
    const uint row = a.offset + (2u * i + lane / 16u) * a.stride;
    [[unroll]] for (uint k = 0; k < 16u; ++k) {
      const vec2 w = unpackHalf2x16(mma_a[row + k]);
      c.main[i] = fma(w.x, col[k].x, c.main[i]);
      c.cross[i] = fma(w.y, col[k].x, fma(w.x, col[k].y, c.cross[i]));
    }
  }
  return c;
}
void mma_store(MmaAcc c, uint offset, uint stride) {
  const uint lane = mma_lane();
  [[unroll]] for (uint i = 0; i < 8u; ++i) {
    const uint at = offset + (2u * i + lane / 16u) * stride + lane % 16u;
    mma_c[at] = c.main[i];
    mma_c[MMA_C_ELEMS + at] = c.cross[i];
  }
}
#endif

// Element i of what mma_store wrote (after a barrier): the product.
float mma_result(uint i) { return mma_c[i] + mma_c[MMA_C_ELEMS + i] * (1.0 / kMmaLoScale); }
