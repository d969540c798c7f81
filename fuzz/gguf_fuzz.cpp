// GGUF header, keys and tensor table, then the GPT-OSS model checks, the tokenizer's metadata
// checks and, as a LoRA adapter for a tiny model, the adapter checks on whatever parsed.
#include "backend/loader/gguf_model.h"
#include "backend/loader/lora_adapter.h"
#include "backend/text/tokenizer.h"
#include "tiny_model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto file = ossvk::GgufFile::parse({data, size}, "fuzz.gguf");
  if (!file.ok()) return 0;
  (void)ossvk::read_gguf_model(*file.value());
  (void)ossvk::text::Tokenizer::from_gguf(*file.value(), 1u << 20);
  ossvk::ModelTensors model = tiny_model();
  (void)ossvk::read_gguf_lora(*file.value(), 1.0f, model);
  return 0;
}
