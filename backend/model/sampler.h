// Token sampling over one row of logits on the host: greedy, or temperature with top-k, top-p
// and min-p filters, from a caller-owned random state (so a seed reproduces a generation).
#pragma once
#include <cstdint>
#include <optional>
#include <span>

#include "backend/kernels/topk.h"

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

// The same draw from the row's best candidates alone (best first: higher logit, then lower id;
// no NaN), when those suffice: greedy, or 1 <= top_k <= candidates.size() (fewer candidates
// than top_k only if the row has no more non-NaN logits, `complete`). The id, or nothing when
// the whole row is needed. Given the same state it draws exactly what sample() draws.
std::optional<uint32_t> sample_candidates(std::span<const Candidate> candidates, bool complete,
                                          const SamplerParams& params, uint64_t& state);

}  // namespace ossvk
