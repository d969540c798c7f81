// Loads libossvk.so as an engine does (dlopen, one entry point), for the tests of the C ABI.
#pragma once
#include <dlfcn.h>

#include "ossvk.h"

namespace ossvk_test {

// Under AddressSanitizer an instrumented library that is unloaded leaves exit-time handlers that
// call into unmapped code (a SEGV at process exit, after every test passed); the sanitized build
// keeps the library mapped. Normal builds unload it after every test, as an engine may.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OSSVK_TEST_ASAN 1
#endif
#endif
#ifdef OSSVK_TEST_ASAN
inline constexpr int kKeepLoaded = RTLD_NODELETE;
#else
inline constexpr int kKeepLoaded = 0;
#endif

// The library at OSSVK_LIBRARY_PATH, or null (dlerror() says why).
inline void* open_library() {
  return dlopen(OSSVK_LIBRARY_PATH, RTLD_NOW | RTLD_LOCAL | kKeepLoaded);
}

// Its function table for `version`, or null.
inline const ossvk_api* get_api(void* library, uint32_t version = OSSVK_ABI_VERSION) {
  auto get = reinterpret_cast<const ossvk_api* (*)(uint32_t)>(dlsym(library, "ossvk_get_api"));
  return get ? get(version) : nullptr;
}

}  // namespace ossvk_test
