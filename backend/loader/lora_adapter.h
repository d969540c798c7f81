// LoRA adapters as people publish them for GPT-OSS, read into LoraModules (reference/model.h)
// beside the base model's tensors: an mlx-lm adapter folder (adapter_config.json and
// adapters.safetensors) or a llama.cpp GGUF adapter (general.type "adapter"). Every tensor is
// checked against the model before anything is kept; errors name the file and the tensor.
#pragma once
#include <string>
#include <string_view>

#include "backend/loader/gguf.h"
#include "backend/loader/safetensors.h"
#include "host/status.h"
#include "reference/model.h"

namespace ossvk {

// Appends the adapter at `path` (a folder: mlx-lm; a file: GGUF) to tensors.lora, its B scaled
// by user_scale times the adapter's own scale (mlx-lm: lora_parameters.scale; GGUF:
// adapter.lora.alpha / rank, or 1 when alpha is 0).
host::Status read_lora_adapter(const std::string& path, float user_scale, ModelTensors& tensors);

// The same from an opened GGUF adapter, or from an opened adapters.safetensors and the text of
// its adapter_config.json (`config_name` names it in errors): what the fuzz targets drive.
host::Status read_gguf_lora(const GgufFile& file, float user_scale, ModelTensors& tensors);
host::Status read_mlx_lora(const SafetensorsFile& weights, std::string_view config_json,
                           const std::string& config_name, float user_scale, ModelTensors& tensors);

// in, out and experts of the matrix `target` of a model with configuration `config`.
struct LoraShape {
  uint32_t experts, out, in;
};
LoraShape lora_shape(const ModelConfig& config, LoraTarget target);

}  // namespace ossvk
