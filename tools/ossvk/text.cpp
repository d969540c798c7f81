#include "ossvk/text.h"

#include <utility>

namespace ossvk_cli {

bool ModelText::encode(std::string_view text, uint32_t flags, std::vector<uint32_t>& out,
                       std::string& error) const {
  uint32_t n = 0;
  if (api_.tokenize(model_, text.data(), text.size(), flags, nullptr, 0, &n) != OSSVK_OK) {
    error = api_.last_error();
    return false;
  }
  const size_t at = out.size();
  out.resize(at + n);
  if (api_.tokenize(model_, text.data(), text.size(), flags, out.data() + at, n, &n) != OSSVK_OK) {
    error = api_.last_error();
    out.resize(at);
    return false;
  }
  return true;
}

bool ModelText::decode(std::span<const uint32_t> ids, std::string& out, std::string& error) const {
  uint64_t n = 0;
  if (api_.detokenize(model_, ids.data(), static_cast<uint32_t>(ids.size()), nullptr, 0, &n) !=
      OSSVK_OK) {
    error = api_.last_error();
    return false;
  }
  const size_t at = out.size();
  out.resize(at + n);
  if (api_.detokenize(model_, ids.data(), static_cast<uint32_t>(ids.size()), out.data() + at, n,
                      &n) != OSSVK_OK) {
    error = api_.last_error();
    out.resize(at);
    return false;
  }
  return true;
}

std::optional<uint32_t> ModelText::find(const char* token) const {
  uint32_t id = 0;
  if (api_.token_find(model_, token, &id) != OSSVK_OK) return std::nullopt;
  return id;
}

std::string Utf8Stream::push(std::string_view bytes) {
  held_ += bytes;
  // Look back at most 3 bytes for the lead byte of a character that needs more than is there.
  size_t keep = 0;
  for (size_t back = 1; back <= 3 && back <= held_.size(); ++back) {
    const auto b = static_cast<unsigned char>(held_[held_.size() - back]);
    if ((b & 0xC0) == 0x80) continue;  // a continuation byte: keep looking
    const size_t need = b >= 0xF5 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC2 ? 2 : 1;
    if (need > back) keep = back;
    break;
  }
  std::string out = held_.substr(0, held_.size() - keep);
  held_.erase(0, held_.size() - keep);
  return out;
}

std::string Utf8Stream::flush() {
  return std::exchange(held_, {});
}

}  // namespace ossvk_cli
