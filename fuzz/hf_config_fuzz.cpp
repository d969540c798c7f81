// A Hugging Face config.json, and its MLX quantization section checked against a few layouts.
#include <nlohmann/json.hpp>

#include "backend/loader/hf_model.h"
#include "backend/loader/mlx_quantization.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)ossvk::hf_config_from_json(text, "config.json");
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return 0;
  auto q = ossvk::MlxQuantization::parse(j, "config.json");
  if (!q.ok()) return 0;
  for (const char* module :
       {"lm_head", "model.layers.0.mlp.router", "model.layers.0.self_attn.v_proj"})
    for (const ossvk::MlxLayout& found :
         {ossvk::MlxLayout{}, ossvk::MlxLayout{true, "affine", 6, 64},
          ossvk::MlxLayout{true, "mxfp4", 4, 32}})
      (void)q.value().check(module, found);
  return 0;
}
