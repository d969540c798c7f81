// Launchers of f32_<fmt>w_matvec and f32_<fmt>w_matmul: Y[t] = W X[t] + b for t < n, with fp32
// activations X [n][K] and outputs Y [n][M] (row-major), W in its format on the device. The
// kernel is chosen by W's format; a matrix split into parts takes one dispatch per part.
#pragma once
#include "backend/device_matrix.h"

namespace ossvk {

inline constexpr uint32_t kMaxMatvecColumns = 8;

// Whether the decode kernels (f32_<fmt>w_matvec, _moe_gate_up, _moe_down) take the GPUs' layout:
// K split among subgroups and activations staged in shared memory. On GPUs, and on any device
// whose options force a matvec split (the tests do, to run this layout on lavapipe).
bool gpu_layout(const host::Device& device);
// Activation blocks a decode kernel stages per run in the GPU layout
// (shaders/stage_activations.glsl): `blocks`, or 0 where the device takes the CPU layout or the
// run would take more than half its shared memory.
uint32_t stage_blocks(const host::Device& device, uint32_t blocks);

// Decode: 1 <= n <= kMaxMatvecColumns columns share one read of W. bias may be null;
// accumulate adds the result to y (a residual stream) instead of overwriting it.
host::Status encode_matvec(host::Device& device, host::CommandStream& stream, const DeviceMatrix& w,
                           const host::Buffer& x, uint32_t n, const host::Buffer* bias,
                           const host::Buffer& y, bool accumulate = false);

// Prefill: any n >= 1, tiled through shared memory. bias and accumulate as above.
host::Status encode_matmul(host::Device& device, host::CommandStream& stream, const DeviceMatrix& w,
                           const host::Buffer& x, uint32_t n, const host::Buffer* bias,
                           const host::Buffer& y, bool accumulate = false);

// Either of the above by n: matvec up to kMaxMatvecColumns columns, matmul beyond.
host::Status encode_linear(host::Device& device, host::CommandStream& stream, const DeviceMatrix& w,
                           const host::Buffer& x, uint32_t n, const host::Buffer* bias,
                           const host::Buffer& y, bool accumulate = false);

// Prefill's grouped expert matmul, f32_<fmt>w_moe_matmul. `w` holds every expert's
// `rows_per_expert` rows (in parts of whole experts). For each tile of (token, slot) pairs that
// chose one expert e (`order` and `tiles` from f32_moe_group), y[p] = W_e x[p / x_row_div] +
// bias[e] for every pair p of the tile: each expert's weights are decoded once per tile rather
// than once per pair. With `x_up` the loaded values are the clamped SwiGLU of x (gate) and x_up
// (f32_<fmt>w_moe_swiglu_matmul, the down projection). `max_tiles` bounds the tiles f32_moe_group
// can make (moe_matmul_max_tiles).
struct MoeMatmulArgs {
  const host::Buffer* x = nullptr;
  const host::Buffer* x_up = nullptr;  // null: plain loads
  const host::Buffer* bias = nullptr;  // [experts][rows_per_expert]
  const host::Buffer* y = nullptr;     // [pairs][rows_per_expert]
  const host::Buffer* order = nullptr;
  const host::Buffer* tiles = nullptr;
  uint32_t rows_per_expert = 0, x_row_div = 1;
  uint32_t tile_n = 0;  // pairs per tile, from moe_matmul_tile
  uint32_t max_tiles = 0;
  float swiglu_alpha = 1.702f, swiglu_limit = 7.0f;
};
host::Status encode_moe_matmul(host::Device& device, host::CommandStream& stream,
                               const DeviceMatrix& w, const MoeMatmulArgs& args);
// Pairs per tile of the grouped expert matmul (f32_moe_group's tile_n) for a step of `pairs`
// pairs over `experts` experts on this device: the narrowest that holds an expert's average
// share, never below kMinMoeTile; and the most tiles such a step can make, so that
// moe_matmul_max_tiles(pairs, experts, kMinMoeTile) bounds every step.
inline constexpr uint32_t kMinMoeTile = 16;
uint32_t moe_matmul_tile(const host::DeviceInfo& info, uint32_t pairs, uint32_t experts);
uint32_t moe_matmul_max_tiles(uint32_t pairs, uint32_t experts, uint32_t tile);

}  // namespace ossvk
