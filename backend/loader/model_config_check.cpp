#include "backend/loader/model_config_check.h"

#include <cmath>
#include <sstream>

namespace ossvk {

const ConfigKeys kGgufConfigKeys = {
    "gpt-oss.block_count",
    "gpt-oss.embedding_length",
    "token_embd.weight's rows (the vocabulary)",
    "gpt-oss.attention.head_count",
    "gpt-oss.attention.head_count_kv",
    "gpt-oss.attention.key_length",
    "gpt-oss.expert_count",
    "gpt-oss.expert_used_count",
    "gpt-oss.expert_feed_forward_length",
    "gpt-oss.attention.sliding_window",
    "gpt-oss.attention.sliding_window_pattern",
    "gpt-oss.context_length",
    "gpt-oss.attention.layer_norm_rms_epsilon",
    "gpt-oss.rope.freq_base",
    "gpt-oss.rope.scaling.factor",
    "gpt-oss.rope.scaling.original_context_length",
    "gpt-oss.rope.scaling.yarn_beta_fast",
    "gpt-oss.rope.scaling.yarn_beta_slow",
    "swiglu_limit (fixed at 7 for GGUF)",
};

const ConfigKeys kHfConfigKeys = {
    "num_hidden_layers",
    "hidden_size",
    "vocab_size",
    "num_attention_heads",
    "num_key_value_heads",
    "head_dim",
    "num_local_experts",
    "num_experts_per_tok",
    "intermediate_size",
    "sliding_window",
    "layer_types",
    "max_position_embeddings",
    "rms_norm_eps",
    "rope_theta",
    "rope_scaling.factor",
    "rope_scaling.original_max_position_embeddings",
    "rope_scaling.beta_fast",
    "rope_scaling.beta_slow",
    "swiglu_limit",
};

const ConfigKeys kOpenAiConfigKeys = {
    "num_hidden_layers",   "hidden_size",
    "vocab_size",          "num_attention_heads",
    "num_key_value_heads", "head_dim",
    "num_experts",         "experts_per_token",
    "intermediate_size",   "sliding_window",
    "layer_types",         "initial_context_length x rope_scaling_factor",
    "rms_norm_eps",        "rope_theta",
    "rope_scaling_factor", "initial_context_length",
    "rope_ntk_beta",       "rope_ntk_alpha",
    "swiglu_limit",
};

namespace {

// Bounds no GPT-OSS checkpoint comes near; they keep every product of two sizes inside 64 bits
// and every size inside the kernels' 32-bit indices.
constexpr double kMaxCount = 1u << 30;

class Checker {
 public:
  explicit Checker(const std::string& file) : file_(file) {}

  // A count in [lo, hi].
  void count(uint64_t v, const char* key, uint64_t lo, double hi = kMaxCount) {
    if (!failed_ && (v < lo || double(v) > hi)) fail(key, std::to_string(v), double(lo), hi);
  }
  // A finite real in [lo, hi] (or (lo, hi] with `open_low`).
  void real(double v, const char* key, double lo, double hi, bool open_low = false) {
    const bool in = std::isfinite(v) && (open_low ? v > lo : v >= lo) && v <= hi;
    if (!failed_ && !in) {
      std::ostringstream s;
      s << v;
      fail(key, s.str(), lo, hi, open_low);
    }
  }
  void require(bool ok, const std::string& what) {
    if (!failed_ && !ok) {
      failed_ = true;
      status_ = host::Status::bad_file(file_ + ": " + what);
    }
  }
  host::Status status() const { return status_; }

 private:
  void fail(const char* key, const std::string& v, double lo, double hi, bool open_low = false) {
    std::ostringstream s;
    s.precision(12);
    s << file_ << ": " << key << " = " << v << " is out of range (" << (open_low ? "above " : "")
      << lo << " to " << hi << ")";
    failed_ = true;
    status_ = host::Status::bad_file(s.str());
  }
  const std::string& file_;
  bool failed_ = false;
  host::Status status_;
};

}  // namespace

host::Status check_model_config(const ModelConfig& c, const ConfigKeys& k,
                                const std::string& file) {
  Checker ck(file);
  ck.count(c.layers, k.layers, 1, 1u << 16);
  ck.count(c.hidden, k.hidden, 1);
  ck.count(c.vocab, k.vocab, 1);
  ck.count(c.heads, k.heads, 1, 1u << 16);
  ck.count(c.kv_heads, k.kv_heads, 1, 1u << 16);
  ck.count(c.head_dim, k.head_dim, 1, 1u << 16);
  ck.count(c.experts, k.experts, 1, 1u << 16);
  ck.count(c.top_k, k.top_k, 1, c.experts);
  ck.count(c.ff, k.ff, 1);
  ck.count(c.window, k.window, 0);
  ck.count(c.swa_period, k.swa_period, 1);
  ck.count(c.context, k.context, 1);
  // Both counts were checked above, but every argument here is evaluated: no division by 0.
  ck.require(c.kv_heads && c.heads % c.kv_heads == 0,
             std::string(k.heads) + " " + std::to_string(c.heads) + " is not a multiple of " +
                 k.kv_heads + " " + std::to_string(c.kv_heads));
  // RMSNorm divides by sqrt(mean + eps); YaRN takes logs of theta, of the context over each beta
  // and divides by their difference: each must be finite and keep those finite and non-zero.
  ck.real(c.eps, k.eps, 0, 1, /*open_low=*/true);
  ck.real(c.rope_theta, k.rope_theta, 1, 1e12, /*open_low=*/true);
  ck.real(c.rope_factor, k.rope_factor, 1, 1e6);
  ck.real(c.rope_original_context, k.rope_original_context, 1, kMaxCount);
  ck.real(c.rope_beta_fast, k.rope_beta_fast, 0, 1e6, /*open_low=*/true);
  ck.real(c.rope_beta_slow, k.rope_beta_slow, 0, 1e6, /*open_low=*/true);
  ck.require(c.rope_factor == 1 || c.rope_beta_fast > c.rope_beta_slow,
             std::string(k.rope_beta_fast) + " must exceed " + k.rope_beta_slow +
                 " (they bound YaRN's correction range)");
  ck.real(c.swiglu_limit, k.swiglu_limit, 0, 1e6, /*open_low=*/true);
  ck.real(c.swiglu_alpha, "swiglu_alpha", 0, 1e6, /*open_low=*/true);
  return ck.status();
}

}  // namespace ossvk
