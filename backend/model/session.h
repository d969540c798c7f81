// One sequence on a model: its own K/V caches, working buffers and command stream, so sessions
// on one model run from different threads. A step (up to max_step_tokens tokens) is one command
// buffer, submitted once: token ids in from host-visible memory, embedding lookup, every layer,
// final norm, unembedding and the logits out to host-visible memory. On a model split across
// devices (Model::next), the session holds one session per part, chained the same way: each
// part's step is its own command buffer on its own device, and the host copies the hidden state
// [tokens][hidden] from one part's host-visible output to the next part's input between them.
// Where a part's leading blocks keep their experts on another device (Model::experts_device),
// its step is that many command buffers more: each such block's ends after its router, and
// the next starts from the experts' output (remote_experts.h).
#pragma once
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "backend/model/model.h"
#include "backend/model/remote_experts.h"
#include "backend/model/sampler.h"

namespace ossvk {

// Every id below `vocab`; the error names the first that is not and its index.
host::Status check_token_ids(std::span<const uint32_t> tokens, uint32_t vocab);

struct SessionOptions {
  uint32_t context = 4096;         // positions the session holds
  uint32_t max_step_tokens = 512;  // tokens per command buffer; longer prompts take several
  uint32_t top_k = 0;              // experts per token; 0: the model's
  bool f16_kv = false;             // K/V cache in fp16
  // How long one step may run on the device; past it the session is unusable (the device may
  // still be running the step) and eval says so.
  uint64_t step_timeout_ns = host::CommandStream::kDefaultTimeoutNs;
  // Where eval_sample picks candidates. automatic: the device on GPUs; on CPU devices the host,
  // since there reading the row back is a memcpy and f32_topk costs more than the host's sort.
  enum class SampleOn { automatic, device, host };
  SampleOn sample_on = SampleOn::automatic;
  // Decode steps replay a command buffer recorded once (see Session::step); false records each
  // step anew (for comparing the two).
  bool replay_decode = true;
  // Where a decode step rotates q and k and writes the K/V cache. automatic: in the QKV matvecs'
  // epilogue on GPUs (a dispatch and a barrier fewer a layer); on CPU devices f32_rope_kv_write,
  // since there the epilogue made the QKV matvec take about twice as long (docs/performance.md);
  // OSSVK_ROPE=epilogue|kernel overrides automatic.
  enum class RopeIn { automatic, epilogue, kernel };
  RopeIn rope_in = RopeIn::automatic;
};

// Whether a session with `options` on `device` runs decode's RoPE and K/V write in the QKV
// epilogue (SessionOptions::rope_in, OSSVK_ROPE).
bool rope_in_epilogue(const SessionOptions& options, const host::DeviceInfo& device);

// The device memory a session with `options` takes beside its K/V caches and RoPE table
// (kv_cache_bytes) on a model part holding blocks [begin, end) of `c`: a step's activations,
// the expert scratch, staging for token ids and hidden states, and on the part with the
// unembedding the logit rows, their read-back and, where the draw is made on the device, its
// candidate search; with experts_elsewhere (a model whose experts lie on another device), the
// staging of what a step exchanges with that device; with the QKV epilogue, the layers' RoPE
// targets. Each buffer as the allocator rounds it;
// Session::create allocates exactly this (tested). RemoteExperts::work_bytes counts the
// session's buffers on the experts' device.
uint64_t session_work_bytes(const ModelConfig& c, const host::DeviceInfo& device,
                            const SessionOptions& options, uint32_t top_k, uint32_t lora_rank,
                            uint32_t begin, uint32_t end, bool experts_elsewhere = false);

class Session {
 public:
  static host::Result<std::unique_ptr<Session>> create(Model& model,
                                                       const SessionOptions& options = {});
  ~Session();

  // Runs `tokens` at positions position() .. and advances. logits, when not null, receives
  // [tokens.size()][vocab] floats if all_rows, else the last token's [vocab]. On error nothing
  // is advanced; a failed submission leaves the session unusable (see usable()).
  host::Status eval(std::span<const uint32_t> tokens, float* logits, bool all_rows);
  // eval of `tokens`, then the next token drawn from the last position's logits exactly as
  // sample() draws it. On the device (SessionOptions::sample_on), greedy and top_k up to
  // kTopkCandidates read back only the best candidates; other settings read back the row. A row
  // of NaN is an error.
  host::Result<uint32_t> eval_sample(std::span<const uint32_t> tokens, const SamplerParams& params,
                                     uint64_t& state);
  // The argument checks eval starts with: token ids within the vocabulary, room in the context.
  host::Status check_tokens(std::span<const uint32_t> tokens) const;
  uint32_t position() const { return position_; }
  uint32_t context() const { return options_.context; }
  uint32_t top_k() const { return top_k_; }
  bool usable() const { return broken_.ok(); }
  // Command buffers recorded so far: a replayed decode step records nothing.
  uint32_t recorded_steps() const { return recorded_steps_; }
  // Forgets the sequence (the cache is overwritten from position 0).
  void reset();
  // Forgets the positions from `position` on (a chat dropping or replacing its tail); the cache
  // before it stays valid because each position's K/V depend only on the tokens up to it.
  // Refused when a sliding-window layer's ring has already overwritten keys that the kept
  // positions need (dropping more than about max_step_tokens positions); reset() always works.
  host::Status rewind(uint32_t position);

 private:
  friend class Batch;  // steps several sessions at once, each on its own cache
  Session(Model& model, const SessionOptions& options) : model_(model), options_(options) {}
  // What a step leaves for the host: nothing, the last row of logits, every row, or the best
  // candidates of the last row (candidates_).
  enum class Output { none, last, all, candidates };
  // eval's chunking into steps; `last` is what the final step outputs (`all`: every step). Rows
  // are copied to `logits` when it is not null; the last step's stay in logits_out_.
  host::Status run(std::span<const uint32_t> tokens, float* logits, Output last);
  // One step: a decode step (one token, not every row) replays a command buffer recorded
  // once per output kind, its token id and position going in through host-visible words.
  host::Status step(std::span<const uint32_t> tokens, float* logits, Output output);
  // Records segment `segment` (of segments()) of a step of n tokens at pos, or, with
  // `replay`, of the replayable decode step that reads its position on the device.
  host::Status record(host::CommandStream& cs, uint32_t segment, uint32_t n, uint32_t pos,
                      Output output, const ReplayPosition* replay);
  // A step's command buffers: one, plus one per block whose experts are on another device.
  uint32_t segments() const { return 1 + static_cast<uint32_t>(model_.remote_experts().size()); }
  // An n-token step's segments in order: `submit` runs segment i on this device, and after
  // each but the last the experts device runs that block's experts, their output going back
  // to moe_in_. The first failure ends it.
  host::Status each_segment(uint32_t n, const std::function<host::Status(uint32_t)>& submit);
  host::Status hand_across(uint32_t segment, uint32_t n);
  host::Status check_rewind(uint32_t position) const;
  const Session& tail() const { return next_ ? next_->tail() : *this; }

  struct Replay {
    std::vector<std::unique_ptr<host::CommandStream>> streams;  // by segment
    bool ready = false;                                         // recorded and submitted once
    uint32_t limit = 0;                                         // recorded for positions below this
  };

  Model& model_;
  SessionOptions options_;
  uint32_t top_k_ = 0, position_ = 0, logit_rows_ = 0;
  uint32_t recorded_steps_ = 0;
  bool on_device_ = false;  // eval_sample picks candidates with f32_topk
  host::Status broken_;
  std::unique_ptr<host::CommandStream> stream_;
  Replay replays_[4];  // by Output
  RopeTable rope_;
  std::vector<KvCache> caches_;
  MoeScratch moe_scratch_;
  host::Buffer ids_, x_, x2_, normed_, qkv_, q_, attn_, attn_scratch_, last_, logits_;
  host::Buffer lora_u_;  // the dense LoRA side paths' A x, [tokens][the largest rank]
  TopkScratch topk_;
  bool rope_epilogue_ = false;  // SessionOptions::rope_in, decided for the device
  host::Buffer rope_targets_;   // [layer] shaders::RopeTarget, with rope_epilogue_
  host::Buffer pos_;            // a replayed step's position
  host::Buffer ids_in_, pos_in_, logits_out_, candidates_out_;  // host-visible ends
  // A split model's parts: each part's session runs its blocks, taking the hidden state from
  // the part before (x_in_) and handing it on (x_out_) through host-visible buffers.
  host::Buffer x_in_, x_out_;
  std::unique_ptr<Session> next_;
  // Experts on another device: the rows a block hands over (RemoteExperts::layout) and the
  // experts' output coming back.
  std::unique_ptr<RemoteExperts> remote_;
  host::Buffer moe_out_, moe_in_;
  std::vector<Candidate> candidates_;
};

}  // namespace ossvk
