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

Result<std::unique_ptr<Batch>> Batch::create(Model& model, uint32_t max_sessions, uint32_t top_k) {
  const ModelConfig& c = model.config();
  if (max_sessions == 0 || max_sessions > kMaxMatvecColumns)
    return Status::bad_argument("a batch takes 1 to " + std::to_string(kMaxMatvecColumns) +
                                " sessions, not " + std::to_string(max_sessions));
  if (model.next() || !model.remote_experts().empty())
    return Status::bad_argument("a batch takes a model on one device, experts included");
  top_k = top_k ? top_k : c.top_k;
  if (top_k == 0 || top_k > c.experts)
    return Status::bad_argument("batch: experts per token " + std::to_string(top_k) +
                                " is outside 1.." + std::to_string(c.experts));
  host::Device& dev = model.device();
  std::unique_ptr<Batch> b(new Batch(model, max_sessions, top_k));
  OSSVK_ASSIGN_OR_RETURN(b->stream_, host::CommandStream::create(dev));
  const uint64_t N = max_sessions, D = c.hidden, qw = uint64_t{c.heads} * c.head_dim,
                 width = qw + 2ull * c.kv_heads * c.head_dim;
  OSSVK_ASSIGN_OR_RETURN(
      b->moe_scratch_,
      create_moe_scratch(dev, model.layers()[0].moe, max_sessions, top_k, model.lora_rank()));
  auto alloc = [&](uint64_t bytes, host::MemoryUse use = host::MemoryUse::device) {
    return dev.allocator().allocate(std::max<uint64_t>(bytes, 16), use);
  };
  OSSVK_ASSIGN_OR_RETURN(b->ids_in_, alloc(N * 4, host::MemoryUse::upload));
  OSSVK_ASSIGN_OR_RETURN(b->ids_, alloc(N * 4));
  OSSVK_ASSIGN_OR_RETURN(b->x_, alloc(N * D * 4));
  OSSVK_ASSIGN_OR_RETURN(b->x2_, alloc(N * D * 4));
  OSSVK_ASSIGN_OR_RETURN(b->normed_, alloc(N * D * 4));
  OSSVK_ASSIGN_OR_RETURN(b->qkv_, alloc(N * width * 4));
  OSSVK_ASSIGN_OR_RETURN(b->attn_, alloc(N * qw * 4));
  OSSVK_ASSIGN_OR_RETURN(b->lora_u_, alloc(N * model.lora_rank() * 4));
  OSSVK_ASSIGN_OR_RETURN(b->logits_, alloc(N * c.vocab * 4));
  OSSVK_ASSIGN_OR_RETURN(b->logits_out_, alloc(N * c.vocab * 4, host::MemoryUse::download));
  return b;
}

Status Batch::check(std::span<Session* const> sessions, std::span<const uint32_t> tokens) const {
  if (sessions.empty() || sessions.size() > max_ || sessions.size() != tokens.size())
    return Status::bad_argument("batch: " + std::to_string(sessions.size()) + " sessions and " +
                                std::to_string(tokens.size()) + " tokens; the batch takes 1 to " +
                                std::to_string(max_) + " of each, as many tokens as sessions");
  for (size_t i = 0; i < sessions.size(); ++i) {
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
    OSSVK_RETURN_IF_ERROR(s->check_tokens(tokens.subspan(i, 1)).with_context(which));
  }
  return {};
}

Status Batch::record(std::span<Session* const> sessions) {
  host::Device& dev = model_.device();
  const ModelConfig& c = model_.config();
  const uint32_t n = static_cast<uint32_t>(sessions.size());
  const uint64_t qw = uint64_t{c.heads} * c.head_dim, width = qw + 2ull * c.kv_heads * c.head_dim;
  host::CommandStream& cs = *stream_;
  OSSVK_RETURN_IF_ERROR(cs.begin());
  cs.copy(ids_in_, 0, ids_, 0, uint64_t{n} * 4);
  cs.barrier();
  OSSVK_RETURN_IF_ERROR(encode_get_rows(dev, cs, model_.embedding(), ids_, n, x_));
  cs.barrier();
  const BlockRows rows{&normed_, &qkv_, &lora_u_, model_.lora_rank()};
  for (size_t l = 0; l < model_.layers().size(); ++l) {
    host::Buffer* x = l % 2 ? &x2_ : &x_;
    host::Buffer* other = l % 2 ? &x_ : &x2_;
    const Model::Layer& L = model_.layers()[l];
    const std::string name = "blk." + std::to_string(l);
    OSSVK_RETURN_IF_ERROR(encode_block_qkv(dev, cs, c, L, *x, n, rows));
    // Each session's row through its own RoPE, cache and attention, and back.
    for (uint32_t i = 0; i < n; ++i) cs.copy(qkv_, i * width * 4, sessions[i]->qkv_, 0, width * 4);
    cs.barrier();
    for (Session* s : sessions)
      OSSVK_RETURN_IF_ERROR(encode_rope_kv_write(dev, cs, s->qkv_, 1, s->position_, L.dims,
                                                 s->rope_, s->q_, s->caches_[l]));
    cs.barrier();
    for (Session* s : sessions)
      OSSVK_RETURN_IF_ERROR(encode_attention(dev, cs, s->q_, 1, s->position_, L.dims, s->caches_[l],
                                             L.sinks, s->attn_, &s->attn_scratch_)
                                .with_context(name));
    cs.barrier();
    for (uint32_t i = 0; i < n; ++i) cs.copy(sessions[i]->attn_, 0, attn_, i * qw * 4, qw * 4);
    cs.barrier();
    OSSVK_RETURN_IF_ERROR(encode_block_output(dev, cs, c, L, attn_, n, *x, rows));
    OSSVK_RETURN_IF_ERROR(encode_moe(dev, cs, L.moe, *x, n, top_k_, moe_scratch_, *other, name));
    cs.barrier();
  }
  const host::Buffer& x = model_.layers().size() % 2 ? x2_ : x_;
  OSSVK_RETURN_IF_ERROR(encode_rmsnorm(dev, cs, x, model_.output_norm(), c.hidden, n,
                                       static_cast<float>(c.eps), normed_));
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
  OSSVK_RETURN_IF_ERROR(check(sessions, tokens));
  std::memcpy(ids_in_.mapped(), tokens.data(), tokens.size() * 4);
  OSSVK_RETURN_IF_ERROR(record(sessions));
  const uint64_t timeout =
      (*std::max_element(sessions.begin(), sessions.end(), [](auto* a, auto* b) {
        return a->options_.step_timeout_ns < b->options_.step_timeout_ns;
      }))->options_.step_timeout_ns;
  if (Status s = stream_->submit_and_wait(timeout); !s.ok()) {
    for (Session* session : sessions) session->broken_ = s;
    return s;
  }
  for (Session* s : sessions) ++s->position_;
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
