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
// Every matrix's rows a multiple of 256, so every type stays as asked (K-quants included).
constexpr Shape kSmall{2, 256, 4, 1, 64, 8, 4, 256, 512, 4, 4096, 10000.0f, 1.0f};
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
    case TensorFormat::q4_k:    // every block's scale and min 32: v = 32 d q - 32 dmin, centred
    case TensorFormat::q5_k: {  // by dmin = 7.5 d (15.5 d for 5-bit codes)
      const bool five = format == TensorFormat::q5_k;
      const uint32_t bytes = tensor_format_info(format).block_bytes;
      const float d = a / (five ? 496.0f : 240.0f);
      const uint16_t d16 = float_to_f16(d), dmin16 = float_to_f16(d * (five ? 15.5f : 7.5f));
      static constexpr uint8_t kScales[12] = {0xA0, 0xA0, 0xA0, 0xA0, 0xA0, 0xA0,
                                              0xA0, 0xA0, 0,    0,    0,    0};
      for (uint64_t b = 0; b < n / 256; ++b) {
        const size_t at = b * bytes;
        put(out, at, d16);
        put(out, at + 2, dmin16);
        std::memcpy(&out[at + 4], kScales, 12);
        for (uint32_t i = 16; i < bytes; i += 8) {
          const uint64_t r = rng.next();
          std::memcpy(&out[at + i], &r, std::min<uint32_t>(8, bytes - i));
        }
      }
      break;
    }
    case TensorFormat::q3_k:    // every scale 40 (8 after the -32): v = 8 d (q - 4 + 4 h)
    case TensorFormat::q2_k: {  // every scale byte 0x88: v = 8 d q - 8 dmin, centred: dmin = 1.5 d
      const bool three = format == TensorFormat::q3_k;
      const uint32_t bytes = three ? 110 : 84;
      for (uint64_t b = 0; b < n / 256; ++b) {
        const size_t at = b * bytes;
        for (uint32_t i = 0; i < bytes; i += 8) {
          const uint64_t r = rng.next();
          std::memcpy(&out[at + i], &r, std::min<uint32_t>(8, bytes - i));
        }
        if (three) {
          std::memset(&out[at + 96], 0x88, 8);   // low nibbles 8
          std::memset(&out[at + 104], 0xAA, 4);  // high bits 2
          put(out, at + 108, float_to_f16(a / 32.0f));
        } else {
          std::memset(&out[at], 0x88, 16);
          put(out, at + 80, float_to_f16(a / 12.0f));
          put(out, at + 82, float_to_f16(a / 8.0f));
        }
      }
      break;
    }
    case TensorFormat::iq4_xs: {  // every block's ls 48: v = 16 d level[q]
      const uint16_t d16 = float_to_f16(a / (16.0f * 113.0f));
      for (uint64_t b = 0; b < n / 256; ++b) {
        const size_t at = b * 136;
        put(out, at, d16);
        put(out, at + 2, uint16_t{0xFFFF});  // the top two bits of every ls: 3
        std::memset(&out[at + 4], 0, 4);     // the low four: 0
        for (uint32_t i = 8; i < 136; i += 8) {
          const uint64_t r = rng.next();
          std::memcpy(&out[at + i], &r, 8);
        }
      }
      break;
    }
    case TensorFormat::q6_k: {  // every scale 32: v = 32 d (q - 32)
      const uint16_t d16 = float_to_f16(a / 1024.0f);
      for (uint64_t b = 0; b < n / 256; ++b) {
        const size_t at = b * 210;
        for (uint32_t i = 0; i < 192; i += 8) {
          const uint64_t r = rng.next();
          std::memcpy(&out[at + i], &r, 8);
        }
        std::memset(&out[at + 192], 32, 16);
        put(out, at + 208, d16);
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

// The type llama-quantize writes instead of a K-quant or IQ4_XS where a row is not a multiple of
// 256
// (llama.cpp's tensor type fallback).
TensorFormat quantize_fallback(TensorFormat f) {
  switch (f) {
    case TensorFormat::q4_k:
      return TensorFormat::q5_0;
    case TensorFormat::q5_k:
      return TensorFormat::q5_1;
    case TensorFormat::q6_k:
      return TensorFormat::q8_0;
    case TensorFormat::q3_k:
    case TensorFormat::q2_k:
    case TensorFormat::iq4_xs:
      return TensorFormat::iq4_nl;
    default:
      return f;
  }
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
  else if (o.preset == "small")
    s = kSmall;
  else if (o.preset == "20b")
    s = k20b;
  else if (o.preset == "120b")
    s = k120b;
  else
    return host::Status::bad_argument("--preset '" + o.preset +
                                      "': expected tiny, small, 20b or 120b");
  if (o.layers) s.layers = o.layers;
  if (s.layers > 1024)
    return host::Status::bad_argument("--layers " + std::to_string(o.layers) + " is too many");
  if (!expert_format_ok(o.experts) || !expert_format_ok(o.up_experts.value_or(o.experts)) ||
      !expert_format_ok(o.dense))
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

  // A matrix whose rows do not fill the type's blocks takes llama-quantize's fallback type.
  auto add_matrix = [&](const std::string& name, TensorFormat type, std::vector<uint64_t> dims,
                        uint64_t rows, uint64_t k, float sd) {
    if (k % tensor_format_info(type).block_elements) type = quantize_fallback(type);
    w.add_tensor(name, type, dims, random_matrix(type, rows, k, sd, rng));
  };
  const uint64_t D = s.hidden, qw = uint64_t{s.heads} * s.head_dim,
                 kvw = uint64_t{s.kv_heads} * s.head_dim, E = s.experts, F = s.ff;
  // Embedding rows of unit scale, like a trained model's residual stream entering layer 0.
  add_matrix("token_embd.weight", o.dense, {D, s.vocab}, s.vocab, D, 1.0f);
  for (uint32_t l = 0; l < s.layers; ++l) {
    const std::string b = "blk." + std::to_string(l) + ".";
    auto f32 = [&](const std::string& name, std::vector<uint64_t> dims, float c, float spread) {
      uint64_t n = 1;
      for (uint64_t d : dims) n *= d;
      w.add_tensor(b + name, TensorFormat::f32, dims, floats(n, c, spread, rng));
    };
    f32("attn_norm.weight", {D}, 1.0f, 0.2f);
    add_matrix(b + "attn_q.weight", o.dense, {D, qw}, qw, D, 1.0f / std::sqrt(float(D)));
    add_matrix(b + "attn_k.weight", o.dense, {D, kvw}, kvw, D, 1.0f / std::sqrt(float(D)));
    add_matrix(b + "attn_v.weight", o.dense, {D, kvw}, kvw, D, 1.0f / std::sqrt(float(D)));
    f32("attn_q.bias", {qw}, 0.0f, 0.1f);
    f32("attn_k.bias", {kvw}, 0.0f, 0.1f);
    f32("attn_v.bias", {kvw}, 0.0f, 0.1f);
    add_matrix(b + "attn_output.weight", o.dense, {qw, D}, D, qw, 1.0f / std::sqrt(float(qw)));
    f32("attn_output.bias", {D}, 0.0f, 0.1f);
    f32("attn_sinks.weight", {s.heads}, 0.0f, 1.0f);
    f32("post_attention_norm.weight", {D}, 1.0f, 0.2f);
    // Router logits of a few units so top-k choices are clear-cut, as in trained routers.
    add_matrix(b + "ffn_gate_inp.weight", o.dense, {D, E}, E, D, 3.0f / std::sqrt(float(D)));
    f32("ffn_gate_inp.bias", {E}, 0.0f, 0.5f);
    add_matrix(b + "ffn_gate_exps.weight", o.experts, {D, F, E}, E * F, D,
               1.0f / std::sqrt(float(D)));
    add_matrix(b + "ffn_up_exps.weight", o.up_experts.value_or(o.experts), {D, F, E}, E * F, D,
               1.0f / std::sqrt(float(D)));
    add_matrix(b + "ffn_down_exps.weight", o.experts, {F, D, E}, E * D, F,
               1.0f / std::sqrt(float(F)));
    f32("ffn_gate_exps.bias", {F, E}, 0.0f, 0.1f);
    f32("ffn_up_exps.bias", {F, E}, 0.0f, 0.1f);
    f32("ffn_down_exps.bias", {D, E}, 0.0f, 0.1f);
  }
  w.add_tensor("output_norm.weight", TensorFormat::f32, {D}, floats(D, 1.0f, 0.2f, rng));
  add_matrix("output.weight", o.dense, {D, s.vocab}, s.vocab, D, 1.0f / std::sqrt(float(D)));
  return w;
}

}  // namespace ossvk
