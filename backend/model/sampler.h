// Token sampling over one row of logits on the host: greedy, or temperature with top-k, top-p
// and min-p filters, from a caller-owned random state (so a seed reproduces a generation).
#pragma once
#include <cstdint>
#include <span>

namespace ossvk {

struct SamplerParams {
  float temperature = 0.0f;  // 0: greedy
  uint32_t top_k = 0;        // 0: off
  float top_p = 1.0f;        // 1: off
  float min_p = 0.0f;        // 0: off
};

// The highest logit's id, ties to the lower id; NaN logits never win.
uint32_t argmax(std::span<const float> logits);

// Draws an id; advances `state`.
uint32_t sample(std::span<const float> logits, const SamplerParams& params, uint64_t& state);

}  // namespace ossvk
