// Splits text into the pieces BPE merges within, by the pre-tokenizer's regular expression.
// o200k's pattern (GPT-OSS's) runs as a hand-written scanner over Unicode tables of the
// reference's version (o200k_scanner.h); any other pattern a tokenizer.json gives runs on PCRE2
// with Unicode properties. Bytes that are not valid UTF-8 match nothing; each run of them becomes
// a piece of its own, so any byte string splits and re-joins exactly.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "host/status.h"

struct pcre2_real_code_8;

namespace ossvk::text {

// o200k's pattern (tiktoken o200k_base, used by o200k_harmony): words with an optional leading
// non-letter and English contractions, numbers of up to 3 digits, punctuation runs with trailing
// newlines or slashes, newline runs, then other whitespace (trailing spaces stay apart from the
// next word).
extern const char* const kO200kPattern;

class Pretokenizer {
 public:
  // `name` is GGUF's tokenizer.ggml.pre; "gpt-4o" (o200k, GPT-OSS) is the one supported.
  static host::Result<Pretokenizer> create(std::string_view name);
  // A pattern as a Hugging Face tokenizer.json gives it (its Split pre-tokenizer's regex);
  // o200k's own runs on the scanner.
  static host::Result<Pretokenizer> from_pattern(std::string name, std::string_view pattern);
  // Calls `piece` with each piece in order, stopping at its first error. Thread-safe.
  host::Status split(std::string_view text,
                     const std::function<host::Status(std::string_view)>& piece) const;
  // The pieces as a list. Thread-safe.
  host::Result<std::vector<std::string_view>> split(std::string_view text) const;
  const std::string& name() const { return name_; }
  // Whether the o200k scanner splits (else PCRE2).
  bool scanner() const { return !code_; }

 private:
  struct Free {
    void operator()(pcre2_real_code_8* code) const;
  };
  std::string name_;
  std::unique_ptr<pcre2_real_code_8, Free> code_;  // null: the o200k scanner
};

}  // namespace ossvk::text
