// A session's side of experts on a device of their own (Model::experts_device): for each block
// whose experts live there, the session's device ends its command buffer after the router and
// the host hands over the block's input rows, their normed rows and the router's top-k ids and
// weights; the experts device computes out = x + the experts' weighted sum, and the host hands
// out back to the session's device for the next block. Only these rows cross: [tokens][hidden]
// twice and [tokens][top_k] twice each way in, [tokens][hidden] back.
#pragma once
#include <memory>
#include <vector>

#include "backend/kernels/moe.h"
#include "host/commands.h"
#include "host/device_info.h"
#include "reference/model.h"

namespace ossvk {

class Model;

class RemoteExperts {
 public:
  // Where each handed-over array starts in a host-visible buffer sized for `tokens` rows.
  struct Layout {
    uint64_t x = 0, normed = 0, ids = 0, weights = 0, bytes = 0;
  };
  static Layout layout(uint32_t tokens, uint32_t hidden, uint32_t top_k);

  // Working buffers on model.experts_device() for steps of up to `tokens` tokens: the expert
  // scratch, the rows handed over, x and out, and out's read-back.
  static host::Result<std::unique_ptr<RemoteExperts>> create(const Model& model, uint32_t tokens,
                                                             uint32_t top_k, uint64_t timeout_ns);

  // The bytes create() allocates on `device` (the experts' device), as its allocator rounds them.
  static uint64_t work_bytes(const ModelConfig& c, const host::DeviceInfo& device, uint32_t tokens,
                             uint32_t top_k, uint32_t lora_rank);

  // Copies the `tokens` rows of each array from `from` (laid out as layout()) to the experts
  // device's input.
  void take(const std::byte* from, uint32_t tokens);
  // Runs block first_layer + `layer`'s experts on the rows taken; out() holds x + their sum,
  // [tokens][hidden]. A one-token step replays a recording made once per block.
  host::Status run(uint32_t layer, uint32_t tokens);
  const std::byte* out() const { return out_host_.mapped(); }

 private:
  RemoteExperts(const Model& model, uint32_t top_k) : model_(model), top_k_(top_k) {}
  host::Status record(host::CommandStream& cs, uint32_t layer, uint32_t tokens);

  const Model& model_;
  uint32_t top_k_ = 0;
  uint64_t timeout_ns_ = 0;
  Layout layout_;
  std::unique_ptr<host::CommandStream> stream_;
  std::vector<std::unique_ptr<host::CommandStream>> decode_;  // per block, replayed
  MoeScratch scratch_;
  host::Buffer in_, x_, out_, out_host_;
};

}  // namespace ossvk
