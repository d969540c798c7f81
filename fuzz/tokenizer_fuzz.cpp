// Encoding arbitrary bytes with the synthetic models' vocabulary (o200k_harmony's specials):
// whatever encodes must decode to exactly the input, with or without special tokens (the first
// byte chooses).
#include <string_view>

#include "backend/text/synthetic_vocabulary.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const ossvk::text::Tokenizer tokenizer =
      std::move(
          ossvk::text::Tokenizer::create(ossvk::text::synthetic_vocabulary(4096), 4096, "fuzz"))
          .value();
  if (size == 0) return 0;
  const bool special = data[0] & 1;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto ids = tokenizer.encode(text, special);
  if (!ids.ok()) return 0;  // unknown special-token text
  auto back = tokenizer.decode(ids.value());
  // A round trip that lost bytes: trap, which libFuzzer reports as a crash with this input.
  if (!back.ok() || back.value() != text) __builtin_trap();
  return 0;
}
