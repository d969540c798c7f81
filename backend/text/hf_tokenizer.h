// The tokenizer of a Hugging Face checkpoint folder: tokenizer.json (a byte-level BPE model: vocab,
// merges, added tokens, the Split pre-tokenizer's regex) and, when present,
// tokenizer_config.json for the BOS/EOS tokens.
#pragma once
#include <string>
#include <string_view>

#include "backend/text/tokenizer.h"

namespace ossvk::text {

// From tokenizer.json's text; `file` names it in errors.
host::Result<Vocabulary> vocabulary_from_hf_json(std::string_view text, const std::string& file);
// From the folder `dir`; an error names the file and what is wrong or missing.
host::Result<Vocabulary> read_hf_tokenizer(const std::string& dir);

}  // namespace ossvk::text
