// Per-kernel GPU time, for finding where a step spends it (OSSVK_PROFILE=1). Every command stream
// of a profiled device writes a timestamp after each dispatch; the time since the previous one
// (the dispatch, and the barrier wait before it) is charged to the dispatch's kernel.
#pragma once
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace ossvk::host {

class KernelProfile {
 public:
  // Whether OSSVK_PROFILE asks for profiling (set and not "0").
  static bool requested();
  void add(const std::string& kernel, double ns);
  // A table of kernels by total time: calls, total ms, mean microseconds, share; empty if none.
  std::string report() const;

 private:
  struct Entry {
    uint64_t calls = 0;
    double ns = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::string, Entry> kernels_;
};

}  // namespace ossvk::host
