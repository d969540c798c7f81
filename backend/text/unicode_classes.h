// The character classes o200k's pre-tokenizer tests, per code point, for the Unicode version the
// reference tokenizer (tiktoken) uses. Generated from the Unicode Character Database by
// scripts/gen_unicode_classes.mjs into unicode_classes.cpp.
#pragma once

namespace ossvk::text {

enum class CharClass : unsigned char {
  other,         // none below: punctuation, symbols, controls that are not White_Space, Cn, Co
  upper,         // Lu, Lt
  lower,         // Ll
  other_letter,  // Lm, Lo
  mark,          // Mn, Mc, Me
  number,        // Nd, Nl, No
  space,         // White_Space (\s)
};

extern const char* const kUnicodeVersion;

// Code points past U+10FFFF are `other`.
CharClass char_class(char32_t c);

}  // namespace ossvk::text
