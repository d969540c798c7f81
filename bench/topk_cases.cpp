// f32_topk over a row of GPT-OSS's 201,088 logits (the unembedding's output at decode), verified
// against the host sampler's ordering, beside the host's time to pick the same candidates.
#include "bench_case.h"

#include <algorithm>
#include <chrono>

#include "backend/kernels/topk.h"
#include "backend/model/sampler.h"
#include "testdata/weights.h"

namespace ossvk::bench {
namespace {

CaseResult run_topk(host::Device& device, host::Transfer& transfer, uint32_t n, int runs,
                    CaseResult r) {
  r.bytes = n * 4.0;  // the row, read once by the first pass
  auto fail = [&](const host::Status& s) {
    r.error = s.to_string();
    return r;
  };
  testing::Rng rng(n);
  const std::vector<float> row = testing::random_vector(n, testing::Data::realistic, rng);
  auto logits = device.allocator().allocate(uint64_t{n} * 4, host::MemoryUse::device);
  if (!logits.ok()) return fail(logits.status());
  if (auto s = transfer.upload(logits.value(), 0, row.data(), uint64_t{n} * 4); !s.ok())
    return fail(s);
  auto scratch = create_topk_scratch(device, n);
  if (!scratch.ok()) return fail(scratch.status());
  const host::Buffer* keys = nullptr;
  auto encode = [&](host::CommandStream& cs, int) {
    return encode_topk(device, cs, logits.value(), n, scratch.value(), keys);
  };
  auto once = time_gpu(device, 1, encode);
  if (!once.ok()) return fail(once.status());
  std::vector<uint32_t> words(kTopkCandidates * 2);
  if (auto s = transfer.download(*keys, 0, words.data(), words.size() * 4); !s.ok()) return fail(s);
  const std::vector<Candidate> got = decode_topk(words);

  // The host's way: the sampler's own choice of the same candidates.
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<Candidate> want = best_candidates(row, kTopkCandidates);
  r.cpu_reference_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  // Selection is exact: any difference is a failure (error 2 > the bound of 1).
  note_error(r, got.size() == want.size() ? 0.0 : 2.0);
  for (size_t i = 0; i < std::min(want.size(), got.size()); ++i)
    note_error(r, got[i].id == want[i].id && got[i].logit == want[i].logit ? 0.0 : 2.0);
  return verify_and_time(r, device, runs, encode);
}

Case topk_case(host::Device& device, host::Transfer& transfer, uint32_t n, int runs) {
  return {"f32_topk", "n=" + std::to_string(n), [&device, &transfer, n, runs](CaseResult r) {
            return run_topk(device, transfer, n, runs, std::move(r));
          }};
}

std::vector<Case> topk_cases(const CaseOptions& o) {
  if (o.m) return {};
  return {topk_case(o.device, o.transfer, 201088, o.runs)};
}
const RegisterCases registered(40, topk_cases);

}  // namespace
}  // namespace ossvk::bench
