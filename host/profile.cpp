#include "host/profile.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace ossvk::host {

bool KernelProfile::requested() {
  const char* v = std::getenv("OSSVK_PROFILE");
  return v && *v && std::string(v) != "0";
}

void KernelProfile::add(const std::string& kernel, double ns) {
  std::lock_guard lock(mutex_);
  Entry& e = kernels_[kernel];
  ++e.calls;
  e.ns += ns;
}

std::string KernelProfile::report() const {
  std::lock_guard lock(mutex_);
  if (kernels_.empty()) return {};
  std::vector<std::pair<std::string, Entry>> rows(kernels_.begin(), kernels_.end());
  std::sort(rows.begin(), rows.end(), [](auto& a, auto& b) { return a.second.ns > b.second.ns; });
  double total = 0;
  for (auto& [name, e] : rows) total += e.ns;
  std::string out = "kernel                                calls   total ms    mean us   share\n";
  char line[160];
  for (auto& [name, e] : rows) {
    std::snprintf(line, sizeof line, "%-36s %6llu %10.3f %10.2f %6.1f%%\n", name.c_str(),
                  static_cast<unsigned long long>(e.calls), e.ns * 1e-6, e.ns * 1e-3 / e.calls,
                  100.0 * e.ns / total);
    out += line;
  }
  return out;
}

}  // namespace ossvk::host
