// Launcher of f32_<fmt>w_moe_matvec_texel (shaders/moe_matvec.comp): prefill's grouped expert
// matmuls on CPU devices, in the matvec's form, through texel descriptors.
#pragma once
#include "backend/kernels/moe_matmul.h"

namespace ossvk {

// Pairs per tile of the grouped expert matvec (f32_moe_group's tile_n): a matvec's columns.
inline constexpr uint32_t kMoeMatvecTile = 8;

// Whether the grouped expert matvec can read these buffers: every plane of `w` and the activations
// fit a texel view and y and the bias a storage range.
bool moe_matvec_fits(const host::Device& device, const DeviceMatrix& w, const MoeMatmulArgs& args);

// What encode_moe_matmul computes (moe_matmul.h) without args.x_up (its SwiGLU: f32_swiglu
// applies it first), for tiles of args.tile_n == kMoeMatvecTile pairs.
host::Status encode_moe_matvec(host::Device& device, host::CommandStream& stream,
                               const DeviceMatrix& w, const MoeMatmulArgs& args);

}  // namespace ossvk
