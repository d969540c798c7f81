// A GPT-OSS model resident on one device: every layer's weights uploaded in their file formats
// (q, k and v fused into one matrix so the QKV projection is one matvec), LoRA adapters beside
// them as f32 side paths (one per matrix the step computes, the ranks of every adapter on it
// stacked),
// read-only once loaded, so any number of sessions on any threads may share it.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "backend/kernels/lora.h"
#include "backend/kernels/moe.h"
#include "backend/kernels/rope_kv_write.h"
#include "backend/model/placement.h"
#include "reference/model.h"

namespace ossvk {

struct ModelOptions {
  UploadOptions upload;
  // Called after each tensor with the bytes uploaded so far and in all.
  std::function<void(uint64_t done, uint64_t total)> progress;
  // Where the weights go (placement.h); a model that fits nowhere the request allows is refused
  // before anything is uploaded. lora_bytes is filled in from the adapters.
  PlacementRequest placement;
  // ExpertsOn::other: the device that holds and runs the moved experts (placement's
  // experts_device is then its info).
  host::Device* experts_device = nullptr;
};

// Block `layer`'s MoE tensors as the file holds them, views into `t`.
MoeLayerData moe_layer_data(const ModelTensors& t, uint32_t layer);

class Model {
 public:
  struct Layer {
    AttentionDims dims;
    host::Buffer attn_norm;  // [hidden]
    // [(heads + 2 kv_heads) * head_dim][hidden] as one matrix, or q, k and v apart where their
    // layouts differ (each writes its rows of the stacked output)
    std::vector<DeviceMatrix> qkv;
    host::Buffer qkv_bias;
    host::Buffer sinks;  // [heads]
    DeviceMatrix out;    // [hidden][heads * head_dim]
    host::Buffer out_bias;
    // LoRA side paths, where adapted: q's, k's and v's as one onto the stacked projection
    LoraWeights qkv_lora, out_lora;
    MoeLayer moe;
  };

  // Where upload would put the weights on a device like `device`, uploading nothing.
  static host::Result<Placement> plan(const host::DeviceInfo& device, const ModelTensors& tensors,
                                      const ModelOptions& options = {});
  // Checks the configuration against the kernels' limits, then uploads the blocks
  // options.placement names (all by default); errors name the tensor.
  static host::Result<std::unique_ptr<Model>> upload(host::Device& device,
                                                     const ModelTensors& tensors,
                                                     const ModelOptions& options = {});
  // Whole blocks in order across `devices` (a device may appear twice), each part holding its
  // blocks' weights, the first the embedding, the last the unembedding: a chain of parts from
  // the returned first one (next()). `blocks[i]` is device i's count; empty: by what each
  // offers. Each part is placed as options.placement asks, within its own device.
  static host::Result<std::unique_ptr<Model>> upload_split(
      const std::vector<host::Device*>& devices, const ModelTensors& tensors,
      const ModelOptions& options = {}, std::vector<uint32_t> blocks = {});
  // Where upload_split would put each part, uploading nothing; errors name the device.
  static host::Result<std::vector<Placement>> plan_split(
      const std::vector<const host::DeviceInfo*>& devices, const ModelTensors& tensors,
      const ModelOptions& options, const std::vector<uint32_t>& blocks);
  // The devices to use when none is named, from the usable GPUs best first: the best alone
  // when the whole model fits it; else all of them, by whole blocks, when that fits with
  // nothing in system memory; else the best alone, spilling to system memory as
  // options.placement allows.
  static std::vector<const host::DeviceInfo*> choose_devices(
      const std::vector<const host::DeviceInfo*>& gpus, const ModelTensors& tensors,
      const ModelOptions& options);
  // How many whole blocks each device takes, in proportion to what each offers (the limit given,
  // or all it can hold), at least one each.
  static host::Result<std::vector<uint32_t>> split_blocks(
      const std::vector<const host::DeviceInfo*>& devices, uint32_t layers, uint64_t limit);

  host::Device& device() const { return device_; }
  const ModelConfig& config() const { return config_; }
  // This part's blocks, from first_layer() on; first() holds the embedding, last() the output.
  const std::vector<Layer>& layers() const { return layers_; }
  uint32_t first_layer() const { return placement_.first_layer; }
  bool first() const { return first_layer() == 0; }
  bool last() const { return first_layer() + layers_.size() == config_.layers; }
  // The part holding the next blocks, on its own device; null for the last.
  Model* next() const { return next_.get(); }
  // ExpertsOn::other: the device holding the experts of this part's first
  // remote_experts().size() blocks, each a MoeLayer with the gate, up and down matrices, their
  // biases and LoRA side paths (layers()[i].moe keeps the norm and router); else null.
  host::Device* experts_device() const { return experts_device_; }
  const std::vector<MoeLayer>& remote_experts() const { return remote_experts_; }
  // Layer i's expert half, wherever it lies (remote_experts()[i] or layers()[i].moe).
  const MoeLayer& experts(size_t layer) const;
  const DeviceMatrix& embedding() const { return embedding_; }
  const host::Buffer& output_norm() const { return output_norm_; }
  const DeviceMatrix& output() const { return output_; }
  // Bytes of weights as stored on the device and in system memory, LoRA side paths included.
  uint64_t weight_bytes() const { return weight_bytes_; }
  // Where the weights went, and the device memory left to sessions.
  const Placement& placement() const { return placement_; }
  // What sessions and batches may still allocate on the device: the placement's budget less
  // all the device's allocator holds outside system memory.
  uint64_t device_free() const;
  // The largest stacked rank of any LoRA side path (0: none): sizes sessions' scratch.
  uint32_t lora_rank() const { return lora_rank_; }
  // Tensors holding weights that decode to NaN or Inf (E8M0 0xFF, non-finite scales or values),
  // with their counts; UploadOptions::refuse_non_finite makes any of them an error instead.
  const std::vector<std::pair<std::string, uint64_t>>& non_finite() const { return non_finite_; }
  // Bytes one decode step reads: all dense weights, one embedding row, the unembedding, and the
  // top_k selected experts of every layer.
  uint64_t decode_bytes(uint32_t top_k) const;

 private:
  explicit Model(host::Device& device) : device_(device) {}
  uint64_t expert_bytes(size_t layer) const;
  host::Device& device_;
  ModelConfig config_;
  std::vector<Layer> layers_;
  DeviceMatrix embedding_, output_;
  host::Buffer output_norm_;
  uint64_t weight_bytes_ = 0;
  uint32_t lora_rank_ = 0;
  Placement placement_;
  std::unique_ptr<Model> next_;
  host::Device* experts_device_ = nullptr;
  std::vector<MoeLayer> remote_experts_;
  std::vector<std::pair<std::string, uint64_t>> non_finite_;
};

}  // namespace ossvk
