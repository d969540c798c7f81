// Launcher of f32_<fmt>w_moe_norm_route (shaders/moe_norm_route.comp): a decode step's routing
// in one dispatch, one workgroup per token: RMSNorm into scratch.normed, the router's logits
// and their top k with the softmax over them into scratch.ids and scratch.weights, as
// f32_rmsnorm, the router's matvec and f32_moe_route give in three.
#pragma once
#include "backend/kernels/moe.h"

namespace ossvk {

// Whether the kernel takes `layer`'s routing on `device`: a router in one part whose normalised
// row and logits fit the device's shared memory.
bool moe_norm_route_takes(const host::Device& device, const MoeLayer& layer);

// x [tokens][hidden] -> scratch.normed, .ids and .weights, for up to kMaxMatvecColumns tokens.
// `addend` [tokens][experts], when given, is added to the logits before the top k (the router's
// LoRA side path).
host::Status encode_moe_norm_route(host::Device& device, host::CommandStream& stream,
                                   const MoeLayer& layer, const host::Buffer& x, uint32_t tokens,
                                   uint32_t top_k, const MoeScratch& scratch,
                                   const host::Buffer* addend = nullptr);

}  // namespace ossvk
