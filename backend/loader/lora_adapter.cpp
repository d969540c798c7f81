#include "backend/loader/lora_adapter.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "backend/formats/half.h"
#include "backend/loader/gguf.h"
#include "backend/loader/mapped_file.h"
#include "backend/loader/safetensors.h"

namespace ossvk {
namespace {

using host::Result;
using host::Status;
using nlohmann::json;

// Far above any published adapter's (8 to 64); keeps a hostile file's sizes sane.
constexpr uint64_t kMaxRank = 4096;

// One lora_a or lora_b tensor as its file holds it: shape outermost first, values as floats.
struct Found {
  std::string name;
  std::vector<uint64_t> shape;
  std::vector<float> values;
};

// The pair of one module, by (layer, target).
struct Pair {
  std::optional<Found> a, b;
};
using Pairs = std::map<std::pair<uint32_t, LoraTarget>, Pair>;

std::string dims(const std::vector<uint64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// F32, F16 or BF16 (by `format`) to floats; an error names the tensor for other types or
// non-finite values.
Result<std::vector<float>> to_floats(TensorFormat format, std::span<const uint8_t> bytes,
                                     uint64_t count, const std::string& where) {
  std::vector<float> v(count);
  if (format == TensorFormat::f32 && bytes.size() == count * 4) {
    std::memcpy(v.data(), bytes.data(), count * 4);
  } else if ((format == TensorFormat::f16 || format == TensorFormat::bf16) &&
             bytes.size() == count * 2) {
    for (uint64_t i = 0; i < count; ++i) {
      uint16_t h;
      std::memcpy(&h, bytes.data() + 2 * i, 2);
      v[i] = format == TensorFormat::f16 ? f16_to_float(h) : bf16_to_float(h);
    }
  } else {
    return Status::bad_file(where + " is " + tensor_format_info(format).name +
                            "; LoRA tensors must be F32, F16 or BF16");
  }
  for (uint64_t i = 0; i < count; ++i)
    if (!std::isfinite(v[i]))
      return Status::bad_file(where + " holds a non-finite value at element " + std::to_string(i));
  return v;
}

// Splits "<prefix><layer>.<module>.lora_a" by the module names of `modules`.
struct Name {
  uint32_t layer;
  LoraTarget target;
  bool is_a;
};
std::optional<Name> parse_name(const std::string& name, const std::string& prefix,
                               const std::map<std::string, LoraTarget>& modules) {
  if (!name.starts_with(prefix)) return std::nullopt;
  size_t i = prefix.size(), digits = 0;
  uint64_t layer = 0;
  while (i < name.size() && std::isdigit(static_cast<unsigned char>(name[i])) && digits < 6)
    layer = layer * 10 + (name[i++] - '0'), ++digits;
  if (!digits || i >= name.size() || name[i] != '.') return std::nullopt;
  const std::string rest = name.substr(i + 1);
  for (const char* suffix : {".lora_a", ".lora_b"}) {
    if (!rest.ends_with(suffix)) continue;
    auto it = modules.find(rest.substr(0, rest.size() - 7));
    if (it == modules.end()) return std::nullopt;
    return Name{static_cast<uint32_t>(layer), it->second, suffix[6] == 'a'};
  }
  return std::nullopt;
}

// Files a tensor under its module; `where` names the adapter in errors.
Status file_tensor(Pairs& pairs, const ModelConfig& c, const std::string& where,
                   const std::string& name, const std::string& prefix,
                   const std::map<std::string, LoraTarget>& modules, Found found) {
  auto n = parse_name(name, prefix, modules);
  if (!n) {
    std::string known;
    for (const auto& [module, target] : modules) known += (known.empty() ? "" : ", ") + module;
    return Status::bad_file(where + ": tensor '" + name + "' matches no module ossvk adapts (" +
                            prefix + "N." + "{" + known + "}.lora_a/.lora_b)");
  }
  if (n->layer >= c.layers)
    return Status::bad_file(where + ": tensor '" + name + "' is for block " +
                            std::to_string(n->layer) + "; the model has " +
                            std::to_string(c.layers));
  Pair& p = pairs[{n->layer, n->target}];
  (n->is_a ? p.a : p.b) = std::move(found);
  return {};
}

// Checks each pair against the model's matrix and makes its module; `transpose_dense`: mlx-lm's
// Linear layers store lora_a as [in, r] and lora_b as [r, out] (x · a · b), the transposes of
// the [r, in] and [out, r] every other case holds. `scale_of(r)`: what B is multiplied by.
Status make_modules(Pairs& pairs, const ModelConfig& c, const std::string& where,
                    bool transpose_dense, std::optional<uint32_t> rank_expected,
                    const std::function<double(uint64_t)>& scale_of, std::vector<LoraModule>& out) {
  if (pairs.empty()) return Status::bad_file(where + ": no LoRA tensors");
  for (auto& [key, p] : pairs) {
    const Found* any = p.a ? &*p.a : &*p.b;
    if (!p.a || !p.b) {
      const std::string have = any->name, stem = have.substr(0, have.size() - 1);
      return Status::bad_file(where + ": tensor '" + have + "' has no '" + stem +
                              (p.a ? "b" : "a") + "' beside it");
    }
    const LoraShape s = lora_shape(c, key.second);
    const bool experts = key.second >= LoraTarget::gate;
    const Found &a = *p.a, &b = *p.b;
    const size_t ndim = experts ? 3 : 2;
    if (a.shape.size() != ndim || b.shape.size() != ndim)
      return Status::bad_file(where + ": tensors '" + a.name + "' " + dims(a.shape) + " and '" +
                              b.name + "' " + dims(b.shape) + " should have " +
                              std::to_string(ndim) + " dimensions");
    const bool t = transpose_dense && !experts;
    const uint64_t rank = t ? a.shape[1] : a.shape[ndim - 2];
    std::vector<uint64_t> want_a =
        t ? std::vector<uint64_t>{s.in, rank} : std::vector<uint64_t>{rank, s.in};
    std::vector<uint64_t> want_b =
        t ? std::vector<uint64_t>{rank, s.out} : std::vector<uint64_t>{s.out, rank};
    if (experts) {
      want_a.insert(want_a.begin(), s.experts);
      want_b.insert(want_b.begin(), s.experts);
    }
    if (rank == 0 || rank > kMaxRank || a.shape != want_a)
      return Status::bad_file(where + ": tensor '" + a.name + "' is " + dims(a.shape) +
                              "; the model's " + lora_target_name(key.second) + " matrix needs " +
                              dims(want_a) + " for some rank r");
    if (b.shape != want_b)
      return Status::bad_file(where + ": tensor '" + b.name + "' is " + dims(b.shape) +
                              ", expected " + dims(want_b) + " (rank " + std::to_string(rank) +
                              " from '" + a.name + "')");
    if (rank_expected && rank != *rank_expected)
      return Status::bad_file(where + ": tensor '" + a.name + "' has rank " + std::to_string(rank) +
                              "; the adapter's configuration says " +
                              std::to_string(*rank_expected));
    LoraModule m;
    m.name = a.name;
    m.layer = key.first;
    m.target = key.second;
    m.experts = s.experts, m.rank = static_cast<uint32_t>(rank), m.in = s.in, m.out = s.out;
    const float scale = static_cast<float>(scale_of(rank));
    if (t) {  // [in][r] -> [r][in]; [r][out] -> [out][r]
      m.a.resize(a.values.size());
      m.b.resize(b.values.size());
      for (uint64_t j = 0; j < s.in; ++j)
        for (uint64_t r = 0; r < rank; ++r) m.a[r * s.in + j] = a.values[j * rank + r];
      for (uint64_t r = 0; r < rank; ++r)
        for (uint64_t i = 0; i < s.out; ++i) m.b[i * rank + r] = b.values[r * s.out + i];
    } else {
      m.a = std::move(p.a->values);
      m.b = std::move(p.b->values);
    }
    for (float& v : m.b) v *= scale;
    out.push_back(std::move(m));
  }
  return {};
}

const std::map<std::string, LoraTarget>& mlx_modules() {
  static const std::map<std::string, LoraTarget> m = {
      {"self_attn.q_proj", LoraTarget::q},     {"self_attn.k_proj", LoraTarget::k},
      {"self_attn.v_proj", LoraTarget::v},     {"self_attn.o_proj", LoraTarget::out},
      {"mlp.router", LoraTarget::router},      {"mlp.experts.gate_proj", LoraTarget::gate},
      {"mlp.experts.up_proj", LoraTarget::up}, {"mlp.experts.down_proj", LoraTarget::down}};
  return m;
}

const std::map<std::string, LoraTarget>& gguf_modules() {
  static const std::map<std::string, LoraTarget> m = {{"attn_q.weight", LoraTarget::q},
                                                      {"attn_k.weight", LoraTarget::k},
                                                      {"attn_v.weight", LoraTarget::v},
                                                      {"attn_output.weight", LoraTarget::out},
                                                      {"ffn_gate_inp.weight", LoraTarget::router},
                                                      {"ffn_gate_exps.weight", LoraTarget::gate},
                                                      {"ffn_up_exps.weight", LoraTarget::up},
                                                      {"ffn_down_exps.weight", LoraTarget::down}};
  return m;
}

// mlx-lm: adapter_config.json {fine_tune_type, num_layers, lora_parameters: {rank, scale}} and
// adapters.safetensors.
Status read_mlx(const SafetensorsFile& file, std::string_view config_text,
                const std::string& config_path, float user_scale, const ModelConfig& c,
                std::vector<LoraModule>& out) {
  const json j = json::parse(config_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return Status::bad_file(config_path + ": not a JSON object");
  if (j.contains("fine_tune_type") && j["fine_tune_type"] != "lora")
    return Status::bad_file(config_path + ": fine_tune_type " + j["fine_tune_type"].dump() +
                            " is not \"lora\" (ossvk applies LoRA adapters only)");
  const json* params = j.contains("lora_parameters") ? &j["lora_parameters"] : nullptr;
  if (!params || !params->is_object() || !params->contains("rank") ||
      !(*params)["rank"].is_number_unsigned() || !params->contains("scale") ||
      !(*params)["scale"].is_number())
    return Status::bad_file(config_path +
                            ": lora_parameters needs a whole-number rank and a number scale");
  const uint64_t rank = (*params)["rank"].get<uint64_t>();
  const double scale = (*params)["scale"].get<double>();
  if (!std::isfinite(scale)) return Status::bad_file(config_path + ": scale is not finite");
  if (rank == 0 || rank > kMaxRank)
    return Status::bad_file(config_path + ": rank " + std::to_string(rank) + " is outside 1.." +
                            std::to_string(kMaxRank));
  int64_t num_layers = -1;  // mlx-lm's "every block"
  if (j.contains("num_layers")) {
    if (!j["num_layers"].is_number_integer())
      return Status::bad_file(config_path + ": num_layers is not an integer");
    num_layers = j["num_layers"].get<int64_t>();
  }
  const std::string& weights = file.path();
  Pairs pairs;
  for (const auto& [name, t] : file.tensors()) {
    const std::string where = weights + ": tensor '" + name + "'";
    const TensorFormat f = t.dtype == "F32"    ? TensorFormat::f32
                           : t.dtype == "F16"  ? TensorFormat::f16
                           : t.dtype == "BF16" ? TensorFormat::bf16
                                               : TensorFormat::mxfp4;  // refused below
    if (f == TensorFormat::mxfp4)
      return Status::bad_file(where + " is " + t.dtype + "; LoRA tensors must be F32, F16 or BF16");
    uint64_t count = 1;
    for (uint64_t d : t.shape) count *= d;
    OSSVK_ASSIGN_OR_RETURN(std::vector<float> values, to_floats(f, t.data, count, where));
    OSSVK_RETURN_IF_ERROR(file_tensor(pairs, c, weights, name, "model.layers.", mlx_modules(),
                                      {name, t.shape, std::move(values)}));
  }
  if (num_layers > 0 && num_layers < int64_t{c.layers}) {
    const uint32_t first = c.layers - static_cast<uint32_t>(num_layers);
    for (const auto& [key, p] : pairs)
      if (key.first < first)
        return Status::bad_file(weights + ": tensor '" + (p.a ? p.a->name : p.b->name) +
                                "' is for block " + std::to_string(key.first) + ", but " +
                                config_path + "'s num_layers " + std::to_string(num_layers) +
                                " adapts only blocks " + std::to_string(first) + " and on");
  }
  return make_modules(
      pairs, c, weights, /*transpose_dense=*/true, static_cast<uint32_t>(rank),
      [&](uint64_t) { return user_scale * scale; }, out);
}

// llama.cpp: general.type "adapter", adapter.type "lora", adapter.lora.alpha; tensors
// "<base>.lora_a" (ne [in, r(, E)]) and "<base>.lora_b" (ne [r, out(, E)]).
Status read_gguf(const GgufFile& gguf, float user_scale, const ModelConfig& c,
                 std::vector<LoraModule>& out) {
  const std::string& path = gguf.path();
  OSSVK_ASSIGN_OR_RETURN(std::string type, gguf.get_string("general.type"));
  if (type != "adapter")
    return Status::bad_file(path + ": general.type is '" + type + "', not 'adapter'");
  OSSVK_ASSIGN_OR_RETURN(std::string kind, gguf.get_string("adapter.type"));
  if (kind != "lora")
    return Status::bad_file(path + ": adapter.type is '" + kind + "'; ossvk applies 'lora'");
  OSSVK_ASSIGN_OR_RETURN(std::string arch, gguf.get_string("general.architecture"));
  if (arch != "gpt-oss")
    return Status::bad_file(path + ": general.architecture is '" + arch +
                            "'; the adapter is not for a GPT-OSS model");
  OSSVK_ASSIGN_OR_RETURN(double alpha, gguf.get_float("adapter.lora.alpha", 0.0));
  if (!std::isfinite(alpha)) return Status::bad_file(path + ": adapter.lora.alpha is not finite");
  Pairs pairs;
  for (const GgufTensor& t : gguf.tensors()) {
    const std::vector<uint64_t> shape(t.dims.rbegin(), t.dims.rend());
    OSSVK_ASSIGN_OR_RETURN(
        std::vector<float> values,
        to_floats(t.format, t.data, t.elements(), path + ": tensor '" + t.name + "'"));
    OSSVK_RETURN_IF_ERROR(file_tensor(pairs, c, path, t.name, "blk.", gguf_modules(),
                                      {t.name, shape, std::move(values)}));
  }
  // llama.cpp: alpha / rank, or 1 when alpha is 0.
  return make_modules(
      pairs, c, path, /*transpose_dense=*/false, std::nullopt,
      [&](uint64_t rank) { return user_scale * (alpha != 0 ? alpha / double(rank) : 1.0); }, out);
}

// Appends what `read` leaves, or nothing when it fails.
template <class Read>
Status append(ModelTensors& tensors, float user_scale, Read read) {
  if (!std::isfinite(user_scale))
    return Status::bad_argument("LoRA scale " + std::to_string(user_scale) + " is not finite");
  std::vector<LoraModule> modules;
  OSSVK_RETURN_IF_ERROR(read(modules));
  for (LoraModule& m : modules) tensors.lora.push_back(std::move(m));
  return {};
}

}  // namespace

LoraShape lora_shape(const ModelConfig& c, LoraTarget target) {
  const uint32_t q = c.heads * c.head_dim, kv = c.kv_heads * c.head_dim;
  switch (target) {
    case LoraTarget::q:
      return {1, q, c.hidden};
    case LoraTarget::k:
    case LoraTarget::v:
      return {1, kv, c.hidden};
    case LoraTarget::out:
      return {1, c.hidden, q};
    case LoraTarget::router:
      return {1, c.experts, c.hidden};
    case LoraTarget::gate:
    case LoraTarget::up:
      return {c.experts, c.ff, c.hidden};
    case LoraTarget::down:
      return {c.experts, c.hidden, c.ff};
  }
  return {};
}

Status read_gguf_lora(const GgufFile& file, float user_scale, ModelTensors& tensors) {
  return append(tensors, user_scale, [&](std::vector<LoraModule>& m) {
    return read_gguf(file, user_scale, tensors.config, m);
  });
}

Status read_mlx_lora(const SafetensorsFile& weights, std::string_view config_json,
                     const std::string& config_name, float user_scale, ModelTensors& tensors) {
  return append(tensors, user_scale, [&](std::vector<LoraModule>& m) {
    return read_mlx(weights, config_json, config_name, user_scale, tensors.config, m);
  });
}

Status read_lora_adapter(const std::string& path, float user_scale, ModelTensors& tensors) {
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec)) {
    OSSVK_ASSIGN_OR_RETURN(auto file, GgufFile::open(path));
    return read_gguf_lora(*file, user_scale, tensors);
  }
  const std::filesystem::path dir(path);
  if (!std::filesystem::exists(dir / "adapters.safetensors", ec) &&
      std::filesystem::exists(dir / "adapter_model.safetensors", ec))
    return Status::bad_file(path +
                            ": a Hugging Face PEFT adapter (adapter_model.safetensors); ossvk "
                            "reads mlx-lm adapter folders and llama.cpp GGUF adapters, which "
                            "llama.cpp's convert_lora_to_gguf.py makes from it");
  const std::string config = (dir / "adapter_config.json").string();
  OSSVK_ASSIGN_OR_RETURN(std::string text, read_text_file(config, kMaxConfigJsonBytes));
  OSSVK_ASSIGN_OR_RETURN(auto weights,
                         SafetensorsFile::open((dir / "adapters.safetensors").string()));
  return read_mlx_lora(*weights, text, config, user_scale, tensors);
}

}  // namespace ossvk
