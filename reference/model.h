// A whole GPT-OSS model as the loaders hand it over: the configuration and every tensor as a view
// of its file bytes (TensorData) or, for the small vectors (norm gains, biases, sinks), decoded to
// float. The backend uploads exactly this; reference::forward runs it on the CPU in double.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "reference/tensor_format.h"

namespace ossvk {

struct ModelConfig {
  uint32_t layers = 0, hidden = 0, vocab = 0;
  uint32_t heads = 0, kv_heads = 0, head_dim = 0;
  uint32_t experts = 0, top_k = 0, ff = 0;  // ff: expert intermediate width
  uint32_t window = 0;                      // sliding window of the sliding layers; 0: none
  uint32_t swa_period = 2;                  // layer l slides iff l % swa_period == 0
  uint32_t context = 0;                     // the longest context the model was trained for
  double eps = 1e-5;
  double rope_theta = 150000.0, rope_factor = 1.0, rope_original_context = 4096.0;
  double rope_beta_fast = 32.0, rope_beta_slow = 1.0;
  double swiglu_alpha = 1.702, swiglu_limit = 7.0;
  bool sliding(uint32_t layer) const { return window && layer % swa_period == 0; }
};

struct LayerTensors {
  std::vector<float> attn_norm;  // [hidden]
  TensorData q, k, v;            // [heads * head_dim][hidden], [kv_heads * head_dim][hidden] x2
  std::vector<float> q_bias, k_bias, v_bias;
  std::vector<float> sinks;                          // [heads]
  TensorData out;                                    // [hidden][heads * head_dim]
  std::vector<float> out_bias;                       // [hidden]
  std::vector<float> post_norm;                      // [hidden]
  TensorData router;                                 // [experts][hidden]
  std::vector<float> router_bias;                    // [experts]
  TensorData gate, up;                               // [experts * ff][hidden]
  TensorData down;                                   // [experts * hidden][ff]
  std::vector<float> gate_bias, up_bias, down_bias;  // [experts][ff], .., [experts][hidden]
};

// The matrices a LoRA adapter may change.
enum class LoraTarget : uint8_t { q, k, v, out, router, gate, up, down };
inline const char* lora_target_name(LoraTarget t) {
  constexpr const char* kNames[] = {"q", "k", "v", "out", "router", "gate", "up", "down"};
  return kNames[static_cast<int>(t)];
}

// One adapted matrix of one adapter, as its reader checked it against the model: the weight
// becomes W + B A (per expert for the experts' matrices); B carries the adapter's scale.
struct LoraModule {
  std::string name;  // the adapter's tensor it came from, for messages
  uint32_t layer = 0;
  LoraTarget target = LoraTarget::q;
  uint32_t experts = 1, rank = 0, in = 0, out = 0;
  std::vector<float> a;  // [experts][rank][in]
  std::vector<float> b;  // [experts][out][rank]
};

struct ModelTensors {
  ModelConfig config;
  TensorData embedding;  // [vocab][hidden]
  std::vector<LayerTensors> layers;
  std::vector<float> output_norm;  // [hidden]
  TensorData output;               // [vocab][hidden]
  std::vector<LoraModule> lora;    // adapters' modules, in the order they were read
};

namespace reference {

// The model with its LoRA modules merged, W + B A, into f32 copies of the matrices they adapt
// (held by `storage`); `tensors.lora` is empty.
struct MergedModel {
  ModelTensors tensors;
  std::vector<std::vector<float>> storage;
};
MergedModel merge_lora(const ModelTensors& model);

// Logits [tokens][vocab] of one prefill of `tokens` from position 0, with `top_k` experts per
// token; activations in double, rounded to float between blocks as an fp32 pipeline would hold
// them. LoRA modules are merged into the weights first (merge_lora). Slow: for tests on small
// models.
std::vector<float> forward(const ModelTensors& model, std::span<const uint32_t> tokens,
                           uint32_t top_k);

}  // namespace reference
}  // namespace ossvk
