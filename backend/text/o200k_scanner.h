// o200k's pre-tokenizer (tiktoken's o200k_base pattern, which o200k_harmony uses) as a
// hand-written scanner over the Unicode classes of unicode_classes.h, so that it splits exactly
// as the reference does on every code point of its Unicode version, and quickly. Each of the
// pattern's seven alternatives is tried in order at each position, with the backtracking a
// regular-expression engine would do, in linear time:
//   1.
//   [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?
//   2.
//   [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?
//   3. \p{N}{1,3}
//   4.  ?[^\s\p{L}\p{N}]+[\r\n/]*
//   5. \s*[\r\n]+
//   6. \s+(?!\S)
//   7. \s+
// Bytes that are not valid UTF-8 match nothing: each run of them is a piece of its own, and no
// piece spans one, so any byte string splits and re-joins exactly.
#pragma once
#include <functional>
#include <string_view>

namespace ossvk::text {

// Calls `piece` with each piece of `text` in order until it returns false.
void o200k_split(std::string_view text, const std::function<bool(std::string_view)>& piece);

}  // namespace ossvk::text
