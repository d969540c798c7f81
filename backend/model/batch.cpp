#include "backend/model/batch.h"

#include <algorithm>
#include <cstring>

#include "backend/kernels/attention.h"
#include "backend/kernels/get_rows.h"
#include "backend/kernels/matmul.h"
#include "backend/kernels/rmsnorm.h"
#include "backend/model/block.h"

namespace ossvk {

using host::Result;
using host::Status;

uint64_t batch_work_bytes(const ModelConfig& c, const host::DeviceInfo& device,
                          uint32_t max_sessions, uint32_t max_tokens, uint32_t top_k,
                          uint32_t lora_rank) {
  const uint64_t N = max_sessions, T = max_tokens, D = c.hidden,
                 qw = uint64_t{c.heads} * c.head_dim, width = qw + 2ull * c.kv_heads * c.head_dim;
  uint64_t total = 0;
  for (uint64_t b : moe_scratch_sizes(c.hidden, c.experts, c.ff, max_tokens, top_k, lora_rank))
    if (b) total += host::allocated_bytes(b, device);
  // As Batch::create allocates them: ids and their staging, x, x2, normed, qkv, attn, LoRA
  // products, the last rows, the logits and their read-back.
  for (uint64_t b : {T * 4, T * 4, T * D * 4, T * D * 4, T * D * 4, T * width * 4, T * qw * 4,
                     T * lora_rank * 4, N * D * 4, N * c.vocab * 4, N * c.vocab * 4})
    total += host::allocated_bytes(b, device);
  return total;
}

Result<std::unique_ptr<Batch>> Batch::create(Model& model, uint32_t max_sessions, uint32_t top_k,
                                             uint32_t max_tokens) {
  const ModelConfig& c = model.config();
  if (max_sessions == 0 || max_sessions > kMaxMatvecColumns)
    return Status::bad_argument("a batch takes 1 to " + std::to_string(kMaxMatvecColumns) +
                                " sessions, not " + std::to_string(max_sessions));
  max_tokens = max_tokens ? max_tokens : max_sessions;
  if (max_tokens < max_sessions)
    return Status::bad_argument("a batch of " + std::to_string(max_sessions) +
                                " sessions takes at least as many tokens, not " +
                                std::to_string(max_tokens));
  if (model.next() || !model.remote_experts().empty())
    return Status::bad_argument("a batch takes a model on one device, experts included");
  top_k = top_k ? top_k : c.top_k;
  if (top_k == 0 || top_k > c.experts)
    return Status::bad_argument("batch: experts per token " + std::to_string(top_k) +
                                " is outside 1.." + std::to_string(c.experts));
  host::Device& dev = model.device();
  const uint64_t bytes =
      batch_work_bytes(c, dev.info(), max_sessions, max_tokens, top_k, model.lora_rank());
  if (const uint64_t free = model.device_free(); bytes > free)
    return Status::error(
        "a batch of " + std::to_string(max_sessions) + " sessions and " +
            std::to_string(max_tokens) + " tokens a step needs " + std::to_string(bytes >> 20) +
            " MiB of working buffers; the device has " + std::to_string(free >> 20) + " MiB free" +
            (model.placement().limited ? " within the memory limit given" : ""),
        VK_ERROR_OUT_OF_DEVICE_MEMORY);
  std::unique_ptr<Batch> b(new Batch(model, max_sessions, top_k, max_tokens));
  OSSVK_ASSIGN_OR_RETURN(b->stream_, host::CommandStream::create(dev));
  const uint64_t N = max_sessions, T = max_tokens, D = c.hidden,
                 qw = uint64_t{c.heads} * c.head_dim, width = qw + 2ull * c.kv_heads * c.head_dim;
  OSSVK_ASSIGN_OR_RETURN(b->moe_scratch_, create_moe_scratch(dev, model.layers()[0].moe, max_tokens,
                                                             top_k, model.lora_rank()));
  auto alloc = [&](uint64_t bytes, host::MemoryUse use = host::MemoryUse::device) {
    return dev.allocator().allocate(std::max<uint64_t>(bytes, 16), use);
  };
  OSSVK_ASSIGN_OR_RETURN(b->ids_in_, alloc(T * 4, host::MemoryUse::upload));
  OSSVK_ASSIGN_OR_RETURN(b->ids_, alloc(T * 4));
  OSSVK_ASSIGN_OR_RETURN(b->x_, alloc(T * D * 4));
  OSSVK_ASSIGN_OR_RETURN(b->x2_, alloc(T * D * 4));
  OSSVK_ASSIGN_OR_RETURN(b->normed_, alloc(T * D * 4));
  OSSVK_ASSIGN_OR_RETURN(b->qkv_, alloc(T * width * 4));
  OSSVK_ASSIGN_OR_RETURN(b->attn_, alloc(T * qw * 4));
  OSSVK_ASSIGN_OR_RETURN(b->lora_u_, alloc(T * model.lora_rank() * 4));
  OSSVK_ASSIGN_OR_RETURN(b->last_, alloc(N * D * 4));
  OSSVK_ASSIGN_OR_RETURN(b->logits_, alloc(N * c.vocab * 4));
  OSSVK_ASSIGN_OR_RETURN(b->logits_out_, alloc(N * c.vocab * 4, host::MemoryUse::download));
  return b;
}

Status Batch::check(std::span<Session* const> sessions, std::span<const uint32_t> tokens,
                    std::span<const uint32_t> counts) const {
  uint64_t total = 0;
  for (uint32_t n : counts) total += n;
  if (sessions.empty() || sessions.size() > max_ || counts.size() != sessions.size() ||
      total != tokens.size() || total > max_tokens_)
    return Status::bad_argument(
        "batch: " + std::to_string(sessions.size()) + " sessions taking " + std::to_string(total) +
        " tokens of " + std::to_string(tokens.size()) + "; the batch takes 1 to " +
        std::to_string(max_) + " sessions and up to " + std::to_string(max_tokens_) +
        " tokens, as many as the sessions' counts add up to");
  for (size_t i = 0, first = 0; i < sessions.size(); first += counts[i++]) {
    const Session* s = sessions[i];
    const std::string which = "batch: session " + std::to_string(i);
    if (!s || &s->model_ != &model_)
      return Status::bad_argument(which + " is not on the batch's model");
    if (std::count(sessions.begin(), sessions.end(), s) > 1)
      return Status::bad_argument(which + " appears twice");
    if (s->top_k_ != top_k_)
      return Status::bad_argument(which + " uses " + std::to_string(s->top_k_) +
                                  " experts per token; the batch " + std::to_string(top_k_));
    if (!s->usable())
      return Status::error(which + " is unusable after an earlier failure: " + s->broken_.message(),
                           s->broken_.vk_result());
    if (counts[i] == 0 || counts[i] > s->options_.max_step_tokens)
      return Status::bad_argument(which + " takes " + std::to_string(counts[i]) +
                                  " tokens; a step takes 1 to its " +
                                  std::to_string(s->options_.max_step_tokens));
    OSSVK_RETURN_IF_ERROR(s->check_tokens(tokens.subspan(first, counts[i])).with_context(which));
  }
  return {};
}

Status Batch::record(std::span<Session* const> sessions, std::span<const uint32_t> counts) {
  host::Device& dev = model_.device();
  const ModelConfig& c = model_.config();
  const uint32_t n = static_cast<uint32_t>(sessions.size());
  std::vector<uint32_t> first(n);  // each session's first row among the step's tokens
  uint32_t t = 0;
  for (uint32_t i = 0; i < n; t += counts[i++]) first[i] = t;
  const uint64_t qw = uint64_t{c.heads} * c.head_dim, width = qw + 2ull * c.kv_heads * c.head_dim,
                 D = c.hidden;
  host::CommandStream& cs = *stream_;
  OSSVK_RETURN_IF_ERROR(cs.begin());
  cs.copy(ids_in_, 0, ids_, 0, uint64_t{t} * 4);
  cs.barrier();
  OSSVK_RETURN_IF_ERROR(encode_get_rows(dev, cs, model_.embedding(), ids_, t, x_));
  cs.barrier();
  const BlockRows rows{&normed_, &qkv_, &lora_u_, model_.lora_rank()};
  for (size_t l = 0; l < model_.layers().size(); ++l) {
    host::Buffer* x = l % 2 ? &x2_ : &x_;
    host::Buffer* other = l % 2 ? &x_ : &x2_;
    const Model::Layer& L = model_.layers()[l];
    const std::string name = "blk." + std::to_string(l);
    OSSVK_RETURN_IF_ERROR(encode_block_qkv(dev, cs, c, L, *x, t, rows));
    // Each session's rows through its own RoPE, cache and attention, and back.
    for (uint32_t i = 0; i < n; ++i)
      cs.copy(qkv_, first[i] * width * 4, sessions[i]->qkv_, 0, counts[i] * width * 4);
    cs.barrier();
    for (uint32_t i = 0; i < n; ++i) {
      Session& s = *sessions[i];
      OSSVK_RETURN_IF_ERROR(encode_rope_kv_write(dev, cs, s.qkv_, counts[i], s.position_, L.dims,
                                                 s.rope_, s.q_, s.caches_[l]));
    }
    cs.barrier();
    for (uint32_t i = 0; i < n; ++i) {
      Session& s = *sessions[i];
      OSSVK_RETURN_IF_ERROR(encode_attention(dev, cs, s.q_, counts[i], s.position_, L.dims,
                                             s.caches_[l], L.sinks, s.attn_, &s.attn_scratch_)
                                .with_context(name));
    }
    cs.barrier();
    for (uint32_t i = 0; i < n; ++i)
      cs.copy(sessions[i]->attn_, 0, attn_, first[i] * qw * 4, counts[i] * qw * 4);
    cs.barrier();
    OSSVK_RETURN_IF_ERROR(encode_block_output(dev, cs, c, L, attn_, t, *x, rows));
    OSSVK_RETURN_IF_ERROR(encode_moe(dev, cs, L.moe, *x, t, top_k_, moe_scratch_, *other, name));
    cs.barrier();
  }
  // Each session's last row on to the output norm and unembedding; in a decode step (one token
  // each) the rows are already those.
  const host::Buffer& x = model_.layers().size() % 2 ? x2_ : x_;
  if (t > n) {
    for (uint32_t i = 0; i < n; ++i)
      cs.copy(x, (first[i] + counts[i] - 1) * D * 4, last_, i * D * 4, D * 4);
    cs.barrier();
  }
  OSSVK_RETURN_IF_ERROR(encode_rmsnorm(dev, cs, t > n ? last_ : x, model_.output_norm(), c.hidden,
                                       n, static_cast<float>(c.eps), normed_));
  cs.barrier();
  OSSVK_RETURN_IF_ERROR(
      encode_linear(dev, cs, model_.output(), normed_, n, nullptr, logits_, false));
  cs.barrier();
  cs.copy(logits_, 0, logits_out_, 0, n * uint64_t{c.vocab} * 4);
  cs.host_barrier();
  return {};
}

Status Batch::eval(std::span<Session* const> sessions, std::span<const uint32_t> tokens,
                   float* logits) {
  const std::vector<uint32_t> ones(sessions.size(), 1);
  return eval(sessions, tokens, ones, logits);
}

Status Batch::eval(std::span<Session* const> sessions, std::span<const uint32_t> tokens,
                   std::span<const uint32_t> counts, float* logits) {
  OSSVK_RETURN_IF_ERROR(check(sessions, tokens, counts));
  std::memcpy(ids_in_.mapped(), tokens.data(), tokens.size() * 4);
  OSSVK_RETURN_IF_ERROR(record(sessions, counts));
  const uint64_t timeout =
      (*std::max_element(sessions.begin(), sessions.end(), [](auto* a, auto* b) {
        return a->options_.step_timeout_ns < b->options_.step_timeout_ns;
      }))->options_.step_timeout_ns;
  if (Status s = stream_->submit_and_wait(timeout); !s.ok()) {
    for (Session* session : sessions) session->broken_ = s;
    return s;
  }
  for (size_t i = 0; i < sessions.size(); ++i) sessions[i]->position_ += counts[i];
  if (logits)
    std::memcpy(logits, logits_out_.mapped(),
                sessions.size() * uint64_t{model_.config().vocab} * 4);
  return {};
}

std::span<const float> Batch::row(uint32_t i) const {
  const uint32_t vocab = model_.config().vocab;
  return {reinterpret_cast<const float*>(logits_out_.mapped()) + uint64_t{i} * vocab, vocab};
}

}  // namespace ossvk
