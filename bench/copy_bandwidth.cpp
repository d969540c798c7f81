#include "copy_bandwidth.h"

#include <numeric>
#include <vector>

#include "backend/kernels/copy.h"
#include "host/transfer.h"

namespace ossvk::bench {

CaseResult bench_copy_bandwidth(host::Device& device, host::Transfer& transfer, int runs) {
  CaseResult r;
  r.name = "f32_copy";
  // Larger than any last-level cache, small enough for one 256 MiB block of src and dst.
  const uint64_t bytes = 96ull << 20;
  r.shape = "96MiB";
  r.bytes = 2.0 * bytes;  // read once, written once
  auto fail = [&](const host::Status& s) {
    r.error = s.to_string();
    return r;
  };
  auto src = device.allocator().allocate(bytes, host::MemoryUse::device);
  if (!src.ok()) return fail(src.status());
  auto dst = device.allocator().allocate(bytes, host::MemoryUse::device);
  if (!dst.ok()) return fail(dst.status());

  std::vector<uint32_t> pattern(bytes / 4);
  std::iota(pattern.begin(), pattern.end(), 0u);
  if (auto s = transfer.upload(src.value(), 0, pattern.data(), bytes); !s.ok()) return fail(s);
  auto ms = time_gpu(device, runs, [&](host::CommandStream& cs, int) {
    return encode_f32_copy(device, cs, src.value(), dst.value(), bytes);
  });
  if (!ms.ok()) return fail(ms.status());
  r.gpu_ms = ms.value();

  std::vector<uint32_t> back(bytes / 4);
  if (auto s = transfer.download(dst.value(), 0, back.data(), bytes); !s.ok()) return fail(s);
  r.verified = back == pattern;
  r.max_error = r.verified ? 0 : 1e30;
  return r;
}

}  // namespace ossvk::bench
