// Reference attention for GPT-OSS (docs/model.md, "One block"), in double: RMSNorm,
// YaRN RoPE with half-split pairing, causal attention with a per-head sink logit, an optional
// sliding window, and grouped-query heads.
#pragma once
#include <cstdint>
#include <vector>

#include "reference/tensor_format.h"

namespace ossvk::reference {

struct AttentionShape {
  uint32_t n_heads = 64;
  uint32_t n_kv_heads = 8;
  uint32_t head_dim = 64;
  uint32_t window =
      0;  // 0: full causal; else key j is visible from query i iff 0 <= i - j < window
};

struct RopeParams {
  double theta = 150000.0;
  double factor = 32.0;  // YaRN scaling factor; 1 disables YaRN
  double original_context = 4096.0;
  double beta_fast = 32.0;  // sets the low correction dim
  double beta_slow = 1.0;   // sets the high correction dim
};

// Per frequency index i < head_dim/2: the angle per position, and the concentration m
// (0.1 ln(factor) + 1) that multiplies both cos and sin. The correction range is not rounded.
struct Rope {
  std::vector<double> inv_freq;
  double concentration = 1.0;
};
Rope yarn_rope(const RopeParams& params, uint32_t head_dim);

// Rotates one head in place at absolute position `pos`: x[i], x[i + d/2] pair with frequency i.
void apply_rope(const Rope& rope, uint32_t head_dim, double pos, double* x);

// y = x * rsqrt(mean(x^2) + eps) * gain.
void rmsnorm(const float* x, const float* gain, uint32_t n, double eps, double* out);

struct AttentionResult {
  std::vector<double> out;    // [tokens][n_heads * head_dim]
  std::vector<double> bound;  // the same shape: what an fp32 kernel may differ by (see .cpp)
};

// Attention of `tokens` queries at positions first_pos .. first_pos + tokens - 1 over keys and
// values at positions 0 .. first_pos + tokens - 1. q is [tokens][n_heads * head_dim], k and v
// are [positions][n_kv_heads * head_dim], all after RoPE; sinks is [n_heads]. `kv_unit` is the
// unit roundoff of the device's K/V storage (2^-24 for f32, 2^-11 for f16), for the bound.
// `errors`, when given, are absolute errors an fp32 pipeline may already carry in q, k and v
// (same shapes); the bound then covers them too. `operand_rounding` (rho) widens it for tile
// products (shaders/mma.glsl), which hold q, k, the softmax weights and v as two fp16 parts each,
// within rho of their value (2^-35 absolute near zero), and leave out rho^2 of each product.
struct AttentionInputErrors {
  const std::vector<double>* q = nullptr;
  const std::vector<double>* k = nullptr;
  const std::vector<double>* v = nullptr;
};
AttentionResult attention(const AttentionShape& shape, const std::vector<double>& q,
                          uint32_t tokens, uint32_t first_pos, const std::vector<double>& k,
                          const std::vector<double>& v, const std::vector<float>& sinks,
                          double kv_unit, const AttentionInputErrors& errors = {},
                          double operand_rounding = 0.0);

// The whole attention block of one layer over positions 0 .. positions-1 of one sequence:
// x + W_o attention(RoPE(W_qkv RMSNorm(x) + b_qkv)) + b_o, with a bound that follows each step's
// fp32 error through the next (see attention.cpp).
struct AttentionBlockWeights {
  AttentionShape shape;
  RopeParams rope;
  uint32_t hidden = 0;
  double eps = 1e-5;
  std::vector<float> norm_gain;  // [hidden]
  TensorData qkv;                // [(heads + 2 kv_heads) * head_dim][hidden]
  std::vector<float> qkv_bias;
  std::vector<float> sinks;  // [heads]
  TensorData out;            // [hidden][heads * head_dim]
  std::vector<float> out_bias;
};
struct BlockResult {
  std::vector<double> out;  // [positions][hidden]
  std::vector<double> bound;
};
BlockResult attention_block(const AttentionBlockWeights& w, const std::vector<float>& x,
                            uint32_t positions, double kv_unit);

}  // namespace ossvk::reference
