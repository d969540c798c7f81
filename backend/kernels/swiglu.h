// Launcher of f32_swiglu (shaders/swiglu.comp): gpt-oss's clamped SwiGLU of the experts' gate and
// up values, written over the gate values.
#pragma once
#include "host/commands.h"

namespace ossvk {

// gate[i] = SwiGLU(gate[i], up[i]) for i < count (the MoE's swiglu_alpha and swiglu_limit).
host::Status encode_swiglu(host::Device& device, host::CommandStream& stream,
                           const host::Buffer& gate, const host::Buffer& up, uint64_t count,
                           float alpha, float limit);

}  // namespace ossvk
