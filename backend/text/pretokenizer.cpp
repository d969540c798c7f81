#define PCRE2_CODE_UNIT_WIDTH 8
#include "backend/text/pretokenizer.h"

#include <pcre2.h>

#include "backend/text/o200k_scanner.h"

namespace ossvk::text {

const char* const kO200kPattern =
    "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+"
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
    "|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*"
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
    "|\\p{N}{1,3}"
    "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*"
    "|\\s*[\\r\\n]+"
    "|\\s+(?!\\S)"
    "|\\s+";

namespace {

std::string pcre2_message(int code) {
  PCRE2_UCHAR buffer[256];
  pcre2_get_error_message(code, buffer, sizeof buffer);
  return reinterpret_cast<const char*>(buffer);
}

struct MatchData {
  pcre2_match_data* data;
  explicit MatchData(const pcre2_code* code)
      : data(pcre2_match_data_create_from_pattern(code, nullptr)) {}
  ~MatchData() { pcre2_match_data_free(data); }
  MatchData(const MatchData&) = delete;
  MatchData& operator=(const MatchData&) = delete;
};

}  // namespace

void Pretokenizer::Free::operator()(pcre2_code* code) const {
  pcre2_code_free(code);
}

host::Result<Pretokenizer> Pretokenizer::create(std::string_view name) {
  if (name != "gpt-4o")
    return host::Status::error("pre-tokenizer '" + std::string(name) +
                               "' is not supported (GPT-OSS uses 'gpt-4o')");
  Pretokenizer p;
  p.name_ = std::string(name);
  return p;
}

host::Result<Pretokenizer> Pretokenizer::from_pattern(std::string name, std::string_view pattern) {
  if (pattern == kO200kPattern) {
    Pretokenizer p;
    p.name_ = std::move(name);
    return p;
  }
  int error = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* code =
      pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                    PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &error, &offset, nullptr);
  if (!code)
    return host::Status::error("pre-tokenizer pattern: " + pcre2_message(error) + " at offset " +
                               std::to_string(offset));
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // where PCRE2 has no JIT it interprets
  Pretokenizer p;
  p.name_ = std::move(name);
  p.code_.reset(code);
  return p;
}

host::Status Pretokenizer::split(std::string_view text,
                                 const std::function<host::Status(std::string_view)>& piece) const {
  host::Status status;
  if (!code_) {
    o200k_split(text, [&](std::string_view p) {
      status = piece(p);
      return status.ok();
    });
    return status;
  }
  MatchData match(code_.get());
  if (!match.data) return host::Status::error("pre-tokenizer: out of memory");
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  size_t at = 0;
  while (at < text.size()) {
    const int rc = pcre2_match(code_.get(), subject, text.size(), at, 0, match.data, nullptr);
    if (rc == PCRE2_ERROR_NOMATCH) return piece(text.substr(at));
    if (rc < 0) return host::Status::error("pre-tokenizer: " + pcre2_message(rc));
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(match.data);
    if (ov[0] > at) OSSVK_RETURN_IF_ERROR(piece(text.substr(at, ov[0] - at)));  // not UTF-8
    if (ov[1] == ov[0])  // the pattern cannot match empty; never loop on it
      return host::Status::error("pre-tokenizer: empty match");
    OSSVK_RETURN_IF_ERROR(piece(text.substr(ov[0], ov[1] - ov[0])));
    at = ov[1];
  }
  return status;
}

host::Result<std::vector<std::string_view>> Pretokenizer::split(std::string_view text) const {
  std::vector<std::string_view> pieces;
  OSSVK_RETURN_IF_ERROR(split(text, [&](std::string_view p) {
    pieces.push_back(p);
    return host::Status();
  }));
  return pieces;
}

}  // namespace ossvk::text
