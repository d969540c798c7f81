// config.json's `quantization` section as mlx-lm writes it (also copied as
// `quantization_config`): a global {group_size, bits, mode} and per-module entries by path, each
// {group_size, bits[, mode]} or false. ossvk reads each matrix's layout from its tensors' dtypes
// and shapes; this checks that the config says the same, so a file whose config and tensors
// disagree is refused by module name instead of being read one way or the other. transformers'
// `quantization_config` (with `quant_method`) is a different section and is not checked.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "host/status.h"

namespace ossvk {

// A matrix's layout as its tensors show it.
struct MlxLayout {
  bool quantized = false;
  std::string mode;  // "affine" or "mxfp4" when quantized
  uint32_t bits = 0;
  uint32_t group_size = 0;
};

class MlxQuantization {
 public:
  // The section of `config` (none: every check passes); `file` names config.json in errors.
  static host::Result<MlxQuantization> parse(const nlohmann::json& config, const std::string& file);

  // Whether module `path` (e.g. "model.layers.0.self_attn.q_proj") may have `found`. A module the
  // config does not name may be unquantized: mlx-lm leaves out modules whose input size is not a
  // multiple of the group size.
  host::Status check(const std::string& path, const MlxLayout& found) const;

 private:
  std::string file_;
  std::optional<MlxLayout> global_;
  std::map<std::string, MlxLayout> modules_;  // quantized = false for `false` entries
};

}  // namespace ossvk
