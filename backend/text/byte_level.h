// Byte-level BPE text (GPT-2, o200k): every byte is written as one printable Unicode character,
// so a vocabulary of strings covers arbitrary bytes. Printable Latin-1 bytes stand for
// themselves; the other 68 (controls, space, DEL, NBSP, soft hyphen) map in byte order to
// U+0100 onwards, so the space byte is 'Ġ' (U+0120).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ossvk::text {

// The character that stands for `byte`, as UTF-8.
std::string_view byte_char(uint8_t byte);
// `bytes` written as byte-level characters.
std::string bytes_to_chars(std::string_view bytes);
// The bytes that byte-level `chars` stand for; nullopt if it holds a character that stands for
// no byte or is not valid UTF-8.
std::optional<std::string> chars_to_bytes(std::string_view chars);

}  // namespace ossvk::text
