// Reference mixture-of-experts block (docs/model.md, "MoE"), in double:
// t = RMSNorm(x); logits = W_r t + b_r; top-k on the raw logits (ties to the lower expert index);
// softmax over the k selected logits; per selected expert h = W1 t + b1 split into gate and up,
// clamped SwiGLU; y_e = W2 a + b2; x + sum_e w_e y_e.
#pragma once
#include <cstdint>
#include <vector>

#include "reference/tensor_format.h"

namespace ossvk::reference {

struct MoeWeights {
  uint32_t experts = 0, hidden = 0, ff = 0;  // E, D (input and output width), F (expert width)
  std::vector<float> norm_gain;              // [D]
  TensorData router;                         // [E][D]
  std::vector<float> router_bias;            // [E]
  TensorData gate, up;                       // [E * F][D]: expert e's rows e*F .. e*F+F-1
  std::vector<float> gate_bias, up_bias;     // [E][F]
  TensorData down;                           // [E * D][F]
  std::vector<float> down_bias;              // [E][D]
  double eps = 1e-5;
  double swiglu_alpha = 1.702, swiglu_limit = 7.0;
};

struct MoeResult {
  std::vector<uint32_t> ids;          // [tokens][k], by descending logit
  std::vector<double> weights;        // [tokens][k]
  std::vector<double> router_margin;  // [tokens]: k-th minus (k+1)-th logit (inf when k = E)
  std::vector<double> out;            // [tokens][D] = x + MoE(x)
  std::vector<double> bound;  // [tokens][D]: what an fp32 kernel chain may differ by (see .cpp)
  std::vector<double> logit_bound;  // [tokens]: the largest fp32 error of a router logit
};

// The router's choice for one token: the k largest of `experts` logits (ties to the lower expert
// index) by descending logit, and the softmax over those k only.
struct Route {
  std::vector<uint32_t> ids;    // [k]
  std::vector<double> weights;  // [k]
  double margin = 0;            // k-th minus (k+1)-th logit (inf when k = experts)
};
Route route(const double* logits, uint32_t experts, uint32_t k);

// operand_rounding: how far, relative, each operand of the block's matrix products may lie from
// its value before an exact product (2^-22 on prefill's tile products, shaders/mma.glsl; 0 for
// fp32 kernels); it widens `bound` and `logit_bound`.
MoeResult moe(const MoeWeights& w, const std::vector<float>& x, uint32_t tokens, uint32_t k,
              double operand_rounding = 0);

}  // namespace ossvk::reference
