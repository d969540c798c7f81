// One decode step for several sessions on one model: each advances by one token, in one command
// buffer that reads every weight once for all of them (the dense and expert matvecs take up to
// kMaxMatvecColumns columns), while RoPE, the K/V write and attention run session by session on
// each one's own cache at its own position. Each session's logits equal those of its own step.
#pragma once
#include <memory>
#include <span>

#include "backend/kernels/matvec.h"
#include "backend/model/session.h"

namespace ossvk {

class Batch {
 public:
  // Working buffers for up to `max_sessions` sessions (at most kMaxMatvecColumns) using `top_k`
  // experts per token (0: the model's). The model must lie on one device, experts included.
  static host::Result<std::unique_ptr<Batch>> create(Model& model,
                                                     uint32_t max_sessions = kMaxMatvecColumns,
                                                     uint32_t top_k = 0);

  // sessions[i] takes tokens[i] at its next position and advances; logits, when not null,
  // receives [sessions.size()][vocab]. Each session must be on this batch's model, usable, with
  // room left, and use the batch's experts per token, and none may appear twice; otherwise
  // nothing runs and the error names the session's index. A failed submission leaves every
  // session in the step unusable.
  host::Status eval(std::span<Session* const> sessions, std::span<const uint32_t> tokens,
                    float* logits);
  // Session i's row of the last eval's logits, where it lies (host-visible memory).
  std::span<const float> row(uint32_t i) const;
  uint32_t top_k() const { return top_k_; }

 private:
  Batch(Model& model, uint32_t max_sessions, uint32_t top_k)
      : model_(model), max_(max_sessions), top_k_(top_k) {}
  host::Status check(std::span<Session* const> sessions, std::span<const uint32_t> tokens) const;
  host::Status record(std::span<Session* const> sessions);

  Model& model_;
  uint32_t max_ = 0, top_k_ = 0;
  std::unique_ptr<host::CommandStream> stream_;
  MoeScratch moe_scratch_;
  host::Buffer ids_in_, ids_, x_, x2_, normed_, qkv_, attn_, lora_u_, logits_, logits_out_;
};

}  // namespace ossvk
