// Launcher of f32_moe_combine (shaders/moe_combine.comp): the grouped path's last step, each
// token's routing-weighted sum of its experts' outputs added to the residual.
#pragma once
#include "host/commands.h"

namespace ossvk {

// out [tokens][hidden] = residual + sum over k of weights[t][k] * y[t * top_k + k].
host::Status encode_moe_combine(host::Device& device, host::CommandStream& stream,
                                const host::Buffer& y, const host::Buffer& weights,
                                const host::Buffer& residual, const host::Buffer& out,
                                uint32_t tokens, uint32_t top_k, uint32_t hidden);

}  // namespace ossvk
