#include "backend/model/sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace ossvk {

uint32_t argmax(std::span<const float> logits) {
  uint32_t best = 0;
  for (uint32_t i = 1; i < logits.size(); ++i)
    if (logits[i] > logits[best] || std::isnan(logits[best])) best = i;
  return best;
}

namespace {

bool greedy(const SamplerParams& p) {
  return !(p.temperature > 0.0f) || p.top_k == 1;
}

// The draw from the k best candidates, best first.
uint32_t draw(std::span<const Candidate> best, const SamplerParams& p, uint64_t& state) {
  const size_t k = best.size();
  std::vector<double> prob(k);
  const double top = best[0].logit;
  double sum = 0;
  for (size_t i = 0; i < k; ++i) sum += prob[i] = std::exp((best[i].logit - top) / p.temperature);
  size_t keep = k;
  if (p.top_p < 1.0f) {  // the smallest prefix whose mass reaches top_p
    double mass = 0;
    for (size_t i = 0; i < k; ++i)
      if ((mass += prob[i] / sum) >= p.top_p) {
        keep = i + 1;
        break;
      }
  }
  if (p.min_p > 0.0f)  // prob[0] is the largest: drop those below min_p of it
    while (keep > 1 && prob[keep - 1] < p.min_p * prob[0]) --keep;
  double kept = 0;
  for (size_t i = 0; i < keep; ++i) kept += prob[i];
  // splitmix64 step -> a uniform double in [0, 1)
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  double r = static_cast<double>(z >> 11) * 0x1p-53 * kept;
  for (size_t i = 0; i < keep; ++i)
    if ((r -= prob[i]) < 0) return best[i].id;
  return best[keep - 1].id;
}

}  // namespace

std::vector<Candidate> best_candidates(std::span<const float> logits, size_t k) {
  std::vector<uint32_t> ids(logits.size());
  std::iota(ids.begin(), ids.end(), 0u);
  std::erase_if(ids, [&](uint32_t i) { return std::isnan(logits[i]); });
  k = std::min(k, ids.size());
  std::partial_sort(ids.begin(), ids.begin() + k, ids.end(), [&](uint32_t a, uint32_t b) {
    return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
  });
  std::vector<Candidate> best(k);
  for (size_t i = 0; i < k; ++i) best[i] = {ids[i], logits[ids[i]]};
  return best;
}

uint32_t candidates_needed(const SamplerParams& p) {
  return greedy(p) ? 1 : p.top_k;
}

uint32_t sample(std::span<const float> logits, const SamplerParams& p, uint64_t& state) {
  if (greedy(p)) return argmax(logits);
  const std::vector<Candidate> best = best_candidates(logits, p.top_k ? p.top_k : logits.size());
  return best.empty() ? 0 : draw(best, p, state);
}

uint32_t sample_candidates(std::span<const Candidate> candidates, const SamplerParams& p,
                           uint64_t& state) {
  if (greedy(p)) return candidates[0].id;
  return draw(candidates.first(std::min<size_t>(p.top_k, candidates.size())), p, state);
}

}  // namespace ossvk
