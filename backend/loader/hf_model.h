// GPT-OSS from a Hugging Face checkpoint folder (docs/formats.md): config.json, then
// model.safetensors or the shards model.safetensors.index.json lists. Experts as MXFP4
// `*_blocks` + `*_scales` (linear nibble order) with gate and up fused in interleaved rows (even
// rows gate, odd rows up), split here; or, in bf16 re-trains, plain `gate_up_proj` [E, in, 2F] and
// `down_proj` [E, F, out], transposed and split here. Everything else is used in place. OpenAI's
// own layout (the `original/` folder: `embedding.weight`, fused `attn.qkv`, `mlp.mlp1_weight.*`,
// its config keys) is recognised and read the same way.
#pragma once
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "backend/loader/safetensors.h"
#include "reference/model.h"

namespace ossvk {

struct HfModel {
  std::string name;
  std::vector<std::unique_ptr<SafetensorsFile>> shards;
  std::deque<std::vector<uint8_t>> owned;  // experts rearranged at load
  ModelTensors tensors;                    // views into shards and owned
};

// The configuration in a config.json's text; `file` names it in errors.
host::Result<ModelConfig> hf_config_from_json(std::string_view text, const std::string& file);

// Errors name the folder, file, key or tensor.
host::Result<std::unique_ptr<HfModel>> read_hf_model(const std::string& dir);

}  // namespace ossvk
