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
  kernels_[kernel].push_back(ns);
}

std::string KernelProfile::report() const {
  std::lock_guard lock(mutex_);
  if (kernels_.empty()) return {};
  struct Row {
    std::string name;
    size_t calls;
    double ns, median_ns;
  };
  std::vector<Row> rows;
  double total = 0;
  for (const auto& [name, samples] : kernels_) {
    std::vector<double> sorted = samples;
    std::sort(sorted.begin(), sorted.end());
    double ns = 0;
    for (double v : sorted) ns += v;
    const size_t n = sorted.size();
    rows.push_back({name, n, ns, (sorted[(n - 1) / 2] + sorted[n / 2]) / 2});
    total += ns;
  }
  std::sort(rows.begin(), rows.end(), [](auto& a, auto& b) { return a.ns > b.ns; });
  std::string out =
      "kernel                                calls   total ms    mean us  median us   share\n";
  char line[192];
  for (const Row& r : rows) {
    std::snprintf(line, sizeof line, "%-36s %6zu %10.3f %10.2f %10.2f %6.1f%%\n", r.name.c_str(),
                  r.calls, r.ns * 1e-6, r.ns * 1e-3 / r.calls, r.median_ns * 1e-3,
                  100.0 * r.ns / total);
    out += line;
  }
  return out;
}

}  // namespace ossvk::host
