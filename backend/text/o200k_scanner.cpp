#include "backend/text/o200k_scanner.h"

#include <array>
#include <cstdint>

#include "backend/text/unicode_classes.h"

namespace ossvk::text {
namespace {

// Decodes one UTF-8 character at `p` (RFC 3629: no overlong forms, surrogates or code points
// past U+10FFFF); its length, or 0 where the byte starts no valid character.
size_t decode(const unsigned char* p, size_t left, char32_t* c) {
  const unsigned b = p[0];
  if (b < 0x80) {
    *c = b;
    return 1;
  }
  auto cont = [&](size_t i) { return i < left && (p[i] & 0xC0) == 0x80; };
  if (b >= 0xC2 && b <= 0xDF && cont(1)) {
    *c = (b & 0x1F) << 6 | (p[1] & 0x3F);
    return 2;
  }
  if (b >= 0xE0 && b <= 0xEF && cont(1) && cont(2)) {
    *c = (b & 0x0F) << 12 | (p[1] & 0x3F) << 6 | (p[2] & 0x3F);
    return *c >= 0x800 && (*c < 0xD800 || *c > 0xDFFF) ? 3 : 0;
  }
  if (b >= 0xF0 && b <= 0xF4 && cont(1) && cont(2) && cont(3)) {
    *c = (b & 0x07) << 18 | (p[1] & 0x3F) << 12 | (p[2] & 0x3F) << 6 | (p[3] & 0x3F);
    return *c >= 0x10000 && *c <= 0x10FFFF ? 4 : 0;
  }
  return 0;
}

// A character at a byte offset: its class, code point and length; length 0 where the bytes start
// no valid character, which ends every run as the end of the text does.
struct Char {
  CharClass cls;
  char32_t cp;
  size_t len;
};

// The pattern's alternatives over the text, each from a byte offset; each returns the end of its
// match, or 0 for none (a match is never empty, so an end is always past its start). Runs are
// walked forward once: where the pattern would backtrack, the position it would settle on is
// remembered on the way.
class Scanner {
 public:
  explicit Scanner(std::string_view text)
      : bytes_(reinterpret_cast<const unsigned char*>(text.data())), n_(text.size()) {}

  Char at(size_t i) const {
    if (i >= n_) return {CharClass::other, 0, 0};
    if (bytes_[i] < 0x80) return {kAscii[bytes_[i]], bytes_[i], 1};
    Char c{CharClass::other, 0, 0};
    c.len = decode(bytes_ + i, n_ - i, &c.cp);
    if (c.len) c.cls = char_class(c.cp);
    return c;
  }

  size_t match(size_t p) const {
    size_t end = words_lower_last(p);
    if (!end) end = words_upper_last(p);
    if (!end) end = digits(p);
    if (!end) end = punctuation(p);
    if (!end) end = spaces(p);
    return end;
  }

 private:
  static bool crlf(const Char& c) { return c.cp == '\r' || c.cp == '\n'; }
  // [^\r\n\p{L}\p{N}]
  static bool prefix(const Char& c) {
    return c.len &&
           (c.cls == CharClass::other || c.cls == CharClass::mark || c.cls == CharClass::space) &&
           !crlf(c);
  }
  // [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]
  static bool upperish(const Char& c) {
    return c.len && (c.cls == CharClass::upper || c.cls == CharClass::other_letter ||
                     c.cls == CharClass::mark);
  }
  // [\p{Ll}\p{Lm}\p{Lo}\p{M}]
  static bool lowerish(const Char& c) {
    return c.len && (c.cls == CharClass::lower || c.cls == CharClass::other_letter ||
                     c.cls == CharClass::mark);
  }
  // [^\s\p{L}\p{N}]
  static bool symbol(const Char& c) {
    return c.len && (c.cls == CharClass::other || c.cls == CharClass::mark);
  }

  size_t lowerish_end(size_t i) const {
    for (Char c = at(i); lowerish(c); c = at(i)) i += c.len;
    return i;
  }

  // (?i:'s|'t|'re|'ve|'m|'ll|'d)? at i: the bytes it takes. Case folding as the reference's
  // engine does it: ASCII case, and U+017F (long s) folds to s.
  size_t contraction(size_t i) const {
    if (i >= n_ || bytes_[i] != '\'') return 0;
    for (const char* alt : {"s", "t", "re", "ve", "m", "ll", "d"}) {
      size_t k = i + 1;
      const char* l = alt;
      for (; *l; ++l) {
        const Char c = at(k);
        if (!(c.cp == char32_t(*l) || c.cp == char32_t(*l - 'a' + 'A') ||
              (*l == 's' && c.cp == 0x17F)))
          break;
        k += c.len;
      }
      if (!*l) return k - i;
    }
    return 0;
  }

  // Where the optional [^\r\n\p{L}\p{N}] of alternatives 1 and 2 leaves the match, taking it
  // first (`take`), as the greedy engine does.
  size_t after_prefix(size_t p, bool take, bool& skip) const {
    skip = false;
    if (!take) return p;
    const Char c = at(p);
    skip = !prefix(c);
    return p + c.len;
  }

  // 1: an optional prefix, upper-ish letters, then at least one lower-ish letter. The upper-ish
  // run gives characters back until a lower-ish one can start: the character after the run if it
  // is one, else the run's last character that is in both sets.
  size_t words_lower_last(size_t p) const {
    for (const bool take : {true, false}) {
      bool skip;
      size_t i = after_prefix(p, take, skip);
      if (skip) continue;
      size_t both_end = 0;  // just past the run's last Lm/Lo/M
      Char c = at(i);
      for (; upperish(c); c = at(i)) {
        i += c.len;
        if (c.cls != CharClass::upper) both_end = i;
      }
      const size_t e = lowerish(c) ? lowerish_end(i) : both_end;
      if (e) return e + contraction(e);
    }
    return 0;
  }

  // 2: an optional prefix, at least one upper-ish letter, then lower-ish ones.
  size_t words_upper_last(size_t p) const {
    for (const bool take : {true, false}) {
      bool skip;
      const size_t q = after_prefix(p, take, skip);
      if (skip) continue;
      size_t i = q;
      for (Char c = at(i); upperish(c); c = at(i)) i += c.len;
      if (i == q) continue;
      const size_t e = lowerish_end(i);
      return e + contraction(e);
    }
    return 0;
  }

  // 3: one to three digits.
  size_t digits(size_t p) const {
    size_t i = p;
    for (int k = 0; k < 3; ++k) {
      const Char c = at(i);
      if (!c.len || c.cls != CharClass::number) break;
      i += c.len;
    }
    return i > p ? i : 0;
  }

  // 4: an optional space, symbols, then newlines and slashes.
  size_t punctuation(size_t p) const {
    size_t i = p;
    if (bytes_[p] == ' ' && symbol(at(p + 1))) ++i;
    Char c = at(i);
    if (!symbol(c)) return 0;
    for (; symbol(c); c = at(i)) i += c.len;
    while (i < n_ && (bytes_[i] == '\r' || bytes_[i] == '\n' || bytes_[i] == '/')) ++i;
    return i;
  }

  // 5, 6 and 7 over one run of white space: through its last newline (\s*[\r\n]+); else all of
  // it where no non-space follows (the end of the text, or bytes that are not UTF-8), or all but
  // its last character where that leaves at least one (\s+(?!\S)); else all of it (\s+).
  size_t spaces(size_t p) const {
    size_t i = p, newline_end = 0, last = p;
    Char c = at(i);
    for (; c.len && c.cls == CharClass::space; c = at(i)) {
      last = i;
      i += c.len;
      if (crlf(c)) newline_end = i;
    }
    if (i == p) return 0;
    if (newline_end) return newline_end;
    if (!c.len) return i;
    return last > p ? last : i;
  }

  static constexpr auto kAscii = [] {
    std::array<CharClass, 128> t{};
    for (int c = 0; c < 128; ++c)
      t[c] = c >= 'A' && c <= 'Z'                   ? CharClass::upper
             : c >= 'a' && c <= 'z'                 ? CharClass::lower
             : c >= '0' && c <= '9'                 ? CharClass::number
             : (c >= '\t' && c <= '\r') || c == ' ' ? CharClass::space
                                                    : CharClass::other;
    return t;
  }();

  const unsigned char* bytes_;
  size_t n_;
};

}  // namespace

void o200k_split(std::string_view text, const std::function<bool(std::string_view)>& piece) {
  const Scanner scan(text);
  for (size_t p = 0; p < text.size();) {
    size_t end = p;
    if (scan.at(p).len) {
      end = scan.match(p);
      if (!end) end = p + scan.at(p).len;  // every character matches an alternative; for safety
    } else {
      while (end < text.size() && !scan.at(end).len) ++end;  // bytes that start no character
    }
    if (!piece(text.substr(p, end - p))) return;
    p = end;
  }
}

}  // namespace ossvk::text
