// Deterministic GGUF block data for tests and benchmarks. Two kinds:
// - realistic: scales and values in the ranges real gpt-oss weights use;
// - exact: power-of-two scales and small dyadic values, so every product and partial sum is
//   exactly representable in fp32 and any summation order gives the reference's answer bit for
//   bit. A wrong index cannot hide inside a tolerance.
#pragma once
#include <cstdint>
#include <random>
#include <vector>

#include "reference/matvec.h"

namespace ossvk::testing {

enum class Data { realistic, exact };

using Rng = std::mt19937_64;

std::vector<uint8_t> random_gguf_matrix(reference::GgufType type, uint64_t m, uint64_t k, Data data,
                                        Rng& rng);

// realistic: uniform in [-1, 1); exact: drawn from {0, +-0.5, +-1, +-2}.
std::vector<float> random_vector(uint64_t n, Data data, Rng& rng);

// A bound on |fp32 result - exact result| for a dot product of length k accumulated in fp32 in
// any order with at most k/32 + 16 sequential roundings along any chain (per-block partial sums of
// 32 products, then block sums, then a subgroup tree and the bias): each rounding contributes at
// most one unit roundoff u = 2^-24 of the running |sum|, which is at most abs_dot.
double matvec_error_bound(uint64_t k, double abs_dot);

}  // namespace ossvk::testing
