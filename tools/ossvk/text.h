// Text for the engine, over the C ABI: encoding and decoding through the model's tokenizer, and
// a stream that never prints half of a UTF-8 character when tokens split one.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ossvk.h"

namespace ossvk_cli {

class ModelText {
 public:
  ModelText(const ossvk_api& api, ossvk_model* model) : api_(api), model_(model) {}
  // Appends the tokens of `text` to `out` (flags: OSSVK_TOKENIZE_*); false with `error` set on
  // failure.
  bool encode(std::string_view text, uint32_t flags, std::vector<uint32_t>& out,
              std::string& error) const;
  bool decode(std::span<const uint32_t> ids, std::string& out, std::string& error) const;
  std::optional<uint32_t> find(const char* token) const;

 private:
  const ossvk_api& api_;
  ossvk_model* model_;
};

// Holds back the bytes of a character that is not complete yet.
class Utf8Stream {
 public:
  // What can be printed now of everything pushed so far.
  std::string push(std::string_view bytes);
  // The rest (an unfinished character at the end of a reply is printed as it is).
  std::string flush();

 private:
  std::string held_;
};

}  // namespace ossvk_cli
