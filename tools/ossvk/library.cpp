#include "ossvk/library.h"

#include <dlfcn.h>
#include <limits.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

namespace ossvk_cli {

std::string executable_dir() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return ".";
  std::string path(buf, static_cast<size_t>(n));
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

const ossvk_api* load_library(std::string& error) {
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("OSSVK_LIBRARY"); env && *env) candidates.push_back(env);
  candidates.push_back(executable_dir() + "/../lib/libossvk.so");
  candidates.push_back("libossvk.so.0");
  error.clear();
  for (const auto& path : candidates) {
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      error += "\n  " + path + ": " + dlerror();
      continue;
    }
    using GetApi = const ossvk_api* (*)(uint32_t);
    auto get_api = reinterpret_cast<GetApi>(dlsym(handle, "ossvk_get_api"));
    const ossvk_api* api = get_api ? get_api(OSSVK_ABI_VERSION) : nullptr;
    if (api) return api;
    error += "\n  " + path + ": does not provide ABI version " + std::to_string(OSSVK_ABI_VERSION);
    dlclose(handle);
  }
  error = "cannot load libossvk:" + error;
  return nullptr;
}

}  // namespace ossvk_cli
