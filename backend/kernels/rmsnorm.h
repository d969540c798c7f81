// Launcher of f32_rmsnorm (shaders/rmsnorm.comp): GPT-OSS's RMSNorm, y = x / sqrt(mean(x^2) +
// eps) * gain, one workgroup per token (docs/model.md, "One block").
#pragma once
#include "host/commands.h"

namespace ossvk {

// y [tokens][n] = RMSNorm(x [tokens][n]) * gain [n].
host::Status encode_rmsnorm(host::Device& device, host::CommandStream& stream,
                            const host::Buffer& x, const host::Buffer& gain, uint32_t n,
                            uint32_t tokens, float eps, const host::Buffer& y);

}  // namespace ossvk
