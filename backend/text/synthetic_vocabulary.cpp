#include "backend/text/synthetic_vocabulary.h"

#include <set>
#include <string_view>

#include "backend/text/byte_level.h"

namespace ossvk::text {
namespace {

constexpr uint32_t kHarmonyBase = 199998;  // <|startoftext|> in o200k_harmony
constexpr uint32_t kHarmonyCount = 21;     // through <|endofprompt|> 200018

// o200k_harmony's names for ids kHarmonyBase + i; "" is reserved.
constexpr std::string_view kHarmony[kHarmonyCount] = {"<|startoftext|>",
                                                      "<|endoftext|>",
                                                      "",
                                                      "",
                                                      "<|return|>",
                                                      "<|constrain|>",
                                                      "",
                                                      "<|channel|>",
                                                      "<|start|>",
                                                      "<|end|>",
                                                      "<|message|>",
                                                      "",
                                                      "",
                                                      "",
                                                      "<|call|>",
                                                      "",
                                                      "",
                                                      "",
                                                      "",
                                                      "",
                                                      "<|endofprompt|>"};

constexpr std::string_view kWords[] = {
    " the",   " and",    " of",    " to",       " in",     " is",       " you",   " that",
    " it",    " for",    " on",    " are",      " with",   " as",       " this",  " be",
    " at",    " have",   " from",  " or",       " one",    " by",       " not",   " what",
    " all",   " we",     " can",   " your",     " which",  " will",     " there", " about",
    " time",  " their",  " would", " model",    " answer", " question", " user",  " assistant",
    " think", " reason", " final", " analysis", " Hello",  " world",    "Hello",  "The",
    "I",      " I",      "ing",    "ed",        "ly",      "\n\n",      " =",     " (",
    ");",     "...",     "123",    " 2025"};

}  // namespace

Vocabulary synthetic_vocabulary(uint32_t size) {
  Vocabulary v;
  const uint32_t specials_at =
      size > kHarmonyBase + kHarmonyCount ? kHarmonyBase : size - kHarmonyCount;
  std::set<std::string> have;
  for (unsigned b = 0; b < 256; ++b) {
    v.tokens.emplace_back(byte_char(static_cast<uint8_t>(b)));
    have.insert(v.tokens.back());
  }
  // Each word is spelled left to right: "th" from "t h", then "the" from "th e", and so on.
  for (std::string_view word : kWords) {
    const std::string chars = bytes_to_chars(word);
    std::string prefix = chars.substr(0, static_cast<uint8_t>(chars[0]) < 0x80 ? 1 : 2);
    for (size_t at = prefix.size(); at < chars.size();) {
      const size_t len = static_cast<uint8_t>(chars[at]) < 0x80 ? 1 : 2;
      const std::string next = chars.substr(at, len);
      if (have.insert(prefix + next).second) {
        if (v.tokens.size() == specials_at) break;
        v.merges.push_back(prefix + " " + next);
        v.tokens.push_back(prefix + next);
      }
      prefix += next;
      at += len;
    }
  }
  v.types.assign(v.tokens.size(), static_cast<int32_t>(TokenType::normal));
  auto pad = [&](uint32_t until) {
    while (v.tokens.size() < until) {
      v.tokens.push_back("[PAD" + std::to_string(v.tokens.size()) + "]");
      v.types.push_back(static_cast<int32_t>(TokenType::unused));
    }
  };
  pad(specials_at);
  for (uint32_t i = 0; i < kHarmonyCount; ++i) {
    const uint32_t id = specials_at + i;
    const std::string_view name = kHarmony[i];
    v.tokens.push_back(name.empty() ? "<|reserved_" + std::to_string(id) + "|>"
                                    : std::string(name));
    v.types.push_back(static_cast<int32_t>(TokenType::control));
  }
  pad(size);
  v.eos = specials_at + 4;  // <|return|>, GPT-OSS's end of an assistant reply
  return v;
}

}  // namespace ossvk::text
