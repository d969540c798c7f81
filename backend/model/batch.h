// One step for several sessions on one model, in one command buffer that reads every weight once
// for all of them, while RoPE, the K/V write and attention run session by session on each one's
// own cache at its own position. Each session takes one token (decode) or a chunk of a prompt
// (prefill alongside the others, so a long prompt holds their decode up by one step per chunk,
// not by its whole length). Steps of one token each go through the matvecs (up to
// kMaxMatvecColumns columns), and each session's logits then equal those of its own step bit for
// bit; steps with chunks take the matmuls over all their tokens.
#pragma once
#include <memory>
#include <span>

#include "backend/kernels/matvec.h"
#include "backend/model/session.h"

namespace ossvk {

// The most tokens a batch step takes through the C ABI (OSSVK_BATCH_MAX_TOKENS): seven
// decoding sessions beside a 512-token chunk of a prompt.
inline constexpr uint32_t kBatchMaxTokens = kMaxMatvecColumns - 1 + 512;

// The device memory Batch::create(model, max_sessions, top_k, max_tokens) allocates, as the
// allocator rounds it (tested): the step's activations and expert scratch for max_tokens tokens,
// and max_sessions rows of logits with their read-back.
uint64_t batch_work_bytes(const ModelConfig& c, const host::DeviceInfo& device,
                          uint32_t max_sessions, uint32_t max_tokens, uint32_t top_k,
                          uint32_t lora_rank);

class Batch {
 public:
  // Working buffers for up to `max_sessions` sessions (at most kMaxMatvecColumns) taking up to
  // `max_tokens` tokens a step in all (0: max_sessions), using `top_k` experts per token (0: the
  // model's). The model must lie on one device, experts included.
  static host::Result<std::unique_ptr<Batch>> create(Model& model,
                                                     uint32_t max_sessions = kMaxMatvecColumns,
                                                     uint32_t top_k = 0, uint32_t max_tokens = 0);

  // sessions[i] takes counts[i] tokens (1 to its max_step_tokens) of `tokens`, which holds them
  // in session order, at its next positions and advances; logits, when not null, receives
  // [sessions.size()][vocab], each session's last position. Each session must be on this
  // batch's model, usable, with room left, and use the batch's experts per token, and none may
  // appear twice; otherwise nothing runs and the error names the session's index. A failed
  // submission leaves every session in the step unusable.
  host::Status eval(std::span<Session* const> sessions, std::span<const uint32_t> tokens,
                    std::span<const uint32_t> counts, float* logits);
  // One token each: tokens[i] for sessions[i].
  host::Status eval(std::span<Session* const> sessions, std::span<const uint32_t> tokens,
                    float* logits);
  // Session i's row of the last eval's logits, where it lies (host-visible memory).
  std::span<const float> row(uint32_t i) const;
  uint32_t top_k() const { return top_k_; }

 private:
  Batch(Model& model, uint32_t max_sessions, uint32_t top_k, uint32_t max_tokens)
      : model_(model), max_(max_sessions), top_k_(top_k), max_tokens_(max_tokens) {}
  host::Status check(std::span<Session* const> sessions, std::span<const uint32_t> tokens,
                     std::span<const uint32_t> counts) const;
  host::Status record(std::span<Session* const> sessions, std::span<const uint32_t> counts);

  Model& model_;
  uint32_t max_ = 0, top_k_ = 0, max_tokens_ = 0;
  std::unique_ptr<host::CommandStream> stream_;
  MoeScratch moe_scratch_;
  // last_: each session's last row of the final hidden state
  host::Buffer ids_in_, ids_, x_, x2_, normed_, qkv_, attn_, lora_u_, last_, logits_, logits_out_;
};

}  // namespace ossvk
