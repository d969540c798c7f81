// LoRA adapters for tests: random modules for a model, written as an mlx-lm adapter folder or a
// llama.cpp GGUF adapter, so the readers and the side paths are tested on files of both kinds.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "reference/model.h"

namespace ossvk::testing {

// Modules of `rank` on each (layer, target): A ~ N(0, 1/in) per element, so A x keeps the
// scale of x, and B ~ N(0, b_sigma^2), unscaled (a writer's scale applies on reading).
std::vector<LoraModule> random_lora(const ModelConfig& c,
                                    const std::vector<std::pair<uint32_t, LoraTarget>>& where,
                                    uint32_t rank, uint64_t seed, float b_sigma = 0.05f);

// mlx-lm's layout: adapter_config.json {fine_tune_type "lora", num_layers, lora_parameters
// {rank, scale, dropout}} and adapters.safetensors (F32), Linear lora_a [in, r] and lora_b
// [r, out], SwitchLinear lora_a [E, r, in] and lora_b [E, out, r].
void write_mlx_adapter(const std::vector<LoraModule>& modules, const std::string& dir, float scale,
                       int num_layers);

// llama.cpp's: general.type "adapter", adapter.type "lora", adapter.lora.alpha, F32 tensors
// "<base>.lora_a" ne [in, r(, E)] and "<base>.lora_b" ne [r, out(, E)].
void write_gguf_adapter(const std::vector<LoraModule>& modules, const std::string& path,
                        float alpha);

}  // namespace ossvk::testing
