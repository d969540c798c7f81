// UTF-8 validity as Unicode defines it: no overlong forms, no surrogates, nothing past U+10FFFF.
#pragma once
#include <cstddef>
#include <optional>
#include <string_view>

namespace ossvk::text {

// The offset of the first byte that does not start a valid sequence, or nullopt when `s` is
// valid UTF-8.
std::optional<size_t> first_invalid_utf8(std::string_view s);

}  // namespace ossvk::text
