// o200k_encode: the tokenizer's encoding speed (tokens/s, MB/s) on about 1 MB of mixed text
// (prose in a dozen scripts, code, JSON, tables, numbers, emoji, odd white space), against the
// same tokenizer splitting with PCRE2 instead of the scanner; the ids of both must agree.
#include "bench_case.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>

#include "backend/loader/gguf.h"
#include "backend/text/synthetic_vocabulary.h"
#include "backend/text/tokenizer.h"

namespace ossvk::bench {

extern const unsigned char kMixedText[];  // generated from data/mixed_text.txt
extern const size_t kMixedTextBytes;

namespace {

constexpr size_t kTextBytes = 1 << 20;

host::Result<std::string> bench_text(const std::string& file) {
  if (file.empty()) {
    const std::string sample(reinterpret_cast<const char*>(kMixedText), kMixedTextBytes);
    std::string text;
    while (text.size() < kTextBytes) text += sample;
    return text;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return host::Status::error(file + ": cannot open");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The vocabulary of `file`, or the synthetic one.
host::Result<text::Vocabulary> vocabulary_of(const std::string& file) {
  if (file.empty()) return text::synthetic_vocabulary(201088);
  OSSVK_ASSIGN_OR_RETURN(auto gguf, GgufFile::open(file));
  return text::vocabulary_from_gguf(*gguf);
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

CaseResult run(const std::string& vocabulary, const std::string& file, int runs, CaseResult r) {
  auto fail = [&](const host::Status& s) {
    r.error = s.message();
    return r;
  };
  auto text = bench_text(file);
  if (!text.ok()) return fail(text.status());
  auto v = vocabulary_of(vocabulary);
  if (!v.ok()) return fail(v.status());
  text::Vocabulary with_pcre2 = v.value();
  with_pcre2.pattern = "(?:" + std::string(text::kO200kPattern) + ")";
  with_pcre2.pre = "o200k on PCRE2";
  const uint32_t size = std::max<uint32_t>(201088, static_cast<uint32_t>(v.value().tokens.size()));
  auto scanner = text::Tokenizer::create(std::move(v).value(), size, "bench");
  if (!scanner.ok()) return fail(scanner.status());
  auto pcre2 = text::Tokenizer::create(std::move(with_pcre2), size, "bench");
  if (!pcre2.ok()) return fail(pcre2.status());

  r.bytes = static_cast<double>(text.value().size());
  auto t0 = std::chrono::steady_clock::now();
  auto want = pcre2.value().encode(text.value(), false);
  r.cpu_reference_ms = ms_since(t0);
  if (!want.ok()) return fail(want.status());
  std::vector<uint32_t> got;
  for (int i = 0; i < runs; ++i) {
    t0 = std::chrono::steady_clock::now();
    auto ids = scanner.value().encode(text.value(), false);
    r.gpu_ms.push_back(ms_since(t0));
    if (!ids.ok()) return fail(ids.status());
    got = std::move(ids).value();
  }
  r.tokens = static_cast<double>(got.size());
  // Tokenization is exact: any difference from the PCRE2 split fails (error 2 > the bound 1).
  note_error(r, got == want.value() ? 0.0 : 2.0);
  r.verified = r.max_error <= 1.0;
  return r;
}

Case tokenizer_case(const std::string& vocabulary, const std::string& text, int runs) {
  const std::string shape = text.empty() ? "1MiB mixed" : "file";
  return {"o200k_encode", shape, [vocabulary, text, runs](CaseResult r) {
            return run(vocabulary, text, runs, std::move(r));
          }};
}

std::vector<Case> tokenizer_cases(const CaseOptions& o) {
  if (o.m) return {};
  return {tokenizer_case(o.tokenizer, o.text, std::min(o.runs, 5))};
}
const RegisterCases registered(50, tokenizer_cases);

}  // namespace
}  // namespace ossvk::bench
