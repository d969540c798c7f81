#include "backend/model/session.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "backend/kernels/attention.h"
#include "backend/kernels/get_rows.h"
#include "backend/kernels/matmul.h"
#include "backend/kernels/rmsnorm.h"
#include "backend/kernels/rope_kv_write.h"
#include "backend/kernels/topk.h"
#include "backend/model/block.h"

namespace ossvk {
namespace {

using host::Result;
using host::Status;

// All logits of a step land in one buffer; capping the rows keeps it small for a 201088-entry
// vocabulary (64 rows: 51 MB), and steps that want every row take at most this many tokens.
constexpr uint32_t kMaxLogitRows = 64;

bool draws_on_device(const SessionOptions& o, const host::DeviceInfo& device) {
  using SampleOn = SessionOptions::SampleOn;
  return o.sample_on == SampleOn::device ||
         (o.sample_on == SampleOn::automatic && device.type != VK_PHYSICAL_DEVICE_TYPE_CPU);
}

}  // namespace

bool rope_in_epilogue(const SessionOptions& options, const host::DeviceInfo& device) {
  SessionOptions::RopeIn in = options.rope_in;
  if (const char* v = std::getenv("OSSVK_ROPE"); v && in == SessionOptions::RopeIn::automatic)
    in = !std::strcmp(v, "epilogue") ? SessionOptions::RopeIn::epilogue
         : !std::strcmp(v, "kernel") ? SessionOptions::RopeIn::kernel
                                     : in;
  if (in == SessionOptions::RopeIn::automatic) return device.type != VK_PHYSICAL_DEVICE_TYPE_CPU;
  return in == SessionOptions::RopeIn::epilogue;
}

uint64_t session_work_bytes(const ModelConfig& c, const host::DeviceInfo& device,
                            const SessionOptions& options, uint32_t top_k, uint32_t lora_rank,
                            uint32_t begin, uint32_t end, bool experts_elsewhere) {
  uint64_t total = 0;
  auto add = [&](uint64_t bytes) { total += host::allocated_bytes(bytes, device); };
  const uint64_t T = std::min(options.max_step_tokens, options.context), D = c.hidden,
                 qw = uint64_t{c.heads} * c.head_dim, width = qw + 2ull * c.kv_heads * c.head_dim;
  uint64_t attn_scratch = 16;
  for (uint32_t l = begin; l < end; ++l)
    attn_scratch = std::max(attn_scratch, attention_scratch_bytes({c.heads, c.kv_heads, c.head_dim,
                                                                   c.sliding(l) ? c.window : 0},
                                                                  1, options.context - 1));
  if (end > begin)
    for (uint64_t b :
         moe_scratch_sizes(c.hidden, c.experts, c.ff, static_cast<uint32_t>(T), top_k, lora_rank))
      if (b) add(b);
  // ids, x, x2, normed, qkv, q, attn, the split decode's scratch, LoRA products, the position
  // and its staging, the ids' staging: as Session::create allocates them.
  for (uint64_t b : {T * 4, T * D * 4, T * D * 4, T * D * 4, T * width * 4, T * qw * 4, T * qw * 4,
                     attn_scratch, T * lora_rank * 4, uint64_t{4}, uint64_t{4}, T * 4})
    add(b);
  if (rope_in_epilogue(options, device))  // the layers' RoPE targets
    add(uint64_t{end - begin} * sizeof(shaders::RopeTarget));
  if (experts_elsewhere) {  // the rows handed to the experts' device and those it hands back
    add(RemoteExperts::layout(static_cast<uint32_t>(T), c.hidden, top_k).bytes);
    add(T * D * 4);
  }
  if (begin > 0) add(T * D * 4);  // the hidden state from the part before
  if (end < c.layers) {
    add(T * D * 4);  // and to the part after
    return total;
  }
  const uint64_t logits = std::min<uint64_t>(T, kMaxLogitRows) * c.vocab * 4;
  for (uint64_t b : {D * 4, logits, logits}) add(b);  // the last row, the logits, their read-back
  if (draws_on_device(options, device)) {
    add(topk_scratch_bytes(c.vocab));
    add(topk_scratch_bytes(c.vocab));
    add(kTopkCandidates * 8ull);
  }
  return total;
}

Result<std::unique_ptr<Session>> Session::create(Model& model, const SessionOptions& options) {
  const ModelConfig& c = model.config();
  host::Device& dev = model.device();
  if (options.context == 0 || options.max_step_tokens == 0)
    return Status::bad_argument("session: context and max_step_tokens must be at least 1");
  const uint32_t top_k = options.top_k ? options.top_k : c.top_k;
  if (top_k == 0 || top_k > c.experts)
    return Status::bad_argument("session: experts per token " + std::to_string(top_k) +
                                " is outside 1.." + std::to_string(c.experts));
  // The cache and RoPE table grow with the context: refuse one the device cannot hold (within
  // the model's memory limit, if given) before allocating anything.
  const uint32_t first = model.first_layer(),
                 end = first + static_cast<uint32_t>(model.layers().size());
  const uint64_t cache_bytes =
      kv_cache_bytes(c, options.context, options.max_step_tokens, options.f16_kv, first, end);
  const uint64_t work_bytes = session_work_bytes(c, dev.info(), options, top_k, model.lora_rank(),
                                                 first, end, !model.remote_experts().empty());
  const uint64_t free = model.device_free();
  if (cache_bytes + work_bytes > free)
    return Status::error("a session of " + std::to_string(options.context) + " positions needs " +
                             std::to_string(cache_bytes >> 20) + " MiB for its K/V cache and " +
                             std::to_string(work_bytes >> 20) +
                             " MiB of working buffers; the device has " +
                             std::to_string(free >> 20) + " MiB free" +
                             (model.placement().limited ? " within the memory limit given" : ""),
                         VK_ERROR_OUT_OF_DEVICE_MEMORY);
  std::unique_ptr<Session> s(new Session(model, options));
  s->options_.max_step_tokens = std::min(options.max_step_tokens, options.context);
  s->top_k_ = top_k;
  s->on_device_ = draws_on_device(options, dev.info());
  s->rope_epilogue_ = rope_in_epilogue(options, dev.info());
  s->logit_rows_ = std::min(s->options_.max_step_tokens, kMaxLogitRows);
  OSSVK_ASSIGN_OR_RETURN(s->stream_, host::CommandStream::create(dev));
  const uint32_t T = s->options_.max_step_tokens;
  uint64_t attn_scratch = 16;
  for (const Model::Layer& l : model.layers()) {
    OSSVK_ASSIGN_OR_RETURN(KvCache cache,
                           create_kv_cache(dev, l.dims, options.context, T, options.f16_kv));
    s->caches_.push_back(std::move(cache));
    attn_scratch = std::max(attn_scratch, attention_scratch_bytes(l.dims, 1, options.context - 1));
  }
  if (!model.layers().empty()) {
    OSSVK_ASSIGN_OR_RETURN(s->moe_scratch_, create_moe_scratch(dev, model.layers()[0].moe, T, top_k,
                                                               model.lora_rank()));
  }
  auto alloc = [&](uint64_t bytes) {
    return dev.allocator().allocate(std::max<uint64_t>(bytes, 16), host::MemoryUse::device);
  };
  const uint64_t D = c.hidden, qw = uint64_t{c.heads} * c.head_dim,
                 width = qw + 2ull * c.kv_heads * c.head_dim;
  OSSVK_ASSIGN_OR_RETURN(s->ids_, alloc(uint64_t{T} * 4));
  OSSVK_ASSIGN_OR_RETURN(s->x_, alloc(T * D * 4));
  OSSVK_ASSIGN_OR_RETURN(s->x2_, alloc(T * D * 4));
  OSSVK_ASSIGN_OR_RETURN(s->normed_, alloc(T * D * 4));
  OSSVK_ASSIGN_OR_RETURN(s->qkv_, alloc(T * width * 4));
  OSSVK_ASSIGN_OR_RETURN(s->q_, alloc(T * qw * 4));
  {
    // Only the RoPE table and, for the QKV epilogue, the layers' targets go through staging; its
    // buffers go once they are uploaded.
    OSSVK_ASSIGN_OR_RETURN(auto transfer, host::Transfer::create(dev));
    YarnParams yarn{c.rope_theta, c.rope_factor, c.rope_original_context, c.rope_beta_fast,
                    c.rope_beta_slow};
    OSSVK_ASSIGN_OR_RETURN(s->rope_,
                           upload_rope_table(dev, *transfer, yarn, c.head_dim, options.context));
    std::vector<shaders::RopeTarget> targets;
    for (size_t l = 0; s->rope_epilogue_ && l < s->caches_.size(); ++l)
      targets.push_back(rope_target(model.layers()[l].dims, s->rope_, s->q_, s->caches_[l]));
    if (const uint64_t bytes = targets.size() * sizeof(shaders::RopeTarget)) {
      OSSVK_ASSIGN_OR_RETURN(s->rope_targets_, alloc(bytes));
      OSSVK_RETURN_IF_ERROR(transfer->upload(s->rope_targets_, 0, targets.data(), bytes));
    }
  }
  OSSVK_ASSIGN_OR_RETURN(s->attn_, alloc(T * qw * 4));
  OSSVK_ASSIGN_OR_RETURN(s->attn_scratch_, alloc(attn_scratch));
  OSSVK_ASSIGN_OR_RETURN(s->lora_u_, alloc(uint64_t{T} * model.lora_rank() * 4));
  OSSVK_ASSIGN_OR_RETURN(s->pos_, alloc(4));
  OSSVK_ASSIGN_OR_RETURN(s->pos_in_, dev.allocator().allocate(4, host::MemoryUse::upload));
  OSSVK_ASSIGN_OR_RETURN(s->ids_in_,
                         dev.allocator().allocate(uint64_t{T} * 4, host::MemoryUse::upload));
  if (!model.remote_experts().empty()) {
    OSSVK_ASSIGN_OR_RETURN(s->remote_,
                           RemoteExperts::create(model, T, top_k, options.step_timeout_ns));
    OSSVK_ASSIGN_OR_RETURN(s->moe_out_,
                           dev.allocator().allocate(RemoteExperts::layout(T, c.hidden, top_k).bytes,
                                                    host::MemoryUse::download));
    OSSVK_ASSIGN_OR_RETURN(s->moe_in_,
                           dev.allocator().allocate(T * D * 4, host::MemoryUse::upload));
  }
  // A part of a split model takes the hidden state from the part before and hands it on.
  if (!model.first()) {
    OSSVK_ASSIGN_OR_RETURN(s->x_in_, dev.allocator().allocate(T * D * 4, host::MemoryUse::upload));
  }
  if (!model.last()) {
    OSSVK_ASSIGN_OR_RETURN(s->x_out_,
                           dev.allocator().allocate(T * D * 4, host::MemoryUse::download));
    OSSVK_ASSIGN_OR_RETURN(s->next_, create(*model.next(), options));
    return s;
  }
  OSSVK_ASSIGN_OR_RETURN(s->last_, alloc(D * 4));
  OSSVK_ASSIGN_OR_RETURN(s->logits_, alloc(uint64_t{s->logit_rows_} * c.vocab * 4));
  OSSVK_ASSIGN_OR_RETURN(s->logits_out_,
                         dev.allocator().allocate(s->logits_.size(), host::MemoryUse::download));
  if (s->on_device_) {
    OSSVK_ASSIGN_OR_RETURN(s->topk_, create_topk_scratch(dev, c.vocab));
    OSSVK_ASSIGN_OR_RETURN(s->candidates_out_, dev.allocator().allocate(kTopkCandidates * 8ull,
                                                                        host::MemoryUse::download));
  }
  return s;
}

Session::~Session() = default;

Status check_token_ids(std::span<const uint32_t> tokens, uint32_t vocab) {
  if (tokens.empty()) return Status::bad_argument("no tokens");
  for (size_t i = 0; i < tokens.size(); ++i)
    if (tokens[i] >= vocab)
      return Status::bad_argument("token id " + std::to_string(tokens[i]) + " at index " +
                                  std::to_string(i) + " is out of range (vocabulary " +
                                  std::to_string(vocab) + ")");
  return Status();
}

Status Session::check_tokens(std::span<const uint32_t> tokens) const {
  OSSVK_RETURN_IF_ERROR(check_token_ids(tokens, model_.config().vocab));
  if (uint64_t{position_} + tokens.size() > options_.context)
    return Status::bad_argument("context overflow: " + std::to_string(position_) + " + " +
                                std::to_string(tokens.size()) + " tokens exceed the session's " +
                                std::to_string(options_.context) + " positions");
  return Status();
}

Status Session::eval(std::span<const uint32_t> tokens, float* logits, bool all_rows) {
  return run(tokens, logits, !logits ? Output::none : all_rows ? Output::all : Output::last);
}

Result<uint32_t> Session::eval_sample(std::span<const uint32_t> tokens, const SamplerParams& params,
                                      uint64_t& state) {
  auto all_nan = [] { return Status::error("every logit of the last position is NaN"); };
  const uint32_t needed = candidates_needed(params);
  const Session& tail = this->tail();  // the part holding the logits
  if (tail.on_device_ && needed != 0 && needed <= kTopkCandidates) {
    OSSVK_RETURN_IF_ERROR(run(tokens, nullptr, Output::candidates));
    if (tail.candidates_.empty()) return all_nan();
    return sample_candidates(tail.candidates_, params, state);
  }
  // The row stays in logits_out_ (host-visible): drawn from where it lies, not copied.
  OSSVK_RETURN_IF_ERROR(run(tokens, nullptr, Output::last));
  const std::span<const float> row(reinterpret_cast<const float*>(tail.logits_out_.mapped()),
                                   model_.config().vocab);
  const uint32_t id = sample(row, params, state);
  if (std::isnan(row[id])) return all_nan();  // sample() picks a NaN only from a row of them
  return id;
}

Status Session::run(std::span<const uint32_t> tokens, float* logits, Output last) {
  if (!broken_.ok())
    return Status::error("session is unusable after an earlier failure: " + broken_.message(),
                         broken_.vk_result());
  OSSVK_RETURN_IF_ERROR(check_tokens(tokens));
  const ModelConfig& c = model_.config();
  const uint32_t start = position_;
  const uint32_t chunk = last == Output::all ? logit_rows_ : options_.max_step_tokens;
  for (size_t i = 0; i < tokens.size(); i += chunk) {
    const size_t n = std::min<size_t>(chunk, tokens.size() - i);
    const bool final = i + n == tokens.size();
    float* out = last == Output::all ? logits + i * c.vocab : logits;
    Status s = step(tokens.subspan(i, n), out, final || last == Output::all ? last : Output::none);
    if (!s.ok()) {
      position_ = start;
      return s;
    }
  }
  return Status();
}

Status Session::step(std::span<const uint32_t> tokens, float* logits, Output output) {
  const ModelConfig& c = model_.config();
  const uint32_t n = static_cast<uint32_t>(tokens.size());
  const uint32_t rows = output == Output::all ? n : output == Output::last ? 1 : 0;
  std::memcpy(ids_in_.mapped(), tokens.data(), uint64_t{n} * 4);
  // A recording refused (it would be refused the same way each time) breaks nothing; a
  // submission refused does.
  bool recorded = true;
  auto begin_and_record = [&](host::CommandStream& cs, uint32_t i, uint32_t count, uint32_t pos,
                              const ReplayPosition* replay) -> Status {
    Status r = cs.begin(/*reusable=*/replay != nullptr);
    if (r.ok()) r = record(cs, i, count, pos, output, replay);
    recorded = r.ok();
    return r;
  };
  Status s;
  if (n == 1 && output != Output::all && options_.replay_decode) {
    Replay& r = replays_[static_cast<size_t>(output)];
    std::memcpy(pos_in_.mapped(), &position_, 4);
    if (r.ready && position_ < r.limit) {
      s = each_segment(
          1, [&](uint32_t i) { return r.streams[i]->resubmit_and_wait(options_.step_timeout_ns); });
    } else {
      r.streams.resize(segments());
      for (auto& stream : r.streams)
        if (!stream) {
          OSSVK_ASSIGN_OR_RETURN(stream, host::CommandStream::create(model_.device()));
        }
      // Sized for positions below the next power of two, at least kDecodeSplitAbove (where
      // attention needs no splits): log2(context / 512) recordings at most, and at most half
      // of the attention splits run idle.
      r.limit =
          std::min(options_.context, std::max(kDecodeSplitAbove, std::bit_ceil(position_ + 1)));
      r.ready = false;  // until the new recording has run
      const ReplayPosition replay{&pos_, r.limit};
      s = each_segment(1, [&](uint32_t i) -> Status {
        OSSVK_RETURN_IF_ERROR(begin_and_record(*r.streams[i], i, 1, 0, &replay));
        return r.streams[i]->submit_and_wait(options_.step_timeout_ns);
      });
      r.ready = s.ok();
    }
  } else {
    s = each_segment(n, [&](uint32_t i) -> Status {
      OSSVK_RETURN_IF_ERROR(begin_and_record(*stream_, i, n, position_, nullptr));
      return stream_->submit_and_wait(options_.step_timeout_ns);
    });
  }
  if (!s.ok()) {
    if (recorded) broken_ = s;
    return s;
  }
  position_ += n;
  if (next_) {  // the next part runs the same tokens from this part's hidden state
    std::memcpy(next_->x_in_.mapped(), x_out_.mapped(), uint64_t{n} * c.hidden * 4);
    s = next_->step(tokens, logits, output);
    if (!s.ok()) broken_ = s;
    return s;
  }
  if (rows && logits) std::memcpy(logits, logits_out_.mapped(), rows * c.vocab * 4ull);
  if (output == Output::candidates)
    candidates_ = decode_topk(
        {reinterpret_cast<const uint32_t*>(candidates_out_.mapped()), kTopkCandidates * 2});
  return Status();
}

Status Session::each_segment(uint32_t n, const std::function<Status(uint32_t)>& submit) {
  for (uint32_t i = 0; i < segments(); ++i) {
    OSSVK_RETURN_IF_ERROR(submit(i));
    if (i + 1 < segments()) OSSVK_RETURN_IF_ERROR(hand_across(i, n));
  }
  return {};
}

Status Session::hand_across(uint32_t segment, uint32_t n) {
  remote_->take(moe_out_.mapped(), n);
  OSSVK_RETURN_IF_ERROR(remote_->run(segment, n));
  std::memcpy(moe_in_.mapped(), remote_->out(), uint64_t{n} * model_.config().hidden * 4);
  return {};
}

Status Session::record(host::CommandStream& cs, uint32_t segment, uint32_t n, uint32_t pos,
                       Output output, const ReplayPosition* replay) {
  host::Device& dev = model_.device();
  const ModelConfig& c = model_.config();
  const uint64_t D = c.hidden;
  // Block l reads its input from x_ (even l) or x2_ and writes the other.
  auto input = [&](size_t l) { return l % 2 ? &x2_ : &x_; };
  if (segment == 0) {
    ++recorded_steps_;
    cs.copy(ids_in_, 0, ids_, 0, uint64_t{n} * 4);
    if (replay) cs.copy(pos_in_, 0, *replay->buffer, 0, 4);
    cs.barrier();
    if (model_.first()) {
      OSSVK_RETURN_IF_ERROR(encode_get_rows(dev, cs, model_.embedding(), ids_, n, x_));
    } else {
      cs.copy(x_in_, 0, x_, 0, n * D * 4);
    }
  } else {  // block segment - 1's output, from its experts' device
    cs.copy(moe_in_, 0, *input(segment), 0, n * D * 4);
  }
  cs.barrier();
  const size_t remote = model_.remote_experts().size();
  const size_t end = segment < remote ? segment + 1 : model_.layers().size();
  for (size_t l = segment; l < end; ++l) {
    host::Buffer* x = input(l);
    host::Buffer* other = input(l + 1);
    const Model::Layer& L = model_.layers()[l];
    const std::string name = "blk." + std::to_string(model_.first_layer() + l);
    const BlockRows rows{&normed_, &qkv_, &lora_u_, model_.lora_rank()};
    if (rope_epilogue_ && block_qkv_takes_rope(c, L, n)) {  // the projection writes the cache
      OSSVK_RETURN_IF_ERROR(check_rope_step(n, pos, L.dims, rope_, caches_[l], replay));
      const MatvecRope rope{&rope_targets_, l * sizeof(shaders::RopeTarget), L.dims.head_dim, pos,
                            replay ? replay->buffer : nullptr};
      OSSVK_RETURN_IF_ERROR(encode_block_qkv(dev, cs, c, L, *x, n, rows, &rope));
    } else {
      OSSVK_RETURN_IF_ERROR(encode_block_qkv(dev, cs, c, L, *x, n, rows));
      OSSVK_RETURN_IF_ERROR(
          encode_rope_kv_write(dev, cs, qkv_, n, pos, L.dims, rope_, q_, caches_[l], replay));
      cs.barrier();
    }
    OSSVK_RETURN_IF_ERROR(encode_attention(dev, cs, q_, n, pos, L.dims, caches_[l], L.sinks, attn_,
                                           &attn_scratch_, replay)
                              .with_context(name));
    cs.barrier();
    OSSVK_RETURN_IF_ERROR(encode_block_output(dev, cs, c, L, attn_, n, *x, rows));
    if (l < remote) {  // the router here; x, the normed rows and the top-k to the experts
      OSSVK_RETURN_IF_ERROR(encode_moe_router(dev, cs, L.moe, *x, n, top_k_, moe_scratch_, name));
      const RemoteExperts::Layout to =
          RemoteExperts::layout(options_.max_step_tokens, c.hidden, top_k_);
      const uint64_t rows = n * D * 4, picks = uint64_t{n} * top_k_ * 4;
      cs.copy(*x, 0, moe_out_, to.x, rows);
      cs.copy(moe_scratch_.normed, 0, moe_out_, to.normed, rows);
      cs.copy(moe_scratch_.ids, 0, moe_out_, to.ids, picks);
      cs.copy(moe_scratch_.weights, 0, moe_out_, to.weights, picks);
      cs.host_barrier();
      return Status();
    }
    OSSVK_RETURN_IF_ERROR(encode_moe(dev, cs, L.moe, *x, n, top_k_, moe_scratch_, *other, name));
    cs.barrier();
  }
  host::Buffer* x = input(model_.layers().size());
  if (!model_.last()) {
    cs.copy(*x, 0, x_out_, 0, n * D * 4);
    cs.host_barrier();
    return Status();
  }
  OSSVK_RETURN_IF_ERROR(encode_rmsnorm(dev, cs, *x, model_.output_norm(), c.hidden, n,
                                       static_cast<float>(c.eps), normed_));
  cs.barrier();
  if (output == Output::all) {
    OSSVK_RETURN_IF_ERROR(
        encode_linear(dev, cs, model_.output(), normed_, n, nullptr, logits_, false));
    cs.barrier();
    cs.copy(logits_, 0, logits_out_, 0, n * c.vocab * 4ull);
    cs.host_barrier();
  } else if (output != Output::none) {
    cs.copy(normed_, (n - 1) * D * 4, last_, 0, D * 4);
    cs.barrier();
    OSSVK_RETURN_IF_ERROR(
        encode_linear(dev, cs, model_.output(), last_, 1, nullptr, logits_, false));
    cs.barrier();
    if (output == Output::last) {
      cs.copy(logits_, 0, logits_out_, 0, c.vocab * 4ull);
    } else {
      const host::Buffer* keys = nullptr;
      OSSVK_RETURN_IF_ERROR(encode_topk(dev, cs, logits_, c.vocab, topk_, keys));
      cs.copy(*keys, 0, candidates_out_, 0, kTopkCandidates * 8ull);
    }
    cs.host_barrier();
  }
  return Status();
}

void Session::reset() {
  position_ = 0;
  if (next_) next_->reset();
}

Status Session::rewind(uint32_t position) {
  OSSVK_RETURN_IF_ERROR(check_rewind(position));
  for (Session* s = this; s; s = s->next_.get()) s->position_ = position;
  return {};
}

Status Session::check_rewind(uint32_t position) const {
  if (position > position_)
    return Status::bad_argument("cannot rewind to position " + std::to_string(position) +
                                ": the session holds " + std::to_string(position_));
  // A sliding-window layer's ring reuses slot p % ring: the dropped positions may have
  // overwritten keys the kept ones still need (those within the window before `position`).
  const auto& layers = model_.layers();
  for (size_t l = 0; l < layers.size(); ++l) {
    const uint32_t window = layers[l].dims.window, ring = caches_[l].ring;
    if (!window || ring >= caches_[l].capacity || position == 0) continue;
    const uint32_t oldest_needed = position >= window ? position - window + 1 : 0;
    if (uint64_t{oldest_needed} + ring < position_)
      return Status::bad_argument("cannot rewind from " + std::to_string(position_) + " to " +
                                  std::to_string(position) + ": the sliding-window layers keep " +
                                  std::to_string(ring) +
                                  " positions, and the dropped ones overwrote keys still needed; "
                                  "reset and evaluate again");
  }
  return next_ ? next_->check_rewind(position) : Status();
}

}  // namespace ossvk
