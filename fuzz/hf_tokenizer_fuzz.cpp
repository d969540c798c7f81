// A Hugging Face tokenizer.json: the reader, then the vocabulary's checks and one encoding with
// whatever pre-tokenizer regex the file carries.
#include "backend/text/hf_tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto v = ossvk::text::vocabulary_from_hf_json(
      std::string_view(reinterpret_cast<const char*>(data), size), "tokenizer.json");
  if (!v.ok()) return 0;
  const uint32_t n = static_cast<uint32_t>(v.value().tokens.size());
  auto t = ossvk::text::Tokenizer::create(std::move(v).value(), n, "tokenizer.json");
  if (t.ok()) (void)t.value().encode("<|start|>Hello, world 42 \xF0\x9F\x98\x80", true);
  return 0;
}
