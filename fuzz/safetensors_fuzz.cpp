// The safetensors header length, its JSON and every tensor entry; then, as an mlx-lm LoRA
// adapter's weights, every tensor's name, shape and values checked against a tiny model.
#include "backend/loader/lora_adapter.h"
#include "backend/loader/safetensors.h"
#include "tiny_model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto file = ossvk::SafetensorsFile::parse({data, size}, "fuzz.safetensors");
  if (!file.ok()) return 0;
  ossvk::ModelTensors model = tiny_model();
  (void)ossvk::read_mlx_lora(*file.value(),
                             R"({"num_layers": -1, "lora_parameters": {"rank": 4, "scale": 2.0}})",
                             "adapter_config.json", 1.0f, model);
  return 0;
}
