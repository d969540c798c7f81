#include "backend/model/synthetic.h"

#include <cmath>
#include <cstring>

#include "backend/formats/half.h"
#include "backend/loader/gguf.h"
#include "backend/text/synthetic_vocabulary.h"

namespace ossvk {
namespace {

struct Shape {
  uint32_t layers, hidden, heads, kv_heads, head_dim, experts, top_k, ff, vocab, window, context;
  float theta, factor;
};

constexpr Shape kTiny{2, 64, 4, 1, 16, 8, 4, 96, 512, 4, 4096, 10000.0f, 1.0f};
constexpr Shape k20b{24, 2880, 64, 8, 64, 32, 4, 2880, 201088, 128, 131072, 150000.0f, 32.0f};
constexpr Shape k120b{36, 2880, 64, 8, 64, 128, 4, 2880, 201088, 128, 131072, 150000.0f, 32.0f};

class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed * 0x9E3779B97F4A7C15ull + 1) {}
  uint64_t next() {  // splitmix64
    uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  float uniform(float a) {  // in [-a, a)
    return (static_cast<float>(next() >> 40) * 0x1p-24f * 2.0f - 1.0f) * a;
  }

 private:
  uint64_t s_;
};

template <class T>
void put(std::vector<uint8_t>& out, size_t at, T v) {
  std::memcpy(out.data() + at, &v, sizeof(T));
}

// rows x k values, uniform with standard deviation `sd` (amplitude sqrt(3) sd), encoded in
// `format`.
std::vector<uint8_t> random_matrix(TensorFormat format, uint64_t rows, uint64_t k, float sd,
                                   Rng& rng) {
  const float a = std::sqrt(3.0f) * sd;
  const uint64_t n = rows * k;
  std::vector<uint8_t> out(gguf_tensor_bytes(format, n));
  switch (format) {
    case TensorFormat::f32:
      for (uint64_t i = 0; i < n; ++i) put(out, 4 * i, rng.uniform(a));
      break;
    case TensorFormat::bf16:
      for (uint64_t i = 0; i < n; ++i) put(out, 2 * i, float_to_bf16(rng.uniform(a)));
      break;
    case TensorFormat::f16:
      for (uint64_t i = 0; i < n; ++i) put(out, 2 * i, float_to_f16(rng.uniform(a)));
      break;
    case TensorFormat::q8_0:    // d = a/127, codes uniform in [-127, 127]
    case TensorFormat::q5_0:    // d = a/16, codes 0..31 (value d*(q-16))
    case TensorFormat::q4_0:    // d = a/8, codes 0..15 (value d*(q-8))
    case TensorFormat::iq4_nl:  // d = a/113, codes over the 16 levels (-127 .. 113)
    case TensorFormat::q4_1:    // d = 2a/15, m = -a, codes 0..15
    case TensorFormat::q5_1: {  // d = 2a/31, m = -a, codes 0..31
      const uint32_t bytes = tensor_format_info(format).block_bytes;
      const bool with_min = format == TensorFormat::q4_1 || format == TensorFormat::q5_1;
      const float levels = format == TensorFormat::q8_0     ? 127.0f
                           : format == TensorFormat::q5_0   ? 16.0f
                           : format == TensorFormat::iq4_nl ? 113.0f
                           : format == TensorFormat::q4_1   ? 7.5f
                           : format == TensorFormat::q5_1   ? 15.5f
                                                            : 8.0f;
      const uint16_t d = float_to_f16(a / levels), min = float_to_f16(-a);
      const uint32_t header = with_min ? 4 : 2;
      for (uint64_t b = 0; b < n / 32; ++b) {
        const size_t at = b * bytes;
        put(out, at, d);
        if (with_min) put(out, at + 2, min);
        for (uint32_t i = header; i < bytes; i += 8) {
          const uint64_t r = rng.next();
          std::memcpy(&out[at + i], &r, std::min<uint32_t>(8, bytes - i));
        }
        if (format == TensorFormat::q8_0)  // -128 is outside the symmetric range
          for (uint32_t i = 2; i < 34; ++i)
            if (out[at + i] == 0x80) out[at + i] = 0x81;
      }
      break;
    }
    case TensorFormat::mxfp4: {
      // E2M1 codes uniform over all 16 have rms 2.93; one power-of-two scale per tensor gives
      // the target rms, with a random step of -1..+1 per block.
      const int e = 127 + static_cast<int>(std::lround(std::log2(a / std::sqrt(3.0f) / 2.93f)));
      for (uint64_t b = 0; b < n / 32; ++b) {
        const size_t at = b * 17;
        out[at] = static_cast<uint8_t>(e + static_cast<int>(rng.next() % 3) - 1);
        for (uint32_t i = 1; i < 17; i += 8) {
          const uint64_t r = rng.next();
          std::memcpy(&out[at + i], &r, i + 8 <= 17 ? 8 : 17 - i);
        }
      }
      break;
    }
    default:
      break;
  }
  return out;
}

std::vector<uint8_t> floats(uint64_t n, float center, float spread, Rng& rng) {
  std::vector<uint8_t> out(n * 4);
  for (uint64_t i = 0; i < n; ++i) put(out, 4 * i, center + rng.uniform(spread));
  return out;
}

bool expert_format_ok(TensorFormat f) {
  return tensor_format_info(f).gguf_type != kNoGgufType;
}

void add_tokenizer(GgufWriter& w, const text::Vocabulary& v) {
  w.add_string("tokenizer.ggml.model", "gpt2");
  w.add_string("tokenizer.ggml.pre", v.pre);
  w.add_strings("tokenizer.ggml.tokens", v.tokens);
  w.add_int32s("tokenizer.ggml.token_type", v.types);
  w.add_strings("tokenizer.ggml.merges", v.merges);
  if (v.eos) w.add_uint32("tokenizer.ggml.eos_token_id", *v.eos);
}

}  // namespace

host::Result<GgufWriter> synthetic_model(const SyntheticOptions& o) {
  Shape s;
  if (o.preset == "tiny")
    s = kTiny;
  else if (o.preset == "20b")
    s = k20b;
  else if (o.preset == "120b")
    s = k120b;
  else
    return host::Status::bad_argument("--preset '" + o.preset + "': expected tiny, 20b or 120b");
  if (o.layers) s.layers = o.layers;
  if (s.layers > 1024)
    return host::Status::bad_argument("--layers " + std::to_string(o.layers) + " is too many");
  if (!expert_format_ok(o.experts) || !expert_format_ok(o.dense))
    return host::Status::bad_argument("weight types: expected a GGUF type ossvk reads (" +
                                      gguf_types_read() + "; MXFP4 for experts only)");
  if (o.dense == TensorFormat::mxfp4)
    return host::Status::bad_argument("--dense-type mxfp4: GPT-OSS keeps MXFP4 for the experts");

  Rng rng(o.seed);
  GgufWriter w;
  const std::string p = "gpt-oss.";
  w.add_string("general.architecture", "gpt-oss");
  w.add_string("general.name", "ossvk synthetic " + o.preset);
  add_tokenizer(w, text::synthetic_vocabulary(s.vocab));
  w.add_uint32(p + "block_count", s.layers);
  w.add_uint32(p + "context_length", s.context);
  w.add_uint32(p + "embedding_length", s.hidden);
  w.add_uint32(p + "feed_forward_length", s.ff);
  w.add_uint32(p + "expert_feed_forward_length", s.ff);
  w.add_uint32(p + "attention.head_count", s.heads);
  w.add_uint32(p + "attention.head_count_kv", s.kv_heads);
  w.add_uint32(p + "attention.key_length", s.head_dim);
  w.add_uint32(p + "attention.value_length", s.head_dim);
  w.add_uint32(p + "attention.sliding_window", s.window);
  w.add_float32(p + "attention.layer_norm_rms_epsilon", 1e-5f);
  w.add_uint32(p + "expert_count", s.experts);
  w.add_uint32(p + "expert_used_count", s.top_k);
  w.add_float32(p + "rope.freq_base", s.theta);
  if (s.factor > 1) {
    w.add_string(p + "rope.scaling.type", "yarn");
    w.add_float32(p + "rope.scaling.factor", s.factor);
    w.add_uint32(p + "rope.scaling.original_context_length", 4096);
  }

  const uint64_t D = s.hidden, qw = uint64_t{s.heads} * s.head_dim,
                 kvw = uint64_t{s.kv_heads} * s.head_dim, E = s.experts, F = s.ff;
  // Embedding rows of unit scale, like a trained model's residual stream entering layer 0.
  w.add_tensor("token_embd.weight", o.dense, {D, s.vocab},
               random_matrix(o.dense, s.vocab, D, 1.0f, rng));
  for (uint32_t l = 0; l < s.layers; ++l) {
    const std::string b = "blk." + std::to_string(l) + ".";
    auto f32 = [&](const std::string& name, std::vector<uint64_t> dims, float c, float spread) {
      uint64_t n = 1;
      for (uint64_t d : dims) n *= d;
      w.add_tensor(b + name, TensorFormat::f32, dims, floats(n, c, spread, rng));
    };
    f32("attn_norm.weight", {D}, 1.0f, 0.2f);
    w.add_tensor(b + "attn_q.weight", o.dense, {D, qw},
                 random_matrix(o.dense, qw, D, 1.0f / std::sqrt(float(D)), rng));
    w.add_tensor(b + "attn_k.weight", o.dense, {D, kvw},
                 random_matrix(o.dense, kvw, D, 1.0f / std::sqrt(float(D)), rng));
    w.add_tensor(b + "attn_v.weight", o.dense, {D, kvw},
                 random_matrix(o.dense, kvw, D, 1.0f / std::sqrt(float(D)), rng));
    f32("attn_q.bias", {qw}, 0.0f, 0.1f);
    f32("attn_k.bias", {kvw}, 0.0f, 0.1f);
    f32("attn_v.bias", {kvw}, 0.0f, 0.1f);
    w.add_tensor(b + "attn_output.weight", o.dense, {qw, D},
                 random_matrix(o.dense, D, qw, 1.0f / std::sqrt(float(qw)), rng));
    f32("attn_output.bias", {D}, 0.0f, 0.1f);
    f32("attn_sinks.weight", {s.heads}, 0.0f, 1.0f);
    f32("post_attention_norm.weight", {D}, 1.0f, 0.2f);
    // Router logits of a few units so top-k choices are clear-cut, as in trained routers.
    w.add_tensor(b + "ffn_gate_inp.weight", o.dense, {D, E},
                 random_matrix(o.dense, E, D, 3.0f / std::sqrt(float(D)), rng));
    f32("ffn_gate_inp.bias", {E}, 0.0f, 0.5f);
    w.add_tensor(b + "ffn_gate_exps.weight", o.experts, {D, F, E},
                 random_matrix(o.experts, E * F, D, 1.0f / std::sqrt(float(D)), rng));
    w.add_tensor(b + "ffn_up_exps.weight", o.experts, {D, F, E},
                 random_matrix(o.experts, E * F, D, 1.0f / std::sqrt(float(D)), rng));
    w.add_tensor(b + "ffn_down_exps.weight", o.experts, {F, D, E},
                 random_matrix(o.experts, E * D, F, 1.0f / std::sqrt(float(F)), rng));
    f32("ffn_gate_exps.bias", {F, E}, 0.0f, 0.1f);
    f32("ffn_up_exps.bias", {F, E}, 0.0f, 0.1f);
    f32("ffn_down_exps.bias", {D, E}, 0.0f, 0.1f);
  }
  w.add_tensor("output_norm.weight", TensorFormat::f32, {D}, floats(D, 1.0f, 0.2f, rng));
  w.add_tensor("output.weight", o.dense, {D, s.vocab},
               random_matrix(o.dense, s.vocab, D, 1.0f / std::sqrt(float(D)), rng));
  return w;
}

}  // namespace ossvk
