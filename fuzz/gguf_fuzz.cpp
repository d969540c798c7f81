// GGUF header, keys and tensor table, then the GPT-OSS model checks and the tokenizer's
// metadata checks on whatever parsed.
#include "backend/loader/gguf_model.h"
#include "backend/text/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto file = ossvk::GgufFile::parse({data, size}, "fuzz.gguf");
  if (!file.ok()) return 0;
  (void)ossvk::read_gguf_model(*file.value());
  (void)ossvk::text::Tokenizer::from_gguf(*file.value(), 1u << 20);
  return 0;
}
