#include "backend/loader/mlx_quantization.h"

namespace ossvk {
namespace {

using host::Result;
using host::Status;
using nlohmann::json;

std::string describe(const MlxLayout& l) {
  if (!l.quantized) return "unquantized";
  return l.mode + " " + std::to_string(l.bits) + "-bit, groups of " + std::to_string(l.group_size);
}

// One {group_size, bits, mode} object; missing keys come from `defaults`.
Result<MlxLayout> entry(const json& j, const MlxLayout& defaults, const std::string& where) {
  MlxLayout l = defaults;
  l.quantized = true;
  for (const char* key : {"group_size", "bits"}) {
    if (!j.contains(key)) continue;
    if (!j[key].is_number_unsigned() || j[key].get<uint64_t>() > 1024)
      return Status::bad_file(where + ": '" + key + "' is not a small count");
    (std::string_view(key) == "bits" ? l.bits : l.group_size) = j[key].get<uint32_t>();
  }
  if (j.contains("mode")) {
    if (!j["mode"].is_string()) return Status::bad_file(where + ": 'mode' is not a string");
    l.mode = j["mode"].get<std::string>();
  }
  if (l.mode != "affine" && l.mode != "mxfp4")
    return Status::bad_file(where + ": mode '" + l.mode + "' is not affine or mxfp4");
  if (l.bits == 0 || l.group_size == 0)
    return Status::bad_file(where + ": needs both group_size and bits");
  return l;
}

}  // namespace

Result<MlxQuantization> MlxQuantization::parse(const json& config, const std::string& file) {
  MlxQuantization q;
  q.file_ = file;
  const char* key = config.contains("quantization")          ? "quantization"
                    : config.contains("quantization_config") ? "quantization_config"
                                                             : nullptr;
  if (!key) return q;
  const json& s = config[key];
  const std::string where = file + ": " + key;
  if (!s.is_object()) return Status::bad_file(where + " is not an object");
  // transformers' own section (HF's MXFP4 checkpoints: quant_method, modules_to_not_convert) says
  // nothing the tensors do not.
  if (s.contains("quant_method")) return q;
  MlxLayout defaults{true, "affine", 0, 0};
  if (s.contains("bits") || s.contains("group_size")) {
    OSSVK_ASSIGN_OR_RETURN(MlxLayout global, entry(s, defaults, where));
    q.global_ = global;
    defaults = global;
  }
  for (const auto& [name, value] : s.items()) {
    if (name == "group_size" || name == "bits" || name == "mode") continue;
    const std::string module = where + "['" + name + "']";
    if (value.is_boolean()) {
      MlxLayout l = defaults;
      l.quantized = value.get<bool>();
      if (l.quantized && !q.global_)
        return Status::bad_file(module + " is true but the section has no global bits");
      q.modules_[name] = l;
    } else if (value.is_object()) {
      OSSVK_ASSIGN_OR_RETURN(q.modules_[name], entry(value, defaults, module));
    } else {
      return Status::bad_file(module + " is neither an object nor a boolean");
    }
  }
  return q;
}

Status MlxQuantization::check(const std::string& path, const MlxLayout& found) const {
  const auto it = modules_.find(path);
  const MlxLayout* said = it != modules_.end() ? &it->second : nullptr;
  // Without an entry of its own a module follows the global layout, or is unquantized.
  if (!said) {
    if (!global_ || !found.quantized) return Status();
    // MXFP4 experts of the mxfp4 + q8 conversions are told apart by their uint8 scales.
    if (found.mode == "mxfp4" && global_->mode != "mxfp4") return Status();
    said = &*global_;
  }
  const bool same = said->quantized == found.quantized &&
                    (!found.quantized || (said->mode == found.mode && said->bits == found.bits &&
                                          said->group_size == found.group_size));
  if (same) return Status();
  return Status::bad_file(file_ + ": module '" + path + "' is " + describe(*said) +
                          " in the quantization section, but its tensors are " + describe(found));
}

}  // namespace ossvk
