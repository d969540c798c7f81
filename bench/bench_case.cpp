#include "bench_case.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace ossvk::bench {
namespace {

std::vector<std::pair<int, CaseFamily>>& families() {
  static std::vector<std::pair<int, CaseFamily>> registered;
  return registered;
}

}  // namespace

RegisterCases::RegisterCases(int order, CaseFamily family) {
  families().emplace_back(order, family);
}

std::vector<Case> registered_cases(const CaseOptions& options) {
  auto sorted = families();
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Case> cases;
  for (const auto& [order, family] : sorted)
    for (Case& c : family(options)) cases.push_back(std::move(c));
  return cases;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

void note_error(CaseResult& r, double error_over_bound) {
  r.max_error = std::max(r.max_error, std::isnan(error_over_bound) ? 1e30 : error_over_bound);
}

namespace {

// GPUs lower their clocks while the CPU reference runs (an H100 idles at 345 MHz against 1980):
// timed straight after it, the same MoE decode layer measured 140 us a kernel where the whole
// model spends 48. Keep the device busy with the case for 100 ms first, in batches doubling from
// one repetition (on a CPU device one repetition usually outlasts that).
host::Status warm_up(host::Device& device,
                     const std::function<host::Status(host::CommandStream&, int)>& encode) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  for (int batch = 1; clock::now() - start < std::chrono::milliseconds(100);
       batch = std::min(batch * 2, 1024)) {
    OSSVK_RETURN_IF_ERROR(time_gpu(device, batch, encode).status());
  }
  return {};
}

}  // namespace

CaseResult& verify_and_time(CaseResult& r, host::Device& device, int runs,
                            const std::function<host::Status(host::CommandStream&, int)>& encode) {
  r.verified = r.max_error <= 1.0;
  if (auto s = warm_up(device, encode); !s.ok()) {
    r.error = s.to_string();
    return r;
  }
  auto ms = time_gpu(device, runs, encode);
  if (ms.ok())
    r.gpu_ms = std::move(ms).value();
  else
    r.error = ms.status().to_string();
  return r;
}

host::Result<std::vector<double>> time_gpu(
    host::Device& device, int runs,
    const std::function<host::Status(host::CommandStream&, int)>& encode) {
  OSSVK_ASSIGN_OR_RETURN(auto stream,
                         host::CommandStream::create(device, static_cast<uint32_t>(runs + 1)));
  OSSVK_RETURN_IF_ERROR(stream->begin());
  stream->timestamp();
  for (int i = 0; i < runs; ++i) {
    OSSVK_RETURN_IF_ERROR(encode(*stream, i));
    stream->barrier();
    if (!stream->timestamp()) return host::Status::error("the device's queue has no timestamps");
  }
  OSSVK_RETURN_IF_ERROR(stream->submit_and_wait());
  OSSVK_ASSIGN_OR_RETURN(auto ns, stream->timestamps_ns());
  std::vector<double> ms;
  for (size_t i = 1; i < ns.size(); ++i) ms.push_back((ns[i] - ns[i - 1]) * 1e-6);
  return ms;
}

}  // namespace ossvk::bench
