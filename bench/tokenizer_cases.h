// o200k_encode: the tokenizer's encoding speed (tokens/s, MB/s) on about 1 MB of mixed text
// (prose in a dozen scripts, code, JSON, tables, numbers, emoji, odd white space), against the
// same tokenizer splitting with PCRE2 instead of the scanner; the ids of both must agree.
#pragma once
#include <string>

#include "bench_case.h"

namespace ossvk::bench {

// `vocabulary`: a GGUF whose tokenizer to use (a model, or a tokenizer-only file such as
// scripts/tiktoken_compare.mjs writes); "" for the synthetic o200k_harmony-sized one. `text`: a
// file to encode; "" for bench/data/mixed_text.txt repeated to 1 MB.
Case tokenizer_case(const std::string& vocabulary, const std::string& text, int runs);

}  // namespace ossvk::bench
