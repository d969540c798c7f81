// The C ABI's text functions (ossvk.h): the model file's tokenizer.
#include <cstring>

#include "backend/abi_common.h"
#include "backend/abi_handles.h"
#include "backend/text/utf8.h"

using namespace ossvk::abi;

namespace {

// The model's tokenizer, or a failure saying why it has none.
const ossvk::text::Tokenizer* tokenizer(const ossvk_model* m, const char* function,
                                        ossvk_status* status) {
  if (!m) {
    *status = fail(OSSVK_ERROR_INVALID_ARGUMENT, std::string(function) + ": null model");
    return nullptr;
  }
  if (!m->tokenizer) *status = fail(OSSVK_ERROR_UNSUPPORTED, m->tokenizer_error);
  return m->tokenizer ? &*m->tokenizer : nullptr;
}

}  // namespace

extern "C" {

OSSVK_API ossvk_status ossvk_tokenize(const ossvk_model* m, const char* text, uint64_t length,
                                      uint32_t flags, uint32_t* tokens, uint32_t capacity,
                                      uint32_t* count) {
  return guarded([&] {
    ossvk_status s = OSSVK_OK;
    const auto* t = tokenizer(m, "ossvk_tokenize", &s);
    if (!t) return s;
    if ((!text && length) || !count || (!tokens && capacity))
      return fail(OSSVK_ERROR_INVALID_ARGUMENT, "ossvk_tokenize: null argument");
    const std::string_view input(text ? text : "", length);
    if (flags & OSSVK_TOKENIZE_REQUIRE_UTF8)
      if (auto at = ossvk::text::first_invalid_utf8(input))
        return fail(OSSVK_ERROR_INVALID_ARGUMENT,
                    "the text is not valid UTF-8 (byte " + std::to_string(*at) + ")");
    auto ids = t->encode(input, flags & OSSVK_TOKENIZE_SPECIAL);
    if (!ids.ok()) return fail(ids.status());
    *count = static_cast<uint32_t>(ids.value().size());
    if (!ids.value().empty() &&
        ids.value().size() <= capacity)  // nothing to copy: tokens may be null
      std::memcpy(tokens, ids.value().data(), ids.value().size() * sizeof(uint32_t));
    return OSSVK_OK;
  });
}

OSSVK_API ossvk_status ossvk_detokenize(const ossvk_model* m, const uint32_t* tokens, uint32_t n,
                                        char* text, uint64_t capacity, uint64_t* length) {
  return guarded([&] {
    ossvk_status s = OSSVK_OK;
    const auto* t = tokenizer(m, "ossvk_detokenize", &s);
    if (!t) return s;
    if ((!tokens && n) || !length || (!text && capacity))
      return fail(OSSVK_ERROR_INVALID_ARGUMENT, "ossvk_detokenize: null argument");
    auto bytes = t->decode({tokens, n});
    if (!bytes.ok()) return fail(bytes.status());
    *length = bytes.value().size();
    if (!bytes.value().empty() && bytes.value().size() <= capacity)
      std::memcpy(text, bytes.value().data(), bytes.value().size());
    return OSSVK_OK;
  });
}

OSSVK_API ossvk_status ossvk_token_find(const ossvk_model* m, const char* text, uint32_t* token) {
  return guarded([&] {
    ossvk_status s = OSSVK_OK;
    const auto* t = tokenizer(m, "ossvk_token_find", &s);
    if (!t) return s;
    if (!text || !token)
      return fail(OSSVK_ERROR_INVALID_ARGUMENT, "ossvk_token_find: null argument");
    auto id = t->find(text);
    if (!id) return fail(OSSVK_ERROR_INVALID_ARGUMENT, std::string("no token is '") + text + "'");
    *token = *id;
    return OSSVK_OK;
  });
}

}  // extern "C"
