// GGUF header, keys and tensor table, then the GPT-OSS model checks on whatever parsed.
#include "backend/loader/gguf_model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto file = ossvk::GgufFile::parse({data, size}, "fuzz.gguf");
  if (file.ok()) (void)ossvk::read_gguf_model(*file.value());
  return 0;
}
