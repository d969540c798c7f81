// Launcher of f32_moe_route (shaders/moe_route.comp): for each token, the top_k of the router's
// raw logits (ties to the lower expert index) and the softmax over those k only
// (docs/model.md, "One block").
#pragma once
#include "host/commands.h"

namespace ossvk {

// The most experts f32_moe_route and f32_moe_group take (a bit mask and shared counters each).
inline constexpr uint32_t kMaxExperts = 256;

// logits [tokens][experts] -> ids and weights [tokens][top_k].
host::Status encode_moe_route(host::Device& device, host::CommandStream& stream,
                              const host::Buffer& logits, uint32_t tokens, uint32_t experts,
                              uint32_t top_k, const host::Buffer& ids, const host::Buffer& weights);

}  // namespace ossvk
