#include "backend/text/byte_level.h"

#include <array>

namespace ossvk::text {
namespace {

bool printable(unsigned b) {
  return (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174;
}

struct Tables {
  std::array<std::string, 256> chars;       // byte -> UTF-8 of its character
  std::array<int16_t, 324> byte_of_code{};  // code point (< 0x144) -> byte, or -1
};

std::string utf8(uint32_t cp) {  // cp < 0x800 here
  if (cp < 0x80) return std::string(1, static_cast<char>(cp));
  return {static_cast<char>(0xC0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3F))};
}

const Tables& tables() {
  static const Tables t = [] {
    Tables t;
    t.byte_of_code.fill(-1);
    uint32_t next = 256;
    for (unsigned b = 0; b < 256; ++b) {
      const uint32_t cp = printable(b) ? b : next++;
      t.chars[b] = utf8(cp);
      t.byte_of_code[cp] = static_cast<int16_t>(b);
    }
    return t;
  }();
  return t;
}

}  // namespace

std::string_view byte_char(uint8_t byte) {
  return tables().chars[byte];
}

std::string bytes_to_chars(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) out += tables().chars[static_cast<uint8_t>(c)];
  return out;
}

std::optional<std::string> chars_to_bytes(std::string_view chars) {
  const Tables& t = tables();
  std::string out;
  out.reserve(chars.size());
  for (size_t i = 0; i < chars.size();) {
    const auto c0 = static_cast<uint8_t>(chars[i]);
    uint32_t cp;
    if (c0 < 0x80) {
      cp = c0;
      i += 1;
    } else if ((c0 & 0xE0) == 0xC0 && i + 1 < chars.size() &&
               (static_cast<uint8_t>(chars[i + 1]) & 0xC0) == 0x80) {
      cp = ((c0 & 0x1Fu) << 6) | (static_cast<uint8_t>(chars[i + 1]) & 0x3Fu);
      if (cp < 0x80) return std::nullopt;  // overlong
      i += 2;
    } else {
      return std::nullopt;  // every byte-level character is one or two UTF-8 bytes
    }
    if (cp >= t.byte_of_code.size() || t.byte_of_code[cp] < 0) return std::nullopt;
    out += static_cast<char>(t.byte_of_code[cp]);
  }
  return out;
}

}  // namespace ossvk::text
