#include "support/hf_writer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "backend/formats/half.h"
#include "reference/matmul.h"
#include "support/safetensors_writer.h"
#include "testdata/weights.h"

namespace ossvk::testing {
namespace {

using nlohmann::json;

std::string dtype_of(TensorFormat f) {
  return f == TensorFormat::f32 ? "F32" : f == TensorFormat::f16 ? "F16" : "BF16";
}

// GGUF MXFP4 rows (17-byte blocks, split nibble order) to linear-order blocks and scale bytes.
void mxfp4_rows(const TensorData& t, uint64_t row, std::vector<uint8_t>& blocks,
                std::vector<uint8_t>& scales) {
  const uint64_t G = t.k / 32;
  for (uint64_t g = 0; g < G; ++g) {
    const uint8_t* b = &t.data[(row * G + g) * 17];
    scales.push_back(b[0]);
    auto elem = [&](int i) { return i < 16 ? b[1 + i] & 0xF : b[1 + i - 16] >> 4; };
    for (int j = 0; j < 16; ++j)
      blocks.push_back(static_cast<uint8_t>(elem(2 * j) | elem(2 * j + 1) << 4));
  }
}

// Experts gate, up ([E*F][in]) interleaved by row (or down alone when up is null).
void mxfp4_experts(SafetensorsWriter& w, const std::string& base, const TensorData& a,
                   const TensorData* b, uint64_t E, const std::string& sep = "_") {
  const uint64_t rows = a.m / E, G = a.k / 32;
  std::vector<uint8_t> blocks, scales;
  for (uint64_t e = 0; e < E; ++e)
    for (uint64_t r = 0; r < rows; ++r) {
      mxfp4_rows(a, e * rows + r, blocks, scales);
      if (b) mxfp4_rows(*b, e * rows + r, blocks, scales);
    }
  const uint64_t out = b ? 2 * rows : rows;
  w.add(base + sep + "blocks", "U8", {E, out, G, 16}, blocks);
  w.add(base + sep + "scales", "U8", {E, out, G}, scales);
}

// 16/32-bit experts as [E, in, out] with a and b interleaved on the out axis.
void dense_experts(SafetensorsWriter& w, const std::string& name, const TensorData& a,
                   const TensorData* b, uint64_t E) {
  const uint64_t rows = a.m / E, in = a.k, size = a.format == TensorFormat::f32 ? 4 : 2;
  const uint64_t out = b ? 2 * rows : rows;
  std::vector<uint8_t> bytes(E * in * out * size);
  for (uint64_t e = 0; e < E; ++e)
    for (uint64_t r = 0; r < out; ++r) {
      const TensorData& src = (b && r % 2) ? *b : a;
      const uint64_t row = e * rows + (b ? r / 2 : r);
      for (uint64_t i = 0; i < in; ++i)
        std::memcpy(&bytes[((e * in + i) * out + r) * size], &src.data[(row * in + i) * size],
                    size);
    }
  w.add(name, dtype_of(a.format), {E, in, out}, bytes);
}

std::vector<float> interleave(const std::vector<float>& a, const std::vector<float>& b,
                              uint64_t E) {
  const uint64_t n = a.size() / E;
  std::vector<float> out;
  for (uint64_t e = 0; e < E; ++e)
    for (uint64_t j = 0; j < n; ++j) out.push_back(a[e * n + j]), out.push_back(b[e * n + j]);
  return out;
}

// OpenAI's `original/` layout: fused qkv, mlp1/mlp2, its own names and config keys.
void write_openai(const ModelTensors& m, const std::string& dir) {
  const ModelConfig& c = m.config;
  json config = {{"num_hidden_layers", c.layers},
                 {"num_experts", c.experts},
                 {"experts_per_token", c.top_k},
                 {"vocab_size", c.vocab},
                 {"hidden_size", c.hidden},
                 {"intermediate_size", c.ff},
                 {"swiglu_limit", c.swiglu_limit},
                 {"head_dim", c.head_dim},
                 {"num_attention_heads", c.heads},
                 {"num_key_value_heads", c.kv_heads},
                 {"sliding_window", c.window},
                 {"initial_context_length", c.rope_original_context},
                 {"rope_theta", c.rope_theta},
                 {"rope_scaling_factor", c.rope_factor},
                 {"rope_ntk_alpha", c.rope_beta_slow},
                 {"rope_ntk_beta", c.rope_beta_fast}};
  std::ofstream(dir + "/config.json") << config.dump(2);
  SafetensorsWriter w;
  const uint64_t D = c.hidden, E = c.experts, F = c.ff;
  auto matrix = [&](const std::string& name, const TensorData& t) {
    w.add(name, dtype_of(t.format), {t.m, t.k}, t.data);
  };
  matrix("embedding.weight", m.embedding);
  w.add_floats("norm.scale", {D}, m.output_norm);
  matrix("unembedding.weight", m.output);
  for (uint32_t l = 0; l < c.layers; ++l) {
    const LayerTensors& L = m.layers[l];
    const std::string b = "block." + std::to_string(l) + ".";
    w.add_floats(b + "attn.norm.scale", {D}, L.attn_norm);
    std::vector<uint8_t> qkv;
    for (const TensorData* t : {&L.q, &L.k, &L.v})
      qkv.insert(qkv.end(), t->data.begin(), t->data.end());
    w.add(b + "attn.qkv.weight", dtype_of(L.q.format), {L.q.m + L.k.m + L.v.m, D}, qkv);
    std::vector<float> bias = L.q_bias;
    bias.insert(bias.end(), L.k_bias.begin(), L.k_bias.end());
    bias.insert(bias.end(), L.v_bias.begin(), L.v_bias.end());
    w.add_floats(b + "attn.qkv.bias", {bias.size()}, bias);
    w.add_floats(b + "attn.sinks", {c.heads}, L.sinks);
    matrix(b + "attn.out.weight", L.out);
    w.add_floats(b + "attn.out.bias", {D}, L.out_bias);
    w.add_floats(b + "mlp.norm.scale", {D}, L.post_norm);
    matrix(b + "mlp.gate.weight", L.router);
    w.add_floats(b + "mlp.gate.bias", {E}, L.router_bias);
    mxfp4_experts(w, b + "mlp.mlp1_weight", L.gate, &L.up, E, ".");
    mxfp4_experts(w, b + "mlp.mlp2_weight", L.down, nullptr, E, ".");
    w.add_floats(b + "mlp.mlp1_bias", {E, 2 * F}, interleave(L.gate_bias, L.up_bias, E));
    w.add_floats(b + "mlp.mlp2_bias", {E, D}, L.down_bias);
  }
  w.write(dir + "/model.safetensors");
}

// config.json as transformers writes it for gpt_oss.
json hf_config(const ModelConfig& c) {
  json config = {{"model_type", "gpt_oss"},        {"num_hidden_layers", c.layers},
                 {"hidden_size", c.hidden},        {"vocab_size", c.vocab},
                 {"num_attention_heads", c.heads}, {"num_key_value_heads", c.kv_heads},
                 {"head_dim", c.head_dim},         {"num_local_experts", c.experts},
                 {"num_experts_per_tok", c.top_k}, {"intermediate_size", c.ff},
                 {"sliding_window", c.window},     {"max_position_embeddings", c.context},
                 {"rms_norm_eps", c.eps},          {"rope_theta", c.rope_theta},
                 {"swiglu_limit", c.swiglu_limit}};
  if (c.rope_factor > 1)
    config["rope_scaling"] = {{"rope_type", "yarn"},
                              {"factor", c.rope_factor},
                              {"original_max_position_embeddings", c.rope_original_context},
                              {"beta_fast", c.rope_beta_fast},
                              {"beta_slow", c.rope_beta_slow}};
  json types = json::array();
  for (uint32_t l = 0; l < c.layers; ++l)
    types.push_back(l % 2 == 0 ? "sliding_attention" : "full_attention");
  config["layer_types"] = types;
  return config;
}

// MLX affine in `q`'s width, groups and scale dtype (value = scale * q + bias), quantized here
// from the decoded values of `t`: rows [r][k] become words [lead..., k * bits / 32], each row one
// LSB-first bit stream, packed bit by bit independently of the loader.
void mlx_affine(SafetensorsWriter& w, const std::string& base, const TensorData& t,
                const std::vector<uint64_t>& lead, const MlxQuant& q) {
  const uint64_t G = q.group_size, groups = t.k / G, levels = (1u << q.bits) - 1;
  std::vector<uint8_t> words(t.m * t.k * q.bits / 8), scales, biases;
  std::vector<float> row(t.k);
  auto put = [&](std::vector<uint8_t>& v, float f) {  // returns the value as stored
    v.resize(v.size() + scale_dtype_bytes(q.scale_dtype));
    return testing::store_scale(q.scale_dtype, f,
                                v.data() + v.size() - scale_dtype_bytes(q.scale_dtype));
  };
  for (uint64_t r = 0; r < t.m; ++r) {
    reference::decode_row(t, r, row.data());
    for (uint64_t g = 0; g < groups; ++g) {
      const auto [lo, hi] = std::minmax_element(row.begin() + g * G, row.begin() + (g + 1) * G);
      const float scale = put(scales, std::max((*hi - *lo) / levels, 1e-8f));
      const float bias = put(biases, *lo);
      for (uint64_t i = g * G; i < (g + 1) * G; ++i) {
        const float v = std::round((row[i] - bias) / scale);
        const uint32_t code = static_cast<uint32_t>(std::clamp(v, 0.0f, float(levels)));
        const uint64_t first = (r * t.k + i) * q.bits;
        for (uint32_t b = 0; b < q.bits; ++b)
          if ((code >> b) & 1u)
            words[(first + b) / 8] |= static_cast<uint8_t>(1u << ((first + b) % 8));
      }
    }
  }
  auto shaped = [&](uint64_t last) {
    std::vector<uint64_t> v = lead;
    v.push_back(last);
    return v;
  };
  const char* dtype = q.scale_dtype == ScaleDtype::bf16  ? "BF16"
                      : q.scale_dtype == ScaleDtype::f16 ? "F16"
                                                         : "F32";
  w.add(base + ".weight", "U32", shaped(t.k * q.bits / 32), words);
  w.add(base + ".scales", dtype, shaped(groups), scales);
  w.add(base + ".biases", dtype, shaped(groups), biases);
}

// A matrix mlx-lm leaves unquantized: 16/32-bit as stored, other layouts decoded to F32.
void mlx_float(SafetensorsWriter& w, const std::string& base, const TensorData& t,
               const std::vector<uint64_t>& lead) {
  std::vector<uint64_t> shape = lead;
  shape.push_back(t.k);
  const bool plain = t.format == TensorFormat::f32 || t.format == TensorFormat::f16 ||
                     t.format == TensorFormat::bf16;
  if (plain) return w.add(base + ".weight", dtype_of(t.format), shape, t.data);
  std::vector<float> all(t.m * t.k);
  for (uint64_t r = 0; r < t.m; ++r) reference::decode_row(t, r, all.data() + r * t.k);
  w.add_floats(base + ".weight", shape, all);
}

// MXFP4 experts (GGUF blocks) as MLX: uint32 words [E, R, K / 8] (HF's linear blocks) + scales.
void mlx_mxfp4_experts(SafetensorsWriter& w, const std::string& base, const TensorData& t,
                       uint64_t E) {
  std::vector<uint8_t> blocks, scales;
  for (uint64_t r = 0; r < t.m; ++r) mxfp4_rows(t, r, blocks, scales);
  w.add(base + ".weight", "U32", {E, t.m / E, t.k / 8}, blocks);
  w.add(base + ".scales", "U8", {E, t.m / E, t.k / 32}, scales);
}

}  // namespace

namespace {

using MatrixWriter = std::function<void(const std::string& base, const TensorData& t)>;
using ExpertWriter = std::function<void(const std::string& prefix, const LayerTensors& l)>;

// The tensors HF and MLX name alike (all but the experts) through `matrix` ("base" without
// ".weight"), the experts of each layer through `experts` (prefix "model.layers.N.mlp.experts.").
void write_hf_names(SafetensorsWriter& w, const ModelTensors& m, const MatrixWriter& matrix,
                    const ExpertWriter& experts) {
  const ModelConfig& c = m.config;
  const uint64_t D = c.hidden, E = c.experts;
  matrix("model.embed_tokens", m.embedding);
  w.add_floats("model.norm.weight", {D}, m.output_norm);
  matrix("lm_head", m.output);
  for (uint32_t l = 0; l < c.layers; ++l) {
    const LayerTensors& L = m.layers[l];
    const std::string b = "model.layers." + std::to_string(l) + ".";
    w.add_floats(b + "input_layernorm.weight", {D}, L.attn_norm);
    matrix(b + "self_attn.q_proj", L.q);
    matrix(b + "self_attn.k_proj", L.k);
    matrix(b + "self_attn.v_proj", L.v);
    w.add_floats(b + "self_attn.q_proj.bias", {L.q.m}, L.q_bias);
    w.add_floats(b + "self_attn.k_proj.bias", {L.k.m}, L.k_bias);
    w.add_floats(b + "self_attn.v_proj.bias", {L.v.m}, L.v_bias);
    w.add_floats(b + "self_attn.sinks", {c.heads}, L.sinks);
    matrix(b + "self_attn.o_proj", L.out);
    w.add_floats(b + "self_attn.o_proj.bias", {D}, L.out_bias);
    w.add_floats(b + "post_attention_layernorm.weight", {D}, L.post_norm);
    matrix(b + "mlp.router", L.router);
    w.add_floats(b + "mlp.router.bias", {E}, L.router_bias);
    experts(b + "mlp.experts.", L);
  }
}

}  // namespace

void write_mlx_checkpoint(const ModelTensors& m, const std::string& dir, const MlxCheckpoint& o) {
  const ModelConfig& c = m.config;
  std::filesystem::create_directories(dir);
  json quantization = {{"group_size", 64}, {"bits", 8}};  // mlx-lm's defaults for gpt-oss
  if (o.dense) quantization = {{"group_size", o.dense->group_size}, {"bits", o.dense->bits}};
  quantization["mode"] = "affine";
  auto entry = [](const MlxQuant& q) {
    return json{{"group_size", q.group_size}, {"bits", q.bits}, {"mode", "affine"}};
  };
  SafetensorsWriter w;
  const uint64_t D = c.hidden, E = c.experts, F = c.ff;
  // A module in `q` (none: unquantized), or unquantized where its input is not whole groups;
  // `own_entry`: named in the config as mlx-lm's per-module predicates name it.
  auto module = [&](const std::string& base, const TensorData& t, std::vector<uint64_t> lead,
                    const std::optional<MlxQuant>& q, bool own_entry) {
    if (!q || t.k % q->group_size != 0) return mlx_float(w, base, t, lead);
    mlx_affine(w, base, t, lead, *q);
    if (own_entry) quantization[base] = entry(*q);
  };
  const std::optional<MlxQuant> router = o.router ? o.router : o.dense;
  auto matrix = [&](const std::string& base, const TensorData& t) {
    if (base.ends_with("mlp.router"))
      module(base, t, {t.m}, router, o.router.has_value());
    else if (base.ends_with("v_proj") && o.v_proj)
      module(base, t, {t.m}, o.v_proj, true);
    else
      module(base, t, {t.m}, o.dense, false);
  };
  auto experts = [&](const std::string& x, const LayerTensors& L) {
    if (o.experts) {
      const std::pair<const char*, const TensorData*> parts[] = {
          {"gate_proj", &L.gate}, {"up_proj", &L.up}, {"down_proj", &L.down}};
      for (const auto& [name, t] : parts) module(x + name, *t, {E, t->m / E}, o.experts, true);
    } else {
      mlx_mxfp4_experts(w, x + "gate_proj", L.gate, E);
      mlx_mxfp4_experts(w, x + "up_proj", L.up, E);
      mlx_mxfp4_experts(w, x + "down_proj", L.down, E);
    }
    w.add_floats(x + "gate_proj.bias", {E, F}, L.gate_bias);
    w.add_floats(x + "up_proj.bias", {E, F}, L.up_bias);
    w.add_floats(x + "down_proj.bias", {E, D}, L.down_bias);
  };
  write_hf_names(w, m, matrix, experts);
  w.write(dir + "/model.safetensors");
  json config = hf_config(c);
  config["quantization"] = quantization;
  config["quantization_config"] = quantization;  // mlx-lm writes both
  std::ofstream(dir + "/config.json") << config.dump(2);
}

void write_hf_checkpoint(const ModelTensors& m, const std::string& dir, bool openai) {
  const ModelConfig& c = m.config;
  std::filesystem::create_directories(dir);
  if (openai) return write_openai(m, dir);
  std::ofstream(dir + "/config.json") << hf_config(c).dump(2);
  SafetensorsWriter w;
  const uint64_t D = c.hidden, E = c.experts, F = c.ff;
  auto matrix = [&](const std::string& base, const TensorData& t) {
    w.add(base + ".weight", dtype_of(t.format), {t.m, t.k}, t.data);
  };
  auto experts = [&](const std::string& x, const LayerTensors& L) {
    if (L.gate.format == TensorFormat::mxfp4) {
      mxfp4_experts(w, x + "gate_up_proj", L.gate, &L.up, E);
      mxfp4_experts(w, x + "down_proj", L.down, nullptr, E);
    } else {
      dense_experts(w, x + "gate_up_proj", L.gate, &L.up, E);
      dense_experts(w, x + "down_proj", L.down, nullptr, E);
    }
    w.add_floats(x + "gate_up_proj_bias", {E, 2 * F}, interleave(L.gate_bias, L.up_bias, E));
    w.add_floats(x + "down_proj_bias", {E, D}, L.down_bias);
  };
  write_hf_names(w, m, matrix, experts);
  w.write(dir + "/model.safetensors");
}

void write_hf_tokenizer(const text::Vocabulary& v, const std::string& dir, bool pair_merges) {
  std::filesystem::create_directories(dir);
  json vocab = json::object(), added = json::array(), merges = json::array();
  for (size_t i = 0; i < v.tokens.size(); ++i) {
    const auto type = static_cast<text::TokenType>(v.types.empty() ? 1 : v.types[i]);
    if (type == text::TokenType::normal)
      vocab[v.tokens[i]] = i;
    else if (type == text::TokenType::control)
      added.push_back({{"id", i}, {"content", v.tokens[i]}, {"special", true}});
  }  // unused padding is left out: ids nothing names
  for (const std::string& m : v.merges) {
    const size_t space = m.find(' ');
    if (pair_merges)
      merges.push_back({m.substr(0, space), m.substr(space + 1)});
    else
      merges.push_back(m);
  }
  const json tokenizer = {
      {"version", "1.0"},
      {"added_tokens", added},
      {"pre_tokenizer",
       {{"type", "Sequence"},
        {"pretokenizers",
         {{{"type", "Split"},
           {"pattern", {{"Regex", text::kO200kPattern}}},
           {"behavior", "Isolated"},
           {"invert", false}},
          {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}}}}}},
      {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", merges}}}};
  std::ofstream(dir + "/tokenizer.json") << tokenizer.dump();
  if (v.eos) std::ofstream(dir + "/tokenizer_config.json") << json{{"eos_token", v.tokens[*v.eos]}};
}

}  // namespace ossvk::testing
