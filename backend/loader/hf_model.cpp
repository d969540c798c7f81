#include "backend/loader/hf_model.h"

#include <cstring>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "backend/formats/half.h"
#include "backend/loader/mlx_quantization.h"
#include "backend/loader/model_config_check.h"

namespace ossvk {
namespace {

using host::Result;
using host::Status;
using nlohmann::json;

Status error(const std::string& where, const std::string& what) {
  return Status::bad_file(where + ": " + what);
}

Result<json> parse_json(std::string_view text, const std::string& name) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return error(name, "not a JSON object");
  return j;
}

Result<json> read_json(const std::string& path) {
  OSSVK_ASSIGN_OR_RETURN(std::string text, read_text_file(path, kMaxConfigJsonBytes));
  return parse_json(text, path);
}

Result<uint32_t> get_u32(const json& j, const std::string& key, const std::string& file,
                         const uint32_t* fallback = nullptr) {
  if (!j.contains(key)) {
    if (fallback) return *fallback;
    return error(file, "missing key '" + key + "'");
  }
  if (!j[key].is_number_unsigned() || j[key].get<uint64_t>() > (1u << 30))
    return error(file, "key '" + key + "' is not a count");
  return static_cast<uint32_t>(j[key].get<uint64_t>());
}

Result<double> get_number(const json& j, const std::string& key, const std::string& file,
                          double fallback) {
  if (!j.contains(key) || j[key].is_null()) return fallback;
  if (!j[key].is_number()) return error(file, "key '" + key + "' is not a number");
  return j[key].get<double>();
}

}  // namespace

Result<ModelConfig> hf_config_from_json(std::string_view text, const std::string& file) {
  OSSVK_ASSIGN_OR_RETURN(json j, parse_json(text, file));
  if (j.contains("model_type") && j["model_type"] != "gpt_oss")
    return error(file, "model_type " + j["model_type"].dump() + " is not gpt_oss");
  ModelConfig c;
  OSSVK_ASSIGN_OR_RETURN(c.layers, get_u32(j, "num_hidden_layers", file));
  OSSVK_ASSIGN_OR_RETURN(c.hidden, get_u32(j, "hidden_size", file));
  OSSVK_ASSIGN_OR_RETURN(c.vocab, get_u32(j, "vocab_size", file));
  OSSVK_ASSIGN_OR_RETURN(c.heads, get_u32(j, "num_attention_heads", file));
  OSSVK_ASSIGN_OR_RETURN(c.kv_heads, get_u32(j, "num_key_value_heads", file));
  const uint32_t head_dim = c.heads ? c.hidden / c.heads : 0;
  OSSVK_ASSIGN_OR_RETURN(c.head_dim, get_u32(j, "head_dim", file, &head_dim));
  // The OpenAI `original/` config names some keys its own way (num_experts, rope_ntk_*, ...).
  const bool openai = j.contains("num_experts") && !j.contains("num_local_experts");
  OSSVK_ASSIGN_OR_RETURN(c.experts, get_u32(j, openai ? "num_experts" : "num_local_experts", file));
  const std::string k_key =
      j.contains("num_experts_per_tok") ? "num_experts_per_tok" : "experts_per_token";
  OSSVK_ASSIGN_OR_RETURN(c.top_k, get_u32(j, k_key, file));
  OSSVK_ASSIGN_OR_RETURN(c.ff, get_u32(j, "intermediate_size", file));
  const uint32_t no_window = 0, context = 131072;
  OSSVK_ASSIGN_OR_RETURN(c.window, get_u32(j, "sliding_window", file, &no_window));
  if (openai) {  // rope_ntk_beta sets the low correction dim (HF beta_fast), alpha the high one
    OSSVK_ASSIGN_OR_RETURN(c.rope_factor, get_number(j, "rope_scaling_factor", file, 1.0));
    OSSVK_ASSIGN_OR_RETURN(c.rope_original_context,
                           get_number(j, "initial_context_length", file, 4096.0));
    OSSVK_ASSIGN_OR_RETURN(c.rope_beta_fast, get_number(j, "rope_ntk_beta", file, 32.0));
    OSSVK_ASSIGN_OR_RETURN(c.rope_beta_slow, get_number(j, "rope_ntk_alpha", file, 1.0));
    // The context is their product: range-checked here, before it is converted.
    const double context = c.rope_original_context * c.rope_factor;
    if (!(context >= 1 && context <= (1u << 30)))
      return error(file, "initial_context_length x rope_scaling_factor = " +
                             std::to_string(context) + " is out of range (1 to 2^30)");
    c.context = static_cast<uint32_t>(context);
  } else {
    OSSVK_ASSIGN_OR_RETURN(c.context, get_u32(j, "max_position_embeddings", file, &context));
  }
  OSSVK_ASSIGN_OR_RETURN(c.eps, get_number(j, "rms_norm_eps", file, 1e-5));
  OSSVK_ASSIGN_OR_RETURN(c.rope_theta, get_number(j, "rope_theta", file, 150000.0));
  OSSVK_ASSIGN_OR_RETURN(c.swiglu_limit, get_number(j, "swiglu_limit", file, 7.0));
  if (j.contains("rope_scaling") && j["rope_scaling"].is_object()) {
    const json& r = j["rope_scaling"];
    const json* type_value = r.contains("rope_type") ? &r["rope_type"]
                             : r.contains("type")    ? &r["type"]
                                                     : nullptr;
    if (type_value && !type_value->is_string())
      return error(file, "rope_scaling.rope_type is not a string");
    const std::string type = type_value ? type_value->get<std::string>() : "yarn";
    if (type != "yarn") return error(file, "rope_scaling type '" + type + "' is not yarn");
    OSSVK_ASSIGN_OR_RETURN(c.rope_factor, get_number(r, "factor", file, 1.0));
    OSSVK_ASSIGN_OR_RETURN(c.rope_original_context,
                           get_number(r, "original_max_position_embeddings", file, 4096.0));
    OSSVK_ASSIGN_OR_RETURN(c.rope_beta_fast, get_number(r, "beta_fast", file, 32.0));
    OSSVK_ASSIGN_OR_RETURN(c.rope_beta_slow, get_number(r, "beta_slow", file, 1.0));
  }
  // GPT-OSS slides on even layers; layer_types, when given, must say exactly that.
  if (j.contains("layer_types") && j["layer_types"].is_array()) {
    const json& t = j["layer_types"];
    if (t.size() != c.layers) return error(file, "layer_types does not list every layer");
    for (uint32_t l = 0; l < c.layers; ++l)
      if (t[l] != (l % 2 == 0 ? "sliding_attention" : "full_attention"))
        return error(file, "layer_types: layer " + std::to_string(l) + " is " + t[l].dump() +
                               "; ossvk runs sliding attention on even layers only");
  }
  OSSVK_RETURN_IF_ERROR(check_model_config(c, openai ? kOpenAiConfigKeys : kHfConfigKeys, file));
  return c;
}

namespace {

class Tensors {
 public:
  Tensors(HfModel& m, const std::string& dir, MlxQuantization quantization)
      : m_(m), dir_(dir), quantization_(std::move(quantization)) {
    for (const auto& shard : m.shards)
      for (const auto& [name, t] : shard->tensors()) by_name_[name] = &t;
  }

  bool has(const std::string& name) const { return by_name_.count(name) != 0; }

  Result<const SafetensorsTensor*> get(const std::string& name, std::vector<uint64_t> shape,
                                       std::set<std::string> dtypes) const {
    auto it = by_name_.find(name);
    if (it == by_name_.end()) return error(dir_, "missing tensor '" + name + "'");
    const SafetensorsTensor* t = it->second;
    if (t->shape != shape) {
      auto str = [](const std::vector<uint64_t>& v) {
        std::string s = "[";
        for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
        return s + "]";
      };
      return error(dir_,
                   "tensor '" + name + "' has shape " + str(t->shape) + ", expected " + str(shape));
    }
    if (!dtypes.count(t->dtype))
      return error(dir_,
                   "tensor '" + name + "' is " + t->dtype + ", which ossvk does not read here");
    return t;
  }

  // A 16/32-bit matrix, or an MLX quantized one where `name`'s ".scales" sibling exists.
  Result<TensorData> matrix(const std::string& name, uint64_t rows, uint64_t cols) const {
    const std::string base = name.substr(0, name.size() - std::string_view(".weight").size());
    if (name.ends_with(".weight") && has(base + ".scales")) return mlx(base, {rows}, cols);
    OSSVK_RETURN_IF_ERROR(quantization_.check(base, MlxLayout{}));
    OSSVK_ASSIGN_OR_RETURN(const SafetensorsTensor* t,
                           get(name, {rows, cols}, {"F32", "F16", "BF16"}));
    return TensorData{format_of(t->dtype), rows, cols, t->data};
  }

  // MLX experts `base`.weight [E, R, K] (gate and up apart), quantized or not, as E * R rows.
  Result<TensorData> mlx_experts(const std::string& base, uint64_t E, uint64_t R,
                                 uint64_t K) const {
    if (has(base + ".scales")) return mlx(base, {E, R}, K);
    OSSVK_RETURN_IF_ERROR(quantization_.check(base, MlxLayout{}));
    OSSVK_ASSIGN_OR_RETURN(const SafetensorsTensor* t,
                           get(base + ".weight", {E, R, K}, {"F32", "F16", "BF16"}));
    return TensorData{format_of(t->dtype), E * R, K, t->data};
  }

  // An MLX quantized matrix of leading shape `lead` and `cols` inputs: `base`.weight (uint32
  // words), `base`.scales and, for affine, `base`.biases. The layout follows from dtypes and
  // shapes (mlx-lm writes the config's quantization entries per module; the tensors must agree
  // with them, which `quantization_` checks): uint8 scales are mxfp4 (4 bits, groups of 32, E8M0
  // scales); bf16/fp16/f32 scales with biases are affine, bits = 32 x words / cols, group =
  // cols / scales.
  Result<TensorData> mlx(const std::string& base, std::vector<uint64_t> lead, uint64_t cols) const {
    auto shaped = [&](uint64_t last) {
      std::vector<uint64_t> v = lead;
      v.push_back(last);
      return v;
    };
    uint64_t rows = 1;
    for (uint64_t d : lead) rows *= d;
    auto found = by_name_.find(base + ".weight");
    if (found == by_name_.end()) return error(dir_, "missing tensor '" + base + ".weight'");
    const SafetensorsTensor& w = *found->second;
    const uint64_t words = w.shape.empty() ? 0 : w.shape.back();
    const uint64_t bits = cols ? words * 32 / cols : 0;
    TensorFormat affine;
    if (words * 32 != bits * cols || !mlx_affine_format(static_cast<uint32_t>(bits), &affine))
      return error(dir_, "tensor '" + base + ".weight' holds " + std::to_string(words) +
                             " words a row for " + std::to_string(cols) +
                             " inputs: not 2, 3, 4, 5, 6 or 8 bits (the widths MLX writes)");
    OSSVK_RETURN_IF_ERROR(get(base + ".weight", shaped(words), {"U32"}).status());
    const SafetensorsTensor& sc = *by_name_.at(base + ".scales");
    if (sc.dtype == "U8") {  // mxfp4: the words are HF's blocks, byte for byte
      if (bits != 4)
        return error(dir_, "tensor '" + base + "' has uint8 scales (mxfp4) but " +
                               std::to_string(bits) + " bits, not 4");
      OSSVK_ASSIGN_OR_RETURN(const SafetensorsTensor* s,
                             get(base + ".scales", shaped(cols / 32), {"U8"}));
      OSSVK_RETURN_IF_ERROR(quantization_.check(base, MlxLayout{true, "mxfp4", 4, 32}));
      return TensorData{TensorFormat::mxfp4_linear, rows, cols, w.data, s->data};
    }
    const uint64_t groups = sc.shape.empty() ? 0 : sc.shape.back();
    const uint64_t group = groups ? cols / groups : 0;
    if (group * groups != cols || (group != 32 && group != 64 && group != 128))
      return error(dir_, "tensor '" + base + ".scales' makes groups of " +
                             (groups ? std::to_string(cols) + "/" + std::to_string(groups)
                                     : std::string("?")) +
                             " inputs; MLX groups are 32, 64 or 128");
    OSSVK_ASSIGN_OR_RETURN(const SafetensorsTensor* s,
                           get(base + ".scales", shaped(groups), {"BF16", "F16", "F32"}));
    OSSVK_ASSIGN_OR_RETURN(const SafetensorsTensor* b,
                           get(base + ".biases", shaped(groups), {s->dtype}));
    OSSVK_RETURN_IF_ERROR(quantization_.check(
        base,
        MlxLayout{true, "affine", static_cast<uint32_t>(bits), static_cast<uint32_t>(group)}));
    TensorData d{affine, rows, cols, w.data, s->data, b->data};
    d.group_size = static_cast<uint32_t>(group);
    d.scale_dtype = s->dtype == "BF16"  ? ScaleDtype::bf16
                    : s->dtype == "F16" ? ScaleDtype::f16
                                        : ScaleDtype::f32;
    return d;
  }

  // Rows [begin, begin + rows) of `m`, in place.
  static TensorData rows_of(const TensorData& m, uint64_t begin, uint64_t rows) {
    const uint64_t row_bytes = m.data.size() / m.m;
    TensorData d = m;
    d.m = rows;
    d.data = m.data.subspan(begin * row_bytes, rows * row_bytes);
    return d;
  }

  Result<std::vector<float>> vec(const std::string& name, std::vector<uint64_t> shape) const {
    OSSVK_ASSIGN_OR_RETURN(const SafetensorsTensor* t, get(name, shape, {"F32", "F16", "BF16"}));
    return floats(*t);
  }

  // MXFP4 experts: blocks [E, R, G, 16] and scales [E, R, G]; every `stride`-th row from
  // `first` (interleaved gate/up), as an mxfp4_linear matrix of E * R / stride rows.
  Result<TensorData> mxfp4(const std::string& blocks_name, const std::string& scales_name,
                           uint64_t E, uint64_t R, uint64_t K, uint32_t first, uint32_t stride) {
    const uint64_t G = K / 32;
    OSSVK_ASSIGN_OR_RETURN(const SafetensorsTensor* b, get(blocks_name, {E, R, G, 16}, {"U8"}));
    OSSVK_ASSIGN_OR_RETURN(const SafetensorsTensor* s, get(scales_name, {E, R, G}, {"U8"}));
    TensorData d{TensorFormat::mxfp4_linear, E * R / stride, K, b->data, s->data};
    if (stride == 1) return d;
    auto& blocks = m_.owned.emplace_back(d.m * G * 16);
    auto& scales = m_.owned.emplace_back(d.m * G);
    for (uint64_t row = 0; row < d.m; ++row) {
      const uint64_t src = row * stride + first;
      std::memcpy(&blocks[row * G * 16], &b->data[src * G * 16], G * 16);
      std::memcpy(&scales[row * G], &s->data[src * G], G);
    }
    d.data = blocks;
    d.scales = scales;
    return d;
  }

  // bf16 re-train experts: w [E, in, out] (16- or 32-bit), rows first, first + stride, ... of
  // the output axis, transposed to E * out / stride rows of `in`.
  Result<TensorData> dense_experts(const std::string& name, uint64_t E, uint64_t in, uint64_t out,
                                   uint32_t first, uint32_t stride) {
    OSSVK_ASSIGN_OR_RETURN(const SafetensorsTensor* t,
                           get(name, {E, in, out}, {"F32", "F16", "BF16"}));
    const uint64_t size = safetensors_dtype_bytes(t->dtype), rows = out / stride;
    auto& dst = m_.owned.emplace_back(E * rows * in * size);
    for (uint64_t e = 0; e < E; ++e)
      for (uint64_t r = 0; r < rows; ++r)
        for (uint64_t i = 0; i < in; ++i)
          std::memcpy(&dst[((e * rows + r) * in + i) * size],
                      &t->data[((e * in + i) * out + r * stride + first) * size], size);
    return TensorData{format_of(t->dtype), E * rows, in, dst};
  }

  // Every `stride`-th value from `first` of a [E, R] bias, as floats.
  Result<std::vector<float>> strided(const std::string& name, uint64_t E, uint64_t R,
                                     uint32_t first, uint32_t stride) const {
    OSSVK_ASSIGN_OR_RETURN(std::vector<float> all, vec(name, {E, R}));
    std::vector<float> out;
    out.reserve(all.size() / stride);
    for (size_t i = first; i < all.size(); i += stride) out.push_back(all[i]);
    return out;
  }

 private:
  static TensorFormat format_of(const std::string& dtype) {
    return dtype == "F32"   ? TensorFormat::f32
           : dtype == "F16" ? TensorFormat::f16
                            : TensorFormat::bf16;
  }
  static std::vector<float> floats(const SafetensorsTensor& t) {
    const uint64_t size = safetensors_dtype_bytes(t.dtype), n = t.data.size() / size;
    std::vector<float> out(n);
    for (uint64_t i = 0; i < n; ++i) {
      uint16_t h;
      if (size == 4) {
        std::memcpy(&out[i], &t.data[4 * i], 4);
        continue;
      }
      std::memcpy(&h, &t.data[2 * i], 2);
      out[i] = t.dtype == "F16" ? f16_to_float(h) : bf16_to_float(h);
    }
    return out;
  }

  HfModel& m_;
  std::string dir_;
  MlxQuantization quantization_;
  std::map<std::string, const SafetensorsTensor*> by_name_;
};

Status open_shards(HfModel& m, const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  const std::string index = dir + "/model.safetensors.index.json";
  if (fs::exists(index)) {
    OSSVK_ASSIGN_OR_RETURN(json j, read_json(index));
    if (!j.contains("weight_map") || !j["weight_map"].is_object())
      return error(index, "no weight_map");
    std::set<std::string> unique;
    for (const auto& [tensor, file] : j["weight_map"].items()) {
      if (!file.is_string()) return error(index, "weight_map['" + tensor + "'] is not a file name");
      const std::string f = file.get<std::string>();
      if (f.find('/') != std::string::npos || f.find("..") != std::string::npos)
        return error(index, "shard name '" + f + "' leaves the folder");
      unique.insert(f);
    }
    files.assign(unique.begin(), unique.end());
  } else if (fs::exists(dir + "/model.safetensors")) {
    files.push_back("model.safetensors");
  } else {
    return error(dir, "neither model.safetensors nor model.safetensors.index.json");
  }
  // A tensor in two shards would let the order of the files decide which copy is used.
  std::map<std::string, std::string> shard_of;
  for (const auto& f : files) {
    OSSVK_ASSIGN_OR_RETURN(auto shard, SafetensorsFile::open(dir + "/" + f));
    for (const auto& [name, t] : shard->tensors())
      if (auto [it, added] = shard_of.emplace(name, f); !added)
        return error(dir, "tensor '" + name + "' appears in both " + it->second + " and " + f);
    m.shards.push_back(std::move(shard));
  }
  return Status();
}

// OpenAI's own layout (`original/`): fused attn.qkv, mlp1 (gate/up interleaved) and mlp2.
Status read_openai(Tensors& t, ModelTensors& mt) {
  const ModelConfig& c = mt.config;
  const uint64_t D = c.hidden, E = c.experts, F = c.ff, qw = uint64_t{c.heads} * c.head_dim,
                 kvw = uint64_t{c.kv_heads} * c.head_dim;
  OSSVK_ASSIGN_OR_RETURN(mt.embedding, t.matrix("embedding.weight", c.vocab, D));
  OSSVK_ASSIGN_OR_RETURN(mt.output_norm, t.vec("norm.scale", {D}));
  OSSVK_ASSIGN_OR_RETURN(mt.output, t.matrix("unembedding.weight", c.vocab, D));
  for (uint32_t l = 0; l < c.layers; ++l) {
    LayerTensors& L = mt.layers[l];
    const std::string b = "block." + std::to_string(l) + ".";
    OSSVK_ASSIGN_OR_RETURN(L.attn_norm, t.vec(b + "attn.norm.scale", {D}));
    OSSVK_ASSIGN_OR_RETURN(TensorData qkv, t.matrix(b + "attn.qkv.weight", qw + 2 * kvw, D));
    L.q = Tensors::rows_of(qkv, 0, qw);
    L.k = Tensors::rows_of(qkv, qw, kvw);
    L.v = Tensors::rows_of(qkv, qw + kvw, kvw);
    OSSVK_ASSIGN_OR_RETURN(std::vector<float> bias, t.vec(b + "attn.qkv.bias", {qw + 2 * kvw}));
    L.q_bias.assign(bias.begin(), bias.begin() + qw);
    L.k_bias.assign(bias.begin() + qw, bias.begin() + qw + kvw);
    L.v_bias.assign(bias.begin() + qw + kvw, bias.end());
    OSSVK_ASSIGN_OR_RETURN(L.sinks, t.vec(b + "attn.sinks", {c.heads}));
    OSSVK_ASSIGN_OR_RETURN(L.out, t.matrix(b + "attn.out.weight", D, qw));
    OSSVK_ASSIGN_OR_RETURN(L.out_bias, t.vec(b + "attn.out.bias", {D}));
    OSSVK_ASSIGN_OR_RETURN(L.post_norm, t.vec(b + "mlp.norm.scale", {D}));
    OSSVK_ASSIGN_OR_RETURN(L.router, t.matrix(b + "mlp.gate.weight", E, D));
    OSSVK_ASSIGN_OR_RETURN(L.router_bias, t.vec(b + "mlp.gate.bias", {E}));
    const std::string m1 = b + "mlp.mlp1_weight", m2 = b + "mlp.mlp2_weight";
    OSSVK_ASSIGN_OR_RETURN(L.gate, t.mxfp4(m1 + ".blocks", m1 + ".scales", E, 2 * F, D, 0, 2));
    OSSVK_ASSIGN_OR_RETURN(L.up, t.mxfp4(m1 + ".blocks", m1 + ".scales", E, 2 * F, D, 1, 2));
    OSSVK_ASSIGN_OR_RETURN(L.down, t.mxfp4(m2 + ".blocks", m2 + ".scales", E, D, F, 0, 1));
    OSSVK_ASSIGN_OR_RETURN(L.gate_bias, t.strided(b + "mlp.mlp1_bias", E, 2 * F, 0, 2));
    OSSVK_ASSIGN_OR_RETURN(L.up_bias, t.strided(b + "mlp.mlp1_bias", E, 2 * F, 1, 2));
    OSSVK_ASSIGN_OR_RETURN(L.down_bias, t.vec(b + "mlp.mlp2_bias", {E, D}));
  }
  return Status();
}

}  // namespace

Result<std::unique_ptr<HfModel>> read_hf_model(const std::string& dir) {
  auto m = std::make_unique<HfModel>();
  m->name = std::filesystem::path(dir).lexically_normal().filename().string();
  if (m->name.empty()) m->name = std::filesystem::path(dir).parent_path().filename().string();
  const std::string config = dir + "/config.json";
  OSSVK_ASSIGN_OR_RETURN(std::string text, read_text_file(config, kMaxConfigJsonBytes));
  OSSVK_ASSIGN_OR_RETURN(m->tensors.config, hf_config_from_json(text, config));
  OSSVK_ASSIGN_OR_RETURN(json config_json, parse_json(text, config));
  OSSVK_ASSIGN_OR_RETURN(MlxQuantization quantization, MlxQuantization::parse(config_json, config));
  OSSVK_RETURN_IF_ERROR(open_shards(*m, dir));
  const ModelConfig& c = m->tensors.config;
  Tensors t(*m, dir, std::move(quantization));
  const uint64_t D = c.hidden, E = c.experts, F = c.ff, qw = uint64_t{c.heads} * c.head_dim,
                 kvw = uint64_t{c.kv_heads} * c.head_dim;
  ModelTensors& mt = m->tensors;
  size_t tensors = 0;
  for (const auto& shard : m->shards) tensors += shard->tensors().size();
  if (uint64_t{c.layers} * 15 > tensors)  // 15 tensors per layer at least (OpenAI layout)
    return error(dir, "num_hidden_layers " + std::to_string(c.layers) + " needs " +
                          std::to_string(uint64_t{c.layers} * 15) + " tensors; the shards hold " +
                          std::to_string(tensors));
  mt.layers.resize(c.layers);
  if (t.has("embedding.weight")) {
    OSSVK_RETURN_IF_ERROR(read_openai(t, mt));
    return m;
  }
  OSSVK_ASSIGN_OR_RETURN(mt.embedding, t.matrix("model.embed_tokens.weight", c.vocab, D));
  OSSVK_ASSIGN_OR_RETURN(mt.output_norm, t.vec("model.norm.weight", {D}));
  OSSVK_ASSIGN_OR_RETURN(mt.output, t.matrix("lm_head.weight", c.vocab, D));
  for (uint32_t l = 0; l < c.layers; ++l) {
    LayerTensors& L = mt.layers[l];
    const std::string b = "model.layers." + std::to_string(l) + ".";
    OSSVK_ASSIGN_OR_RETURN(L.attn_norm, t.vec(b + "input_layernorm.weight", {D}));
    OSSVK_ASSIGN_OR_RETURN(L.q, t.matrix(b + "self_attn.q_proj.weight", qw, D));
    OSSVK_ASSIGN_OR_RETURN(L.k, t.matrix(b + "self_attn.k_proj.weight", kvw, D));
    OSSVK_ASSIGN_OR_RETURN(L.v, t.matrix(b + "self_attn.v_proj.weight", kvw, D));
    OSSVK_ASSIGN_OR_RETURN(L.q_bias, t.vec(b + "self_attn.q_proj.bias", {qw}));
    OSSVK_ASSIGN_OR_RETURN(L.k_bias, t.vec(b + "self_attn.k_proj.bias", {kvw}));
    OSSVK_ASSIGN_OR_RETURN(L.v_bias, t.vec(b + "self_attn.v_proj.bias", {kvw}));
    OSSVK_ASSIGN_OR_RETURN(L.sinks, t.vec(b + "self_attn.sinks", {c.heads}));
    OSSVK_ASSIGN_OR_RETURN(L.out, t.matrix(b + "self_attn.o_proj.weight", D, qw));
    OSSVK_ASSIGN_OR_RETURN(L.out_bias, t.vec(b + "self_attn.o_proj.bias", {D}));
    OSSVK_ASSIGN_OR_RETURN(L.post_norm, t.vec(b + "post_attention_layernorm.weight", {D}));
    OSSVK_ASSIGN_OR_RETURN(L.router, t.matrix(b + "mlp.router.weight", E, D));
    OSSVK_ASSIGN_OR_RETURN(L.router_bias, t.vec(b + "mlp.router.bias", {E}));
    const std::string x = b + "mlp.experts.";
    if (t.has(x + "gate_proj.weight")) {  // MLX (mlx-lm): gate and up apart, biases per matrix
      OSSVK_ASSIGN_OR_RETURN(L.gate, t.mlx_experts(x + "gate_proj", E, F, D));
      OSSVK_ASSIGN_OR_RETURN(L.up, t.mlx_experts(x + "up_proj", E, F, D));
      OSSVK_ASSIGN_OR_RETURN(L.down, t.mlx_experts(x + "down_proj", E, D, F));
      OSSVK_ASSIGN_OR_RETURN(L.gate_bias, t.vec(x + "gate_proj.bias", {E, F}));
      OSSVK_ASSIGN_OR_RETURN(L.up_bias, t.vec(x + "up_proj.bias", {E, F}));
      OSSVK_ASSIGN_OR_RETURN(L.down_bias, t.vec(x + "down_proj.bias", {E, D}));
      continue;
    }
    if (t.has(x + "gate_up_proj_blocks")) {
      const std::string gu = x + "gate_up_proj", dn = x + "down_proj";
      OSSVK_ASSIGN_OR_RETURN(L.gate, t.mxfp4(gu + "_blocks", gu + "_scales", E, 2 * F, D, 0, 2));
      OSSVK_ASSIGN_OR_RETURN(L.up, t.mxfp4(gu + "_blocks", gu + "_scales", E, 2 * F, D, 1, 2));
      OSSVK_ASSIGN_OR_RETURN(L.down, t.mxfp4(dn + "_blocks", dn + "_scales", E, D, F, 0, 1));
    } else {
      OSSVK_ASSIGN_OR_RETURN(L.gate, t.dense_experts(x + "gate_up_proj", E, D, 2 * F, 0, 2));
      OSSVK_ASSIGN_OR_RETURN(L.up, t.dense_experts(x + "gate_up_proj", E, D, 2 * F, 1, 2));
      OSSVK_ASSIGN_OR_RETURN(L.down, t.dense_experts(x + "down_proj", E, F, D, 0, 1));
    }
    OSSVK_ASSIGN_OR_RETURN(L.gate_bias, t.strided(x + "gate_up_proj_bias", E, 2 * F, 0, 2));
    OSSVK_ASSIGN_OR_RETURN(L.up_bias, t.strided(x + "gate_up_proj_bias", E, 2 * F, 1, 2));
    OSSVK_ASSIGN_OR_RETURN(L.down_bias, t.vec(x + "down_proj_bias", {E, D}));
  }
  return m;
}

}  // namespace ossvk
