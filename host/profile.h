// Per-kernel GPU time, for finding where a step spends it (OSSVK_PROFILE=1). Every command stream
// of a profiled device writes a timestamp after each dispatch; the time since the previous one
// (the dispatch, and the barrier wait before it) is charged to the dispatch's kernel.
#pragma once
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace ossvk::host {

class KernelProfile {
 public:
  // Whether OSSVK_PROFILE asks for profiling (set and not "0").
  static bool requested();
  void add(const std::string& kernel, double ns);
  // A table of kernels by total time: calls, total ms, mean and median microseconds, share; empty
  // if none. The median leaves out a first call's one-off costs (lavapipe compiles a pipeline's
  // code when it first runs).
  std::string report() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::vector<double>> kernels_;  // ns of every call
};

}  // namespace ossvk::host
