// Launcher of f32_<fmt>w_moe_down (shaders/moe_down.comp): decode's expert MLP second half. For
// every token, each of its experts' down rows with bias, times the routing weight, summed over
// the top_k and added to the residual, in one kernel.
#pragma once
#include "backend/kernels/moe.h"

namespace ossvk {

// scratch.act, scratch.ids and scratch.weights -> out [tokens][hidden] = residual + the sum.
host::Status encode_moe_down(host::Device& device, host::CommandStream& stream,
                             const MoeLayer& layer, const MoeScratch& scratch,
                             const host::Buffer& residual, const host::Buffer& out, uint32_t tokens,
                             uint32_t top_k, bool texels);

}  // namespace ossvk
