// Launchers of the prefill matmuls on tile products (shaders/matmul_mma.comp, shaders/mma.glsl):
// f32_<fmt>w_matmul_mma and the grouped expert f32_<fmt>w_moe_matmul_mma /
// f32_<fmt>w_moe_swiglu_matmul_mma on the device's matrix units, or their _mma_emulated forms, as
// host::Device::mma() says. encode_matmul and encode_moe_matmul call these on such devices; the
// arguments and results are theirs, with the operands rounded to fp16 (products exact, sums fp32).
#pragma once
#include "backend/device_matrix.h"
#include "backend/kernels/moe_matmul.h"

namespace ossvk {

// The kernels' fixed tile: rows of W by columns (tokens, or pairs of one expert).
inline constexpr uint32_t kMmaTileM = 64, kMmaTileN = 64;
// Their shared memory: the A and B tiles (64 x 40 elements each, two fp16 parts or one packed
// word), two staging tiles of 16 x 16 floats per group of 32, and the columns' x and y rows.
inline constexpr uint32_t kMmaSharedBytes = 2 * 64 * 40 * 4 + 2 * 4 * 256 * 4 + 2 * 64 * 4;

host::Status encode_matmul_mma(host::Device& device, host::CommandStream& stream,
                               const DeviceMatrix& w, const host::Buffer& x, uint32_t n,
                               const host::Buffer* bias, const host::Buffer& y, bool accumulate,
                               const LinearRows& rows);
// args.tile_n must be kMmaTileN.
host::Status encode_moe_matmul_mma(host::Device& device, host::CommandStream& stream,
                                   const DeviceMatrix& w, const MoeMatmulArgs& args);

}  // namespace ossvk
