// Launchers of prefill's grouped expert matmuls, f32_<fmt>w_moe_matmul and
// f32_<fmt>w_moe_swiglu_matmul (shaders/matmul.comp with MOE / MOE_SWIGLU), and the tile widths
// they take.
#pragma once
#include "backend/device_matrix.h"
#include "shaders/moe_matmul_push.h"

namespace ossvk {

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
// One part's push constants, which the tile-product kernels share (backend/kernels/matmul_mma.h).
shaders::MoeMatmulPush moe_matmul_push(const DeviceMatrix& w, const DeviceMatrix::Part& part,
                                       const MoeMatmulArgs& args);
// Pairs per tile of the grouped expert matmul (f32_moe_group's tile_n) for a step of `pairs`
// pairs over `experts` experts on this device: the narrowest that holds an expert's average
// share, never below kMinMoeTile; and the most tiles a step of `tile`-pair tiles can make (the
// scratch holds those of the narrowest, kMoeMatvecTile in moe_matvec.h).
inline constexpr uint32_t kMinMoeTile = 16;
// On devices running tile products (host::Device::mma()) it is always kMmaTileN.
uint32_t moe_matmul_tile(const host::Device& device, uint32_t pairs, uint32_t experts);
uint32_t moe_matmul_max_tiles(uint32_t pairs, uint32_t experts, uint32_t tile);

}  // namespace ossvk
