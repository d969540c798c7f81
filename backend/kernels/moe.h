// The mixture-of-experts block on the device (docs/model.md, "One block"): RMSNorm, router
// matvec/matmul with bias, f32_moe_route (moe_route.h: top-k, softmax over the k) (in decode
// one f32_<fmt>w_moe_norm_route instead, moe_norm_route.h), then per
// (token, slot) f32_<fmt>w_moe_gate_up (moe_gate_up.h) and per token f32_<fmt>w_moe_down
// (moe_down.h) with the routing weights and the residual folded in; prefill may instead group
// the pairs by expert (moe_group.h, grouped matmuls, moe_combine.h). Only the selected experts'
// weights are read. Each kernel has its own launcher; this file orchestrates them.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "backend/device_matrix.h"
#include "backend/kernels/lora.h"

namespace ossvk {

struct MoeLayer {
  uint32_t experts = 0, hidden = 0, ff = 0;
  float eps = 1e-5f;
  float swiglu_alpha = 1.702f, swiglu_limit = 7.0f;
  host::Buffer norm_gain;                      // [hidden]
  DeviceMatrix router;                         // [experts][hidden]
  host::Buffer router_bias;                    // [experts]
  DeviceMatrix gate, up;                       // [experts * ff][hidden], parts of whole experts
  DeviceMatrix down;                           // [experts * hidden][ff]
  host::Buffer gate_bias, up_bias, down_bias;  // [experts][ff], [experts][ff], [experts][hidden]
  LoraWeights router_lora, gate_lora, up_lora, down_lora;  // LoRA side paths, where adapted
  bool experts_adapted() const { return gate_lora || up_lora || down_lora; }
};

struct MoeLayerData {
  uint32_t experts = 0, hidden = 0, ff = 0;
  const float* norm_gain = nullptr;
  TensorData router;
  const float* router_bias = nullptr;
  TensorData gate, up, down;
  const float *gate_bias = nullptr, *up_bias = nullptr, *down_bias = nullptr;
};

// Uploads a layer, checking every shape against experts/hidden/ff; `name` names the layer.
// options.memory places the expert matrices; the router and the vectors stay device-local.
host::Result<MoeLayer> upload_moe_layer(host::Device& device, host::Transfer& transfer,
                                        const MoeLayerData& data, const std::string& name,
                                        const UploadOptions& options = {});
// The halves upload_moe_layer uploads, for a layer whose experts live on another device than
// its router: the norm and router (with its bias) into `layer`, or the expert matrices and
// their biases.
host::Status upload_moe_router(host::Device& device, host::Transfer& transfer,
                               const MoeLayerData& data, const std::string& name,
                               const UploadOptions& options, MoeLayer& layer);
host::Status upload_moe_experts(host::Device& device, host::Transfer& transfer,
                                const MoeLayerData& data, const std::string& name,
                                const UploadOptions& options, MoeLayer& layer);

// Working buffers for up to `tokens` tokens and `top_k` experts per token, the grouped path's
// included (any layer may take it: see encode_moe): act and up hold the gate and up outputs per
// (token, slot) pair, y the down outputs, order and tiles the grouping.
// With lora_rank (the largest rank of the layers' side paths), lora_u holds their rank-wide
// products per (token, slot) pair, gate's and up's side by side, and lora_delta their outputs.
struct MoeScratch {
  uint32_t tokens = 0, top_k = 0, lora_rank = 0;
  host::Buffer normed, logits, ids, weights, act;
  host::Buffer up, y, order, tiles;
  host::Buffer lora_u, lora_delta;
};
// The sizes of a scratch's buffers in MoeScratch's order, 0 for those it has none of.
std::vector<uint64_t> moe_scratch_sizes(uint32_t hidden, uint32_t experts, uint32_t ff,
                                        uint32_t tokens, uint32_t top_k, uint32_t lora_rank);
host::Result<MoeScratch> create_moe_scratch(host::Device& device, const MoeLayer& layer,
                                            uint32_t tokens, uint32_t top_k,
                                            uint32_t lora_rank = 0);

// The experts [begin, end) a part of an expert matrix holds (parts hold whole experts).
inline std::pair<uint32_t, uint32_t> part_experts(const DeviceMatrix::Part& p,
                                                  uint32_t rows_per_expert) {
  return {p.row_begin / rows_per_expert, (p.row_begin + p.rows) / rows_per_expert};
}

// out [tokens][hidden] = x + MoE(x). Reads ids/weights back from scratch if the caller wants
// them. `name` names the layer in errors. Up to kMaxMatvecColumns tokens (decode) every
// (token, slot) pair reads its expert's rows itself; beyond, f32_moe_group sorts the pairs by
// expert and the grouped matmuls read each chosen expert once per tile of pairs, where that pays
// (always on GPUs; on CPU devices from 33 pairs an expert on average). LoRA side paths on the
// experts join each path: per pair, gate's and up's as moe_gate_up's addends before the SwiGLU
// and down's through f32_moe_combine onto out; grouped, added onto the pre-activations and the
// down outputs the path keeps apart.
// Experts whose gate and up differ in format always take the grouped path: moe_gate_up decodes
// both with one decoder. `path` overrides the choice (tests of both paths on one device).
enum class MoePath { automatic, per_pair, grouped };
host::Status encode_moe(host::Device& device, host::CommandStream& stream, const MoeLayer& layer,
                        const host::Buffer& x, uint32_t tokens, uint32_t top_k, MoeScratch& scratch,
                        const host::Buffer& out, const std::string& name,
                        MoePath path = MoePath::automatic);
// encode_moe's two halves, for experts on another device than their router: the norm, router
// and top-k into scratch.normed, .ids and .weights (a barrier after); then, from those, the
// experts and out = x + their weighted sum. Each half reads only its half of `layer`.
host::Status encode_moe_router(host::Device& device, host::CommandStream& stream,
                               const MoeLayer& layer, const host::Buffer& x, uint32_t tokens,
                               uint32_t top_k, MoeScratch& scratch, const std::string& name);
host::Status encode_moe_experts(host::Device& device, host::CommandStream& stream,
                                const MoeLayer& layer, const host::Buffer& x, uint32_t tokens,
                                uint32_t top_k, MoeScratch& scratch, const host::Buffer& out,
                                const std::string& name, MoePath path = MoePath::automatic);

}  // namespace ossvk
