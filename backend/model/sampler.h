// Token sampling over one row of logits on the host: greedy, or temperature with top-k, top-p
// and min-p filters, from a caller-owned random state (so a seed reproduces a generation).
#pragma once
#include <cstdint>
#include <span>
#include <vector>

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

// The row's `k` best non-NaN logits, best first (higher logit, then lower id): what sample()
// draws from.
std::vector<Candidate> best_candidates(std::span<const float> logits, size_t k);

// How many of the row's best logits a draw with these settings reads: 1 when greedy, else
// top_k; 0 when it reads every one (top_k off).
uint32_t candidates_needed(const SamplerParams& params);

// The draw from the row's best candidates alone: at least candidates_needed(params) of them, or
// every non-NaN logit of the row, and at least one. Given the same state it draws exactly what
// sample() draws from the whole row.
uint32_t sample_candidates(std::span<const Candidate> candidates, const SamplerParams& params,
                           uint64_t& state);

}  // namespace ossvk
