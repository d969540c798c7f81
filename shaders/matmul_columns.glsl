// The columns of one f32_<fmt>w_matmul tile (shaders/matmul.comp, shaders/matmul_mma.comp,
// shaders/moe_matvec.comp):
// which x row each of its up to kTileN columns reads and which y row it writes, the x loads (with
// MOE_SWIGLU, the clamped SwiGLU of the gate and up rows) and the y stores (bias, residual).
// Dense: tokens tok0.. of the workgroup's column of tiles. MOE_GROUPED: tile gl_WorkGroupID.y of
// the (token, slot) pairs f32_moe_group sorted by expert; pair p reads x row p / x_row_div.
shared uint x_row[kTileN];
shared uint y_row[kTileN];

#ifdef MOE_SWIGLU
#include "swiglu.glsl"
#endif

vec4 load_x(uint base) {
#ifdef MOE_SWIGLU
  return swiglu(X4(base), pc.x_up.v[base]);
#else
  return X4(base);
#endif
}

// The tile's W rows start at w_row0 (an expert's first row), its bias at bias0; false where the
// workgroup has no work (a tile past this routing's tiles or an expert in another part). Fills
// x_row and y_row; the caller puts a barrier before reading them.
bool matmul_columns(out uint w_row0, out uint bias0, out uint columns) {
  const uint threads = gl_WorkGroupSize.x;
  const uint lid = gl_LocalInvocationID.x;
#ifdef MOE_GROUPED
  w_row0 = bias0 = columns = 0u;
  const uint tile = gl_WorkGroupID.y;
  if (tile >= pc.tiles.v[0]) return false;  // the dispatch covers the most tiles any routing needs
  const uint expert = pc.tiles.v[1u + 3u * tile];
  if (expert < pc.expert_begin || expert >= pc.expert_end) return false;  // in another part
  const uint first = pc.tiles.v[2u + 3u * tile];
  columns = pc.tiles.v[3u + 3u * tile] - first;
  w_row0 = (expert - pc.expert_begin) * pc.m;
  bias0 = expert * pc.m;
  for (uint t = lid; t < columns; t += threads) {
    const uint pair = pc.order.v[first + t];
    x_row[t] = pair / pc.x_row_div;
    y_row[t] = pair;
  }
#else
  const uint tok0 = gl_WorkGroupID.y * kTileN;
  columns = min(kTileN, pc.n - tok0);
  w_row0 = 0u;
  bias0 = pc.row_offset;
  for (uint t = lid; t < columns; t += threads) x_row[t] = y_row[t] = tok0 + t;
#endif
  return true;
}

// Activations [x_row[t]][32 b + 4 part, +4): four values of block b of column t, zeros past the
// tile's columns.
vec4 tile_x(uint t, uint columns, uint b, uint part) {
  return t < columns ? load_x((x_row[t] * pc.x_stride) / 4u + b * 8u + part) : vec4(0.0);
}

// Output row `row` of column t: value + bias (+ what y holds, accumulating into a residual).
void store_y(uint row, uint t, uint bias0, float value) {
  const float bias = HAS_BIAS ? BIAS(bias0 + row) : 0.0;
  const uint o = y_row[t] * pc.y_stride + ROW_OFFSET + row;
  Y(o) = value + bias + (ACCUMULATE ? Y(o) : 0.0);
}
