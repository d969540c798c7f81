// Selects the weight decoder by the FORMAT_* define the build gives each kernel variant. Every
// decoder provides:
//   const bool kHasOffset;  // whether `offset` can be non-zero
//   void load_block(uint blk, out vec4 q[8], out float scale, out float offset);
// for block `blk` (row * K/32 + block in row): element 4i+j of the block is q[i][j]*scale+offset.
// A format with 256-element super-blocks may also define SUPER_BLOCKS and provide, for
// shaders/matvec.comp on CPU devices:
//   struct Super;                      // a super-block's planes as a lane holds them
//   const uint kSuperParts;            // the fetches that fill a Super
//   void load_super_part(uint sb, uint part, inout Super s);  // fetch `part` of super-block sb
//                                      // (row * K/256 + super-block in row) into s
//   vec4 super_x_scale(uint j);        // block j's codes are q[i][k] * super_x_scale(j)[k]
//   void super_block(Super s, uint j, out vec4 q[8], out vec2 scale, out vec2 offset);
// for block j (0..7): element 4i+k is (q[i][k] * super_x_scale(j)[k]) * scale[i / 4] +
// offset[i / 4], a scale and an offset per 16 elements.
// A format whose blocks take their scales from their super-block's record may instead define
// ROW_RECORD as the record's type and provide
//   ROW_RECORD load_record(uint blk);  // block blk's super-block's record
//   void load_block_record(uint blk, ROW_RECORD record, out vec4 q[8], out float scale,
//                          out float offset);
// (load_block below puts the two together), so that shaders/matvec.comp can read a record once
// for eight rows (row_record there).
// A format whose block's codes start with one quants texel (the block's first touch of a new
// cache line) may define FIRST_QUANTS(blk) as that texel's index and read it as W_FIRST_QUANTS(blk).
// A kernel that defines PREFETCHES_QUANTS, before including this file, fetches that texel for all
// the rows it is about to decode before it decodes any, and sets g_first_quants to the row's
// texel before each load_block: a CPU device then has every row's cache miss in flight at once
// rather than one row's at a time (docs/performance.md). Elsewhere W_FIRST_QUANTS fetches it.
// A kernel may define LANE_TABLES, before including this file, as a constant expression that is
// true where its whole subgroup, of at least 8 lanes, calls load_block together (every lane
// active): decoders may then look values up in tables held an entry a lane (subgroupShuffle).
#ifndef LANE_TABLES
#define LANE_TABLES false
#endif
#ifdef PREFETCHES_QUANTS
uvec4 g_first_quants;
#define W_FIRST_QUANTS(blk) g_first_quants
#else
#define W_FIRST_QUANTS(blk) W_QUANTS(FIRST_QUANTS(blk))
#endif

// A loop over a row's `blocks` in runs of a block a lane (run: the run's first block) keeps every
// lane in each load: sets the lane's block b, past the row's end its last (reloaded, to be added
// as nothing), and says whether b is the lane's own.
bool lane_block(uint run, uint blocks, out uint b) {
  const uint i = run + gl_SubgroupInvocationID;
  b = min(i, blocks - 1u);
  return i < blocks;
}

// The CPU layout's matvecs (f32_<fmt>w_matvec, f32_<fmt>w_moe_matvec) take a run g of `rows`
// rows of an m-row matrix spread out: rows g, g + G, g + 2G, ... with G = ceil(m / rows). Each
// row then starts where run g - 1's left off, so a CPU's prefetchers see `rows` streams, each in
// pages of its own; `rows` short rows side by side interleave their streams in a few pages,
// where the prefetchers follow one stream a page (on lavapipe the rows' first loads then wait on
// memory: docs/performance.md). Runs from G on (a workgroup's subgroups past the matrix's end)
// get m, no row.
uint spread_row(uint run, uint r, uint rows, uint m) {
  const uint runs = (m + rows - 1u) / rows;
  return run < runs ? run + r * runs : m;
}

// The block holding column block b (of `blocks` a row) of row `row`: rows one after another, or,
// with `tiled`, in row tiles (the MoE experts on CPU devices, backend/formats/row_tiles.h, which
// holds the same map): tiles of 8 rows, within which each run of 8 blocks lies row after row, so
// that 8 lanes reading 8 rows a run, a block a lane, read one contiguous stretch.
uint tiled_block(uint row, uint b, uint blocks, bool tiled) {
  if (!tiled) return row * blocks + b;
  const uint run = b & ~7u;
  return (row & ~7u) * blocks + run * 8u + (row & 7u) * min(8u, blocks - run) + (b & 7u);
}
#if defined(FORMAT_F32)
#include "formats/f32.glsl"
#elif defined(FORMAT_F16)
#include "formats/f16.glsl"
#elif defined(FORMAT_BF16)
#include "formats/bf16.glsl"
#elif defined(FORMAT_Q8_0)
#include "formats/q8_0.glsl"
#elif defined(FORMAT_Q5_0)
#include "formats/q5_0.glsl"
#elif defined(FORMAT_Q4_0)
#include "formats/q4_0.glsl"
#elif defined(FORMAT_MXFP4)
#include "formats/mxfp4.glsl"
#elif defined(FORMAT_MLXQ8)
#include "formats/mlxq8.glsl"
#elif defined(FORMAT_MLXQ4)
#include "formats/mlxq4.glsl"
#elif defined(FORMAT_Q4_1)
#include "formats/q4_1.glsl"
#elif defined(FORMAT_Q5_1)
#include "formats/q5_1.glsl"
#elif defined(FORMAT_IQ4NL)
#include "formats/iq4nl.glsl"
#elif defined(FORMAT_Q4K)
#include "formats/q4k.glsl"
#elif defined(FORMAT_Q5K)
#include "formats/q5k.glsl"
#elif defined(FORMAT_Q6K)
#include "formats/q6k.glsl"
#elif defined(FORMAT_IQ4XS)
#include "formats/iq4xs.glsl"
#elif defined(FORMAT_Q3K)
#include "formats/q3k.glsl"
#elif defined(FORMAT_Q2K)
#include "formats/q2k.glsl"
#elif defined(FORMAT_MLXQ2)
#include "formats/mlxq2.glsl"
#elif defined(FORMAT_MLXQ3)
#include "formats/mlxq3.glsl"
#elif defined(FORMAT_MLXQ5)
#include "formats/mlxq5.glsl"
#elif defined(FORMAT_MLXQ6)
#include "formats/mlxq6.glsl"
#else
#error "no FORMAT_* defined"
#endif

#ifdef ROW_RECORD
void load_block(uint blk, out vec4 q[8], out float scale, out float offset) {
  load_block_record(blk, load_record(blk), q, scale, offset);
}
#endif

float dot8(vec4 q[8], vec4 x[8]) {
  vec4 s = q[0] * x[0] + q[1] * x[1] + q[2] * x[2] + q[3] * x[3] + q[4] * x[4] + q[5] * x[5] +
           q[6] * x[6] + q[7] * x[7];
  return (s.x + s.y) + (s.z + s.w);
}

float sum8(vec4 x[8]) {
  vec4 s = ((x[0] + x[1]) + (x[2] + x[3])) + ((x[4] + x[5]) + (x[6] + x[7]));
  return (s.x + s.y) + (s.z + s.w);
}
