#version 460
#extension GL_GOOGLE_include_directive : require
// f32_<fmt>w_matvec: Y[t] = W X[t] + b for kCols (1..8) activation columns sharing one read of W
// (decode of one or a few sequences); workgroup row y takes columns y kCols.. of pc.n (CPU devices'
// prefill: a last run of fewer columns recomputes its last one and stores only its own). kRows rows
// (consecutive; spread out over W with kSpreadRows, output_row) go to kSplit subgroups, each taking
// every kSplit-th run of lanes' worth of blocks along K; each lane takes whole 32-element blocks:
// it loads a column's activations for the block once and applies them to all kRows rows, so a
// subgroup streams contiguous words of W and activation loads are shared across rows. A sum over
// the lanes per output finishes a subgroup's (subgroupAdd; lane_total in the CPU layout), and its
// lanes store an output each; with kSplit > 1 the subgroups' sums meet in shared memory
// (more subgroups in flight for the same rows: GPUs wait on fewer loads each).
// With kNorm, X is the residual stream and the kernel applies the RMSNorm before W (decode's QKV
// projection), saving that norm's dispatch: W (x g / rms(x)) = (W (x g)) / rms(x), so each
// lane multiplies the activations it takes by the gain and sums their squares, the squares meet
// as the outputs do (a (kCols + 1)-th row of accumulators), and each output is scaled at the end.
// With kRopeDim, the rows are decode's q, k and v and the kernel ends as f32_rope_kv_write would
// begin, saving its dispatch: a run's rows are taken in RoPE's pairs (shaders/rope_epilogue.glsl),
// so the subgroup that sums both elements of a pair rotates them and writes q and the cache.
// On CPU devices the formats with a super-block decoder give each lane whole super-blocks instead
// of blocks (kSuperLanes below).
#include "common.glsl"
#include "matmul_push.h"
#include "matmul_buffers.glsl"
OSSVK_SPEC_CONSTANTS(OSSVK_MATVEC_SPEC)
#define LANE_TABLES kLaneTables
#define PREFETCHES_QUANTS
#include "weight_format.glsl"
#include "kv_cache.glsl"
#include "rope_epilogue.glsl"

// Every loop that indexes acc is unrolled: one access with an index the compiler cannot fold
// keeps the whole array in memory, and lavapipe then reads and writes it lane by lane (eight
// columns measured 2 to 2.5 times slower so). The loops over K stay rolled: at most
// K/32/lanes iterations, far inside llvmpipe's loop budget.
#define STAGE_LOAD(i) X4(i)
#include "stage_activations.glsl"
// kNorm on staged activations: the gain of the staged blocks, in the same layout.
shared vec4 gain_stage[kNorm && kStageBlocks > 0u ? 8u * kStageStride : 1u];

// The outputs' accumulators, then with kNorm each column's sum of squares.
const uint kAcc = kRows * kCols + (kNorm ? kCols : 0u);
shared float partial[kSplit > 1u ? kSubgroups * kAcc : 1u];
float acc[kAcc];

// The CPU devices' layout: no staging, no split (backend/kernels/decode_layout.h).
const bool kCpuLayout = kStageBlocks == 0u && kSplit == 1u;

// acc[i] for an i the compiler cannot fold (PICK, common.glsl).
float lane_acc(uint i) {
  float v;
  PICK(v, acc, kAcc, i);
  return v;
}

// With kNorm: adds the squares of a column's block to its sum where the block is in the row, and
// applies the gain g.
void normalise(uint c, inout vec4 x[8], vec4 g[8], bool in_row) {
  vec4 squares = vec4(0.0);
  [[unroll]] for (uint i = 0; i < 8u; ++i) {
    squares += x[i] * x[i];
    x[i] *= g[i];
  }
  acc[kRows * kCols + c] += in_row ? (squares.x + squares.y) + (squares.z + squares.w) : 0.0;
}

// The row of the subgroup's r-th accumulator (the RoPE epilogue takes rows side by side, in
// pairs).
uint output_row(uint row0, uint r) {
  return kSpreadRows && kRopeDim == 0u ? spread_row(row0 / kRows, r, kRows, pc.m) : row0 + r;
}

// The weight row the subgroup's r-th accumulator row reads.
uint weight_row(uint row0, uint r) {
  // Past the last row: recompute it, never store.
  const uint row = min(output_row(row0, r), pc.m - 1u);
  return kRopeDim != 0u ? rope_pair_row(row, kRopeDim) : row;
}

#ifdef ROW_RECORD
// With LANE_TABLES each run of eight lanes takes the eight blocks of one super-block (rows of whole
// super-blocks, runs of whole subgroups, and subgroups of multiples of 8 lanes), so a lane reads
// the record of one row in eight (`held`, of rows 8g + lane % 8) and hands it to the run's other
// lanes by a shuffle: lavapipe makes each read a lane-by-lane routine, each shuffle of a word one
// permute. Elsewhere each lane reads its own. hold_records reads them once a run for all the
// columns, from the unstaged loop (the only one where LANE_TABLES holds).
const uint kRecordGroups = (kRows + 7u) / 8u;
ROW_RECORD held[kRecordGroups];

void hold_records(uint b, uint row0, uint blocks) {
  if (LANE_TABLES)
    [[unroll]] for (uint g = 0; g < kRecordGroups; ++g)
      held[g] = load_record(weight_row(row0, 8u * g + gl_SubgroupInvocationID % 8u) * blocks + b);
}

ROW_RECORD row_record(uint r, uint blk) {
  if (!LANE_TABLES) return load_record(blk);
  return subgroupShuffle(held[r / 8u], (gl_SubgroupInvocationID & ~7u) | (r & 7u));
}
#endif

// Adds block b of column c times the subgroup's rows from row0 on to the accumulators, where the
// lane's block is in the row (`in_row`).
void accumulate(uint b, uint c, uint row0, uint blocks, vec4 x[8], bool in_row) {
  const float xsum = kHasOffset ? sum8(x) : 0.0;
#ifdef FIRST_QUANTS
  uvec4 first[kRows];
  [[unroll]] for (uint r = 0; r < kRows; ++r)
    first[r] = W_QUANTS(FIRST_QUANTS(weight_row(row0, r) * blocks + b));
#endif
  [[unroll]] for (uint r = 0; r < kRows; ++r) {
    vec4 q[8];
    float scale, offset;
    const uint blk = weight_row(row0, r) * blocks + b;
#ifdef ROW_RECORD
    load_block_record(blk, row_record(r, blk), q, scale, offset);
#else
#ifdef FIRST_QUANTS
    g_first_quants = first[r];
#endif
    load_block(blk, q, scale, offset);
#endif
    const float sum = dot8(q, x) * scale + (kHasOffset ? offset * xsum : 0.0);
    acc[r * kCols + c] += in_row ? sum : 0.0;
  }
}

// Column c's activations of block b (vec4 xb on), with kNorm normalised by the block's gain g.
void column_block(uint c, uint xb, vec4 g[8], bool in_row, out vec4 x[8]) {
  [[unroll]] for (uint i = 0; i < 8u; ++i) x[i] = X4(xb + i);
  if (kNorm) normalise(c, x, g, in_row);
}

#ifdef SUPER_BLOCKS
// The CPU devices' layout (no staging, no split: backend/kernels/decode_layout.h) gives each lane
// whole 256-element super-blocks rather than blocks of 32 in the formats that decode them
// (weight_format.glsl): a row's super-block is read in a few texel fetches shared by its eight
// blocks, where lavapipe makes every fetch a lane-by-lane routine whatever its width
// (docs/performance.md), and each half of 16 elements is scaled once. The rows' fetches go part
// by part, the part that misses the cache first for every row, so that a CPU has all the rows'
// misses in flight at once rather than a row's at a time. GPUs keep blocks of 32: a row of 4096
// has only 16 super-blocks, too few for their lanes.
const bool kSuperLanes = kCpuLayout;
Super sup[kRows];  // the subgroup's rows' current super-blocks

float dot16(vec4 q[8], vec4 x[8], uint h) {
  const vec4 s =
      q[h] * x[h] + q[h + 1u] * x[h + 1u] + q[h + 2u] * x[h + 2u] + q[h + 3u] * x[h + 3u];
  return (s.x + s.y) + (s.z + s.w);
}

// Adds block j of the rows' super-blocks times column c's activations x to the accumulators: the
// halves' sums of x for the offsets, then x in the codes' powers of two for the products.
void accumulate_super(uint j, uint c, vec4 x[8]) {
  const vec4 lo = (x[0] + x[1]) + (x[2] + x[3]), hi = (x[4] + x[5]) + (x[6] + x[7]);
  const vec2 xsum = vec2((lo.x + lo.y) + (lo.z + lo.w), (hi.x + hi.y) + (hi.z + hi.w));
  const vec4 xs = super_x_scale(j);
  [[unroll]] for (uint i = 0; i < 8u; ++i) x[i] *= xs;
  [[unroll]] for (uint r = 0; r < kRows; ++r) {
    vec4 q[8];
    vec2 scale, offset;
    super_block(sup[r], j, q, scale, offset);
    acc[r * kCols + c] +=
        dot16(q, x, 0u) * scale.x + dot16(q, x, 4u) * scale.y + dot(offset, xsum);
  }
}
#else
const bool kSuperLanes = false;
#endif

void main() {
  const uint blocks = pc.k / 32u;
  // Subgroups larger than the launcher assumed may leave too few of them to split.
  const uint split = gl_NumSubgroups % kSplit == 0u ? kSplit : 1u;
  const uint slot = gl_SubgroupID / split, slice = gl_SubgroupID % split;
  const uint rows_per_group = gl_NumSubgroups / split * kRows;
  const bool stage = kStageBlocks != 0u && gl_SubgroupSize * split == kStageBlocks;
  const uint col0 = gl_WorkGroupID.y * kCols, cols = min(kCols, pc.n - col0);
  uint x_col[kCols];  // vec4 index of each column's activations
  [[unroll]] for (uint c = 0; c < kCols; ++c)
    x_col[c] = (min(col0 + c, pc.n - 1u) * pc.x_stride) / 4u;
  // The same trip count for the whole workgroup (it meets at barriers when kSplit > 1).
  for (uint base = gl_WorkGroupID.x * rows_per_group; base < pc.m;
       base += gl_NumWorkGroups.x * rows_per_group) {
    const uint row0 = base + slot * kRows;
    [[unroll]] for (uint i = 0; i < kAcc; ++i) acc[i] = 0.0;
    if (stage) {
      // Steps of kStageBlocks blocks, the same count for the whole workgroup (it meets at barriers).
      const uint bl = slice * gl_SubgroupSize + gl_SubgroupInvocationID;
      for (uint b0 = 0; b0 < blocks; b0 += kStageBlocks) {
        const uint run = min(kStageBlocks, blocks - b0);
        if (kNorm) {  // after the last step's readers; before this one's, stage_blocks' barriers
          barrier();
          for (uint g = gl_LocalInvocationIndex; g < run * 8u; g += gl_WorkGroupSize.x)
            gain_stage[(g & 7u) * kStageStride + (g >> 3)] = GAIN4(b0 * 8u + g);
        }
        [[unroll]] for (uint c = 0; c < kCols; ++c) {
          stage_blocks(x_col[c] + b0 * 8u, run);
          if (bl >= run) continue;
          vec4 x[8];
          staged_block(bl, x);
          if (kNorm) {
            vec4 g[8];
            [[unroll]] for (uint i = 0; i < 8u; ++i) g[i] = gain_stage[i * kStageStride + bl];
            normalise(c, x, g, true);
          }
          accumulate(b0 + bl, c, row0, blocks, x, true);
        }
      }
#ifdef SUPER_BLOCKS
    } else if (kSuperLanes) {
      const uint supers = blocks / 8u;  // K-quant rows are whole super-blocks
      for (uint s = gl_SubgroupInvocationID; s < supers; s += gl_SubgroupSize) {
        [[unroll]] for (uint part = 0; part < kSuperParts; ++part)
          [[unroll]] for (uint r = 0; r < kRows; ++r)
            load_super_part(weight_row(row0, r) * supers + s, part, sup[r]);
        for (uint j = 0; j < 8u; ++j) {
          const uint b = s * 8u + j;
          vec4 g[8];
          if (kNorm)
            [[unroll]] for (uint i = 0; i < 8u; ++i) g[i] = GAIN4(b * 8u + i);
          [[unroll]] for (uint c = 0; c < kCols; ++c) {
            vec4 x[8];
            column_block(c, x_col[c] + b * 8u, g, true, x);
            accumulate_super(j, c, x);
          }
        }
      }
#endif
    } else {
      for (uint run = slice * gl_SubgroupSize; run < blocks; run += gl_SubgroupSize * split) {
        uint b;
        const bool in_row = lane_block(run, blocks, b);
#ifdef ROW_RECORD
        hold_records(b, row0, blocks);
#endif
        vec4 g[8];
        if (kNorm)
          [[unroll]] for (uint i = 0; i < 8u; ++i) g[i] = GAIN4(b * 8u + i);
        [[unroll]] for (uint c = 0; c < kCols; ++c) {
          vec4 x[8];
          column_block(c, x_col[c] + b * 8u, g, in_row, x);
          accumulate(b, c, row0, blocks, x, in_row);
        }
      }
    }
    [[unroll]] for (uint i = 0; i < kAcc; ++i)
      acc[i] = kCpuLayout ? lane_total(acc[i]) : subgroupAdd(acc[i]);
    if (split > 1u) {
      if (subgroupElect())
        [[unroll]] for (uint i = 0; i < kAcc; ++i) partial[gl_SubgroupID * kAcc + i] = acc[i];
      barrier();
      [[unroll]] for (uint i = 0; i < kAcc; ++i) {
        acc[i] = 0.0;
        for (uint s = 0; s < split; ++s) acc[i] += partial[(slot * split + s) * kAcc + i];
      }
      barrier();
    }
    if (slice != 0u) continue;
    if (kRopeDim != 0u) {
      // Rows r and r + 1 of the run are a pair; pc.m is whole heads, so both or neither exist.
      // The launcher gives the epilogue one run of columns (pc.n == kCols, col0 == 0).
      const uint pos0 = step_first_pos(pc.first_pos, pc.position);
      [[unroll]] for (uint r = 0; r < kRows; r += 2u) {
        if (row0 + r >= pc.m || !subgroupElect()) continue;
        const uint row = pc.row_offset + rope_pair_row(row0 + r, kRopeDim);
        const uint partner = row + kRopeDim / 2u;
        const bool bias = pc.has_bias != 0u, addend = (pc.flags & 2u) != 0u;
        [[unroll]] for (uint c = 0; c < kCols; ++c) {
          const float inv_rms =
              kNorm ? inversesqrt(acc[kRows * kCols + c] / float(pc.k) + pc.eps) : 1.0;
          const uint o = c * pc.y_stride;
          const float a = acc[r * kCols + c] * inv_rms + (bias ? BIAS(row) : 0.0) +
                          (addend ? Y(o + row) : 0.0);
          const float b = acc[(r + 1u) * kCols + c] * inv_rms + (bias ? BIAS(partner) : 0.0) +
                          (addend ? Y(o + partner) : 0.0);
          rope_store(pc.rope, kRopeDim, row, c, pos0 + c, a, b);
        }
      }
      continue;
    }
    // Lane l stores outputs l, l + lanes, ... (PICK, common.glsl).
    for (uint i = gl_SubgroupInvocationID; i < kRows * kCols; i += gl_SubgroupSize) {
      const uint r = i / kCols, c = i % kCols, row = output_row(row0, r);
      if (row >= pc.m || c >= cols) continue;
      const uint o = (col0 + c) * pc.y_stride + pc.row_offset + row;
      const float inv_rms =
          kNorm ? inversesqrt(lane_acc(kRows * kCols + c) / float(pc.k) + pc.eps) : 1.0;
      Y(o) = lane_acc(i) * inv_rms + (pc.has_bias != 0u ? BIAS(pc.row_offset + row) : 0.0) +
             ((pc.flags & 2u) != 0u ? Y(o) : 0.0);
    }
  }
}
