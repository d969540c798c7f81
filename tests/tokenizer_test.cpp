// The byte-level BPE tokenizer: the byte map, o200k pre-tokenization, merges in rank order on a
// handmade vocabulary with hand-derived ids, exact round trips of arbitrary bytes, special tokens
// (docs/model.md, "Harmony"), the public case's own tokenizer, and malformed vocabularies.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "backend/loader/gguf_writer.h"
#include "backend/model/synthetic.h"
#include "backend/text/byte_level.h"
#include "backend/text/hf_tokenizer.h"
#include "backend/text/synthetic_vocabulary.h"
#include "backend/text/tokenizer.h"
#include "backend/text/unicode_classes.h"
#include "backend/text/utf8.h"
#include "support/hf_writer.h"

namespace ossvk::testing {
namespace {

using text::Tokenizer;
using text::TokenType;
using text::Vocabulary;

std::vector<std::string> split(std::string_view s) {
  auto pre = text::Pretokenizer::create("gpt-4o");
  EXPECT_TRUE(pre.ok()) << pre.status().message();
  auto pieces = pre.value().split(s);
  EXPECT_TRUE(pieces.ok()) << pieces.status().message();
  return {pieces.value().begin(), pieces.value().end()};
}

// Tokens 0..255 are the bytes in byte order, then one token per merge.
Vocabulary byte_vocabulary(std::vector<std::string> merges) {
  Vocabulary v;
  for (unsigned b = 0; b < 256; ++b) v.tokens.emplace_back(text::byte_char(uint8_t(b)));
  for (const std::string& m : merges) {
    std::string joined = m;
    joined.erase(m.find(' '), 1);
    v.tokens.push_back(joined);
  }
  v.merges = std::move(merges);
  return v;
}

Tokenizer make(Vocabulary v, uint32_t model_vocab = 0) {
  const uint32_t n = model_vocab ? model_vocab : static_cast<uint32_t>(v.tokens.size());
  auto t = Tokenizer::create(std::move(v), n, "test");
  EXPECT_TRUE(t.ok()) << t.status().message();
  return std::move(t).value();
}

std::vector<uint32_t> encode(const Tokenizer& t, std::string_view s, bool special = false) {
  auto ids = t.encode(s, special);
  EXPECT_TRUE(ids.ok()) << ids.status().message();
  return ids.ok() ? ids.value() : std::vector<uint32_t>{};
}

std::string decode(const Tokenizer& t, const std::vector<uint32_t>& ids) {
  auto s = t.decode(ids);
  EXPECT_TRUE(s.ok()) << s.status().message();
  return s.ok() ? s.value() : "";
}

const Tokenizer& harmony() {  // o200k_harmony's layout: 201088 ids, specials at their real ids
  static const Tokenizer t = make(text::synthetic_vocabulary(201088));
  return t;
}

TEST(Tokenizer, byte_characters_are_gpt2s) {
  EXPECT_EQ(text::byte_char(' '), "\u0120");   // 'Ġ'
  EXPECT_EQ(text::byte_char('\n'), "\u010A");  // 'Ċ'
  EXPECT_EQ(text::byte_char('a'), "a");
  EXPECT_EQ(text::byte_char(0), "\u0100");
  EXPECT_EQ(text::byte_char(0xAD), "\u0143");  // soft hyphen: the last of the 68 moved bytes
  EXPECT_EQ(text::byte_char(0xFF), "\u00FF");
  std::string all;
  for (unsigned b = 0; b < 256; ++b) all += static_cast<char>(b);
  EXPECT_EQ(text::chars_to_bytes(text::bytes_to_chars(all)), all);
  EXPECT_FALSE(text::chars_to_bytes("\u0144"));    // stands for no byte
  EXPECT_FALSE(text::chars_to_bytes("\xC1\xA1"));  // overlong 'a'
}

TEST(Tokenizer, o200k_pre_tokenization) {
  using V = std::vector<std::string>;
  EXPECT_EQ(split("Hello world"), (V{"Hello", " world"}));
  EXPECT_EQ(split("I'm sure they'LL"), (V{"I'm", " sure", " they'LL"}));
  EXPECT_EQ(split("camelCase HELLO"), (V{"camel", "Case", " HELLO"}));
  EXPECT_EQ(split("1234567"), (V{"123", "456", "7"}));
  EXPECT_EQ(split("  hi"), (V{" ", " hi"}));
  EXPECT_EQ(split("a\n\nb"), (V{"a", "\n\n", "b"}));
  EXPECT_EQ(split("foo!!!\n"), (V{"foo", "!!!\n"}));
  EXPECT_EQ(split("x = (y);"), (V{"x", " =", " (", "y", ");"}));
  EXPECT_EQ(split("\xF0\x9F\x98\x80!"), (V{"\xF0\x9F\x98\x80!"}));  // emoji is punctuation-like
  EXPECT_EQ(split("日本語 text"), (V{"日本語", " text"}));
  EXPECT_EQ(split("a\xFF\xFE"
                  "b"),
            (V{"a", "\xFF\xFE", "b"}));  // not UTF-8: a piece apart
}

// The scanner on the classes where PCRE2's Unicode tables and the reference's disagree: U+180E
// is White_Space for PCRE2 and a format character (Cf) since Unicode 6.3; the letters and
// digits of Unicode 15.0-16.0 are unassigned (symbols) for PCRE2 10.42.
TEST(Tokenizer, o200k_pre_tokenization_follows_the_references_unicode) {
  using V = std::vector<std::string>;
  EXPECT_STREQ(text::kUnicodeVersion, "16.0.0");
  // U+180E is no space: a symbol, which a space joins (PCRE2 made " " and "\u180Eb").
  EXPECT_EQ(split("a \u180Eb"), (V{"a", " \u180E", "b"}));
  EXPECT_EQ(split("x\u180E\u180E y"), (V{"x", "\u180E\u180E", " y"}));
  // Kawi (15.0) and CJK Extension H (15.0) and I (15.1) letters are Lo: words.
  EXPECT_EQ(split(" \U00011F04\U00011F05."), (V{" \U00011F04\U00011F05", "."}));
  EXPECT_EQ(split("\U00031350\U0002EBF0 \U0002EBF1"), (V{"\U00031350\U0002EBF0", " \U0002EBF1"}));
  // Garay (16.0): capital (Lu) then small (Ll) letters make one word; its digits are numbers.
  EXPECT_EQ(split(" \U00010D50\U00010D70\U00010D71 \U00010D50\U00010D50"),
            (V{" \U00010D50\U00010D70\U00010D71", " \U00010D50\U00010D50"}));
  EXPECT_EQ(split("\U00010D40\U00010D41\U00010D42\U00010D43"),
            (V{"\U00010D40\U00010D41\U00010D42", "\U00010D43"}));
  // The contraction letters fold as the reference's engine folds them: long s is s.
  EXPECT_EQ(split("it\u2019s it'\u017F IT'S"), (V{"it", "\u2019s", " it'\u017F", " IT'S"}));
}

std::string utf8(char32_t c) {
  std::string s;
  if (c < 0x80) return s += static_cast<char>(c), s;
  if (c < 0x800) {
    s += static_cast<char>(0xC0 | c >> 6);
  } else {
    if (c < 0x10000) {
      s += static_cast<char>(0xE0 | c >> 12);
    } else {
      s += static_cast<char>(0xF0 | c >> 18);
      s += static_cast<char>(0x80 | (c >> 12 & 0x3F));
    }
    s += static_cast<char>(0x80 | (c >> 6 & 0x3F));
  }
  return s += static_cast<char>(0x80 | (c & 0x3F)), s;
}

// The generated tables against PCRE2's own (Debian's, Unicode 14 in 10.42) over every code
// point: they may differ only where PCRE2 has no character yet (Cn) and at U+180E, which
// Unicode 6.3 took out of White_Space and PCRE2 still counts as a space.
TEST(Tokenizer, unicode_tables_differ_from_pcre2_only_where_pcre2_is_older) {
  const char* patterns[] = {"^[\\p{Lu}\\p{Lt}]$", "^\\p{Ll}$", "^[\\p{Lm}\\p{Lo}]$", "^\\p{M}$",
                            "^\\p{N}$",           "^\\s$",     "^\\p{Cn}$"};
  std::vector<pcre2_code*> code;
  for (const char* p : patterns) {
    int e = 0;
    PCRE2_SIZE at = 0;
    code.push_back(pcre2_compile(reinterpret_cast<PCRE2_SPTR>(p), PCRE2_ZERO_TERMINATED,
                                 PCRE2_UTF | PCRE2_UCP, &e, &at, nullptr));
    ASSERT_NE(code.back(), nullptr) << p;
  }
  pcre2_match_data* match = pcre2_match_data_create(1, nullptr);
  auto matches = [&](int which, const std::string& s) {
    return pcre2_match(code[which], reinterpret_cast<PCRE2_SPTR>(s.data()), s.size(), 0, 0, match,
                       nullptr) >= 0;
  };
  std::vector<uint32_t> differ;
  uint32_t newer = 0;
  for (char32_t c = 0; c < 0x110000; ++c) {
    if (c >= 0xD800 && c <= 0xDFFF) continue;
    const std::string s = utf8(c);
    int pcre_class =
        0;  // CharClass's order: other, upper, lower, other_letter, mark, number, space
    for (int k = 0; k < 6 && !pcre_class; ++k)
      if (matches(k, s)) pcre_class = k + 1;
    if (pcre_class == static_cast<int>(text::char_class(c))) continue;
    if (matches(6, s))
      ++newer;
    else
      differ.push_back(static_cast<uint32_t>(c));
  }
  pcre2_match_data_free(match);
  for (pcre2_code* c : code) pcre2_code_free(c);
  EXPECT_EQ(differ, std::vector<uint32_t>{0x180E});
  EXPECT_GT(newer, 4000u);  // Unicode 15.0-16.0 added thousands (CJK Ext-H/I, Kawi, Garay, ...)
}

// Where PCRE2's tables agree with the reference's (characters assigned before Unicode 14, other
// than U+180E), the scanner must split exactly as PCRE2 runs o200k's pattern: random strings over
// characters of every class the pattern tests, and the characters it names.
TEST(Tokenizer, o200k_scanner_splits_as_the_regular_expression) {
  // The same pattern in a group runs on PCRE2 (only the exact o200k text takes the scanner).
  auto pcre =
      text::Pretokenizer::from_pattern("pcre2", "(?:" + std::string(text::kO200kPattern) + ")");
  auto scanner = text::Pretokenizer::from_pattern("scanner", text::kO200kPattern);
  ASSERT_TRUE(pcre.ok() && scanner.ok());
  ASSERT_FALSE(pcre.value().scanner());
  ASSERT_TRUE(scanner.value().scanner());
  const std::vector<std::string> palette = {
      "a",      "z",        "A",           "Z",      "s",          "S",      "t",
      "T",      "r",        "e",           "v",      "m",          "l",      "L",
      "d",      "D",        "'",           "'",
      "\u017F",                                                 // long s (Ll) folds to s
      "\u01C5",                                                 // Lt
      "\u02B0",                                                 // Lm
      "\u3042", "\u65E5",                                       // Lo
      "\u0301", "\u0903",   "\u20DD",                           // Mn, Mc, Me
      "0",      "7",        "\u0663",      "\u2167", "\u00BD",  // Nd, Nd, Nl, No
      " ",      " ",        "\t",          "\r",     "\n",         "\u000B", "\u0085",
      "\u00A0", "\u2003",   "\u2028",      "\u3000", "/",          ".",      ",",
      "!",      "-",        "\u2019",      "\u00A9", "\U0001F600", "\u200B", "\x01",
      "\xFF",   "\xC0\x80", "\xED\xA0\x80"};  // invalid UTF-8 splits apart in both
  std::mt19937 rng(11);
  for (int round = 0; round < 20000; ++round) {
    std::string s;
    for (int n = rng() % 24; n > 0; --n) s += palette[rng() % palette.size()];
    auto a = pcre.value().split(s);
    auto b = scanner.value().split(s);
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_EQ(a.value(), b.value()) << "round " << round << ": '" << s << "'";
  }
}

TEST(Tokenizer, merges_apply_in_rank_order) {
  // "hello" is h e l l o. Rank 0 joins "he"; then of "he l" (3), "l l" (2) and "l o" (1) the
  // lowest is "l o"; then "he l" makes "hel". Any other order gives another split.
  const Tokenizer t = make(byte_vocabulary({"h e", "l o", "l l", "he l", "Ġ w", "Ġw o"}));
  EXPECT_EQ(encode(t, "hello"), (std::vector<uint32_t>{259, 257}));  // "hel", "lo"
  // " world": "Ġ w" then "Ġw o"; "r l d" have no merges.
  EXPECT_EQ(encode(t, " world"), (std::vector<uint32_t>{261, 'r', 'l', 'd'}));
  // Repeats join leftmost first: "lll" is "ll" + "l", not "l" + "ll".
  const Tokenizer u = make(byte_vocabulary({"l l"}));
  EXPECT_EQ(encode(u, "lll"), (std::vector<uint32_t>{256, 'l'}));
}

// Short pieces merge over an array and long ones (past 64 bytes) through a heap: both must give
// what plain BPE gives, joining the lowest-ranked adjacent pair, leftmost first, until none is
// left.
TEST(Tokenizer, short_and_long_pieces_merge_as_plain_bpe) {
  // Merges over 'a' and 'b' of every length up to 8, in a shuffled rank order.
  std::mt19937 rng(3);
  std::vector<std::string> words = {"a", "b"}, merges;
  std::set<std::string> known = {"a", "b"};
  while (merges.size() < 60) {
    const std::string l = words[rng() % words.size()];
    const std::string r = words[rng() % words.size()];
    if (l.size() + r.size() > 8 || known.count(l + r)) continue;
    merges.push_back(l + " " + r);
    words.push_back(l + r);
    known.insert(l + r);
  }
  const Tokenizer t = make(byte_vocabulary(merges));
  std::map<std::string, size_t> rank;
  for (size_t i = 0; i < merges.size(); ++i) rank.emplace(merges[i], i);
  for (int round = 0; round < 300; ++round) {
    std::string piece(1 + rng() % 200, 'a');  // letters only: one piece
    for (char& c : piece) c = rng() % 3 ? 'a' : 'b';
    std::vector<std::string> sym;
    for (char c : piece) sym.emplace_back(1, c);
    for (;;) {
      size_t best = SIZE_MAX, best_rank = SIZE_MAX;
      for (size_t i = 0; i + 1 < sym.size(); ++i)
        if (auto it = rank.find(sym[i] + " " + sym[i + 1]);
            it != rank.end() && it->second < best_rank)
          best = i, best_rank = it->second;
      if (best == SIZE_MAX) break;
      sym[best] += sym[best + 1];
      sym.erase(sym.begin() + best + 1);
    }
    std::vector<uint32_t> want;
    for (const std::string& s : sym)
      want.push_back(
          s.size() == 1 ? static_cast<uint8_t>(s[0])
                        : 256 + static_cast<uint32_t>(std::find(words.begin() + 2, words.end(), s) -
                                                      words.begin() - 2));
    ASSERT_EQ(encode(t, piece), want) << piece.size() << " bytes: " << piece;
  }
}

TEST(Tokenizer, arbitrary_bytes_round_trip_exactly) {
  const Tokenizer& t = harmony();
  for (std::string s :
       {std::string("Hello world, the answer is 42.\n\n"),
        std::string("emoji \xF0\x9F\x98\x80\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD and 日本語"),
        std::string("tabs\t\tand  spaces   \r\n trailing  "),
        std::string("invalid \xFF\xC0\x80 bytes \xED\xA0\x80 here\x80"), std::string("\0nul\0", 5),
        std::string("<|start|> is text here")}) {
    EXPECT_EQ(decode(t, encode(t, s)), s);
  }
  std::mt19937 rng(7);
  for (int round = 0; round < 200; ++round) {
    std::string s(rng() % 64, '\0');
    for (char& c : s) c = static_cast<char>(rng() % 4 ? rng() % 128 : rng() % 256);
    EXPECT_EQ(decode(t, encode(t, s)), s) << "round " << round;
  }
}

TEST(Tokenizer, harmony_special_tokens_have_the_spec_ids) {
  const Tokenizer& t = harmony();
  const std::pair<const char*, uint32_t> spec[] = {
      {"<|startoftext|>", 199998}, {"<|endoftext|>", 199999}, {"<|return|>", 200002},
      {"<|constrain|>", 200003},   {"<|channel|>", 200005},   {"<|start|>", 200006},
      {"<|end|>", 200007},         {"<|message|>", 200008},   {"<|call|>", 200012}};
  for (auto [text, id] : spec) {
    EXPECT_EQ(t.find(text), id) << text;
    EXPECT_EQ(encode(t, text, true), std::vector<uint32_t>{id}) << text;
    EXPECT_EQ(decode(t, {id}), text);
  }
  const auto ids = encode(t, "<|start|>user<|message|>Hi<|end|>", true);
  ASSERT_GE(ids.size(), 5u);
  EXPECT_EQ(ids.front(), 200006u);
  EXPECT_EQ(ids.back(), 200007u);
  EXPECT_NE(std::find(ids.begin(), ids.end(), 200008u), ids.end());
  // Where specials are not allowed, their text is ordinary text.
  for (uint32_t id : encode(t, "<|start|>user<|message|>Hi<|end|>", false)) EXPECT_LT(id, 199998u);
}

TEST(Tokenizer, unknown_special_token_text_is_an_error_only_where_specials_are_allowed) {
  const Tokenizer& t = harmony();
  auto r = t.encode("say <|bogus|> now", true);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("unknown special token '<|bogus|>' at byte 4"),
            std::string::npos)
      << r.status().message();
  EXPECT_TRUE(t.encode("say <|bogus|> now", false).ok());
  EXPECT_TRUE(t.encode("a <| b |> c and x<|y", true).ok());  // not the shape of a token
}

TEST(Tokenizer, padding_ids_decode_to_nothing_and_beyond_is_an_error) {
  const Tokenizer t = make(byte_vocabulary({}), 300);
  EXPECT_EQ(decode(t, {'a', 290, 'b'}), "ab");
  auto r = t.decode(std::vector<uint32_t>{'a', 300});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("token id 300 at index 1 is out of range (vocabulary 300)"),
            std::string::npos);
}

TEST(Tokenizer, the_public_case_tokenizer) {
  auto file = GgufFile::open(std::string(OSSVK_CASES_DIR) + "/public_tiny/model.gguf");
  ASSERT_TRUE(file.ok()) << file.status().message();
  auto t = Tokenizer::from_gguf(*file.value(), 256);
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t.value().bos(), 254u);
  EXPECT_EQ(t.value().eos(), 255u);
  // Its tokens are the byte characters in code point order ('!' = 0, 'a' = 64, 'Ġ' = 220), its
  // one merge "! $" makes token 253.
  EXPECT_EQ(encode(t.value(), "!$a b"), (std::vector<uint32_t>{253, 64, 220, 65}));
  EXPECT_EQ(encode(t.value(), "<|endoftext|>", true), std::vector<uint32_t>{255});
  // It lacks the characters of bytes 0x9F, 0xA0 and 0xAD: a clear error, not a wrong id.
  auto r = t.value().encode(
      "non\xC2\xA0"
      "breaking",
      false);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("has no token for byte 0xA0"), std::string::npos)
      << r.status().message();
}

TEST(Tokenizer, malformed_vocabularies_are_named) {
  auto error = [](Vocabulary v, uint32_t model_vocab = 0) {
    const uint32_t n = model_vocab ? model_vocab : static_cast<uint32_t>(v.tokens.size());
    auto t = Tokenizer::create(std::move(v), n, "m.gguf");
    return t.ok() ? std::string() : t.status().message();
  };
  auto has = [](const std::string& message, const char* part) {
    return message.find(part) != std::string::npos;
  };
  Vocabulary v = byte_vocabulary({"a b"});
  v.merges.push_back("a c");  // "ac" is no token
  EXPECT_TRUE(has(error(v), "m.gguf: tokenizer.ggml.merges[1] 'a c' joins or makes text"));
  v = byte_vocabulary({"a b"});
  v.merges[0] = "ab";
  EXPECT_TRUE(has(error(v), "merges[0] 'ab' is not two tokens separated by one space"));
  v = byte_vocabulary({});
  v.types.assign(10, 1);
  EXPECT_TRUE(has(error(v), "token_type has 10 entries for 256 tokens"));
  EXPECT_TRUE(has(error(byte_vocabulary({}), 200), "has 256 tokens but the model has 200 logits"));
  v = byte_vocabulary({});
  v.pre = "llama3";
  EXPECT_TRUE(has(error(v), "pre-tokenizer 'llama3' is not supported"));
  v = byte_vocabulary({});
  v.tokens[5] = "\xE4\xB8\x80";  // a CJK character is no byte character
  EXPECT_TRUE(has(error(v), "tokens[5] '\xE4\xB8\x80' is not byte-level BPE text"));
  v = byte_vocabulary({});
  v.eos = 256;
  EXPECT_TRUE(has(error(v), "eos_token_id 256 is beyond the 256 tokens"));
}

TEST(Tokenizer, a_gguf_without_tokenizer_says_so) {
  GgufWriter w;
  w.add_string("general.architecture", "gpt-oss");
  const std::vector<uint8_t> bytes = w.bytes();
  auto file = GgufFile::parse(bytes, "bare.gguf");
  ASSERT_TRUE(file.ok());
  auto t = Tokenizer::from_gguf(*file.value(), 10);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("bare.gguf: no tokenizer"), std::string::npos);
}

TEST(Tokenizer, synthetic_models_carry_one) {
  auto w = synthetic_model({});
  ASSERT_TRUE(w.ok());
  const std::vector<uint8_t> bytes = w.value().bytes();
  auto file = GgufFile::parse(bytes, "tiny.gguf");
  ASSERT_TRUE(file.ok());
  auto t = Tokenizer::from_gguf(*file.value(), 512);
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t.value().find("<|start|>"), 512u - 21 + 8);  // specials fill the last 21 ids
  EXPECT_EQ(t.value().eos(), t.value().find("<|return|>"));
  const auto ids = encode(t.value(), " the answer");
  EXPECT_EQ(ids.size(), 2u);  // whole words are tokens
  EXPECT_EQ(decode(t.value(), ids), " the answer");
}

// The same vocabulary as GGUF keys and as a Hugging Face tokenizer.json gives the same ids.
TEST(Tokenizer, a_hugging_face_tokenizer_json_matches_the_gguf_one) {
  const Vocabulary v = text::synthetic_vocabulary(1024);
  const Tokenizer from_gguf = make(v);
  for (bool pairs : {false, true}) {
    const std::string dir = ::testing::TempDir() + "ossvk_hf_tokenizer_" + std::to_string(pairs);
    write_hf_tokenizer(v, dir, pairs);
    auto read = text::read_hf_tokenizer(dir);
    ASSERT_TRUE(read.ok()) << read.status().message();
    EXPECT_EQ(read.value().eos, v.eos);
    const Tokenizer from_json = make(std::move(read).value(), 1024);
    for (const char* s : {"<|start|>user<|message|>Hello world, the answer is 42!<|end|>",
                          "  tabs\t\tand 日本語 \xF0\x9F\x98\x80 ... (x);\n\n", "[PAD1002]"})
      for (bool special : {false, true})
        EXPECT_EQ(encode(from_json, s, special), encode(from_gguf, s, special)) << s;
    EXPECT_EQ(from_json.find("[PAD1002]"), 1002u);  // ids nothing names are padding
  }
}

TEST(Tokenizer, broken_tokenizer_json_is_named) {
  auto error = [](const std::string& text) {
    auto v = text::vocabulary_from_hf_json(text, "t.json");
    return v.ok() ? std::string() : v.status().message();
  };
  EXPECT_NE(error("{").find("t.json: is not a JSON object"), std::string::npos);
  EXPECT_NE(error(R"({"model": {"type": "Unigram"}})").find("model.type is not \"BPE\""),
            std::string::npos);
  // Found by fuzzing: a key of the wrong type must read as wrong, not throw.
  EXPECT_NE(error(R"({"model": {"type": 0}})").find("model.type is not \"BPE\""),
            std::string::npos);
  EXPECT_NE(error(R"({"model": {"type": "BPE", "vocab": {"a": 0}}, "pre_tokenizer": {"type": 1}})")
                .find("no Split regex"),
            std::string::npos);
  EXPECT_TRUE(error(R"({"model": {"type": "BPE", "vocab": {"a": 0}}, "added_tokens": [{"id": 1,
      "content": "<|x|>", "special": "yes"}], "pre_tokenizer": {"type": "Split", "pattern":
      {"Regex": "a"}}})")
                  .empty());
  EXPECT_NE(error(R"({"model": {"type": "BPE", "vocab": {"a": -1}}})").find("'a' has no valid id"),
            std::string::npos);
  EXPECT_NE(error(R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 0}}})").find("reuses id 0"),
            std::string::npos);
  EXPECT_NE(
      error(R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [3]}})").find("neither"),
      std::string::npos);
  EXPECT_NE(error(R"({"model": {"type": "BPE", "vocab": {"a": 0}}})").find("no Split regex"),
            std::string::npos);
  auto missing = text::read_hf_tokenizer("/nonexistent/folder");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("no tokenizer.json"), std::string::npos);
}

TEST(Tokenizer, utf8_validity) {
  using text::first_invalid_utf8;
  EXPECT_EQ(first_invalid_utf8("plain, 日本語, \xF0\x9F\x98\x80, \xF4\x8F\xBF\xBF"), std::nullopt);
  EXPECT_EQ(first_invalid_utf8("ab\xFF"), 2u);
  EXPECT_EQ(first_invalid_utf8("a\xC0\x80"), 1u);         // overlong NUL
  EXPECT_EQ(first_invalid_utf8("\xE0\x80\x80"), 0u);      // overlong
  EXPECT_EQ(first_invalid_utf8("x\xED\xA0\x80"), 1u);     // a surrogate
  EXPECT_EQ(first_invalid_utf8("\xF4\x90\x80\x80"), 0u);  // beyond U+10FFFF
  EXPECT_EQ(first_invalid_utf8("ok\xE6\x97"), 2u);        // cut short
  EXPECT_EQ(first_invalid_utf8("\x80"), 0u);              // a lone continuation byte
}

}  // namespace
}  // namespace ossvk::testing
