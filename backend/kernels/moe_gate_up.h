// Launcher of f32_<fmt>w_moe_gate_up (shaders/moe_gate_up.comp): decode's expert MLP first half.
// For every (token, slot) pair, its expert's gate and up rows with their biases and the clamped
// SwiGLU, into scratch.act; only the chosen experts' rows are read. The _texel variant reads
// weights and activations through texel buffers (backend/kernels/binding.h).
#pragma once
#include "backend/kernels/moe.h"

namespace ossvk {

// scratch.normed [tokens][hidden] and scratch.ids -> scratch.act [tokens * top_k][ff].
// `addend` [tokens * top_k][2 * ff], when given, holds the layer's gate and up LoRA side paths
// (those it has), added before the SwiGLU.
host::Status encode_moe_gate_up(host::Device& device, host::CommandStream& stream,
                                const MoeLayer& layer, const MoeScratch& scratch, uint32_t tokens,
                                uint32_t top_k, bool texels, const host::Buffer* addend = nullptr);

}  // namespace ossvk
