// f32_attention (f32_attention_mma for prefill on tile products) at gpt-oss shapes (64 query heads
// over 8 KV heads of 64): decode over a filled cache (GB/s over the K/V bytes read) and causal
// prefill (GFLOP/s), verified first.
#include "bench_case.h"

#include <cmath>

#include "backend/kernels/attention.h"
#include "backend/kernels/rope_kv_write.h"
#include "reference/attention.h"
#include "testdata/weights.h"

namespace ossvk::bench {
namespace {

// One attention step over `context` positions of which the last `tokens` are the queries: the
// cache is filled with random K/V directly, q is random (already rotated and scaled).
CaseResult run(host::Device& device, host::Transfer& transfer, uint32_t context, uint32_t tokens,
               int runs, CaseResult r) {
  const AttentionDims dims;  // 64/8 heads x 64, full causal
  const uint32_t d = dims.head_dim, q_width = dims.heads * d, kv_width = dims.kv_heads * d;
  const uint32_t first = context - tokens;
  auto fail = [&](const host::Status& s) {
    r.error = s.to_string();
    return r;
  };
  double pairs = 0;  // (query, key) pairs
  for (uint32_t t = 0; t < tokens; ++t) pairs += first + t + 1;
  r.flops = pairs * dims.heads * d * 4.0;                               // q.k and p.v
  r.bytes = 2.0 * context * kv_width * 4 + 2.0 * tokens * q_width * 4;  // K, V once; q and out

  testing::Rng rng(context + tokens);
  auto k = testing::random_vector(uint64_t{context} * kv_width, testing::Data::realistic, rng);
  auto v = testing::random_vector(uint64_t{context} * kv_width, testing::Data::realistic, rng);
  auto q = testing::random_vector(uint64_t{tokens} * q_width, testing::Data::realistic, rng);
  for (auto& x : q) x *= 0.125f;
  std::vector<float> sinks(dims.heads, 0.5f);

  auto cache = create_kv_cache(device, dims, context, tokens, false);
  if (!cache.ok()) return fail(cache.status());
  auto alloc = [&](uint64_t bytes) {
    return device.allocator().allocate(std::max<uint64_t>(bytes, 16), host::MemoryUse::device);
  };
  auto qb = alloc(q.size() * 4), ob = alloc(q.size() * 4), sb = alloc(sinks.size() * 4),
       scratch = alloc(attention_scratch_bytes(dims, tokens, context - 1));
  for (auto* b : {&qb, &ob, &sb, &scratch})
    if (!b->ok()) return fail(b->status());
  for (auto [buf, data] : {std::pair{&cache.value().k, &k},
                           {&cache.value().v, &v},
                           {&qb.value(), &q},
                           {&sb.value(), &sinks}})
    if (auto s = transfer.upload(*buf, 0, data->data(), data->size() * 4); !s.ok()) return fail(s);

  auto encode = [&](host::CommandStream& cs, int) {
    return encode_attention(device, cs, qb.value(), tokens, first, dims, cache.value(), sb.value(),
                            ob.value(), &scratch.value());
  };
  auto once = time_gpu(device, 1, encode);
  if (!once.ok()) return fail(once.status());
  std::vector<float> out(q.size());
  if (auto s = transfer.download(ob.value(), 0, out.data(), out.size() * 4); !s.ok())
    return fail(s);
  // Verify the last query token against the reference.
  // The kernel takes q already scaled by 1/sqrt(d); the reference scales the logits itself.
  std::vector<double> qd(q.end() - q_width, q.end()), kd(k.begin(), k.end()),
      vd(v.begin(), v.end());
  for (auto& x : qd) x *= 8.0;
  const double rounding =
      attention_on_tiles(device, dims, tokens) ? testing::kMmaOperandRounding : 0.0;
  auto ref = reference::attention({dims.heads, dims.kv_heads, d, 0}, qd, 1, context - 1, kd, vd,
                                  sinks, 0.0, {}, rounding);
  for (uint32_t i = 0; i < q_width; ++i)
    note_error(r, std::fabs(out[out.size() - q_width + i] - ref.out[i]) / ref.bound[i]);
  return verify_and_time(r, device, runs, encode);
}

// `kind` and the token count lead the shape: "decode t=1 ctx=128".
Case attention_case(host::Device& device, host::Transfer& transfer, const char* kind,
                    uint32_t context, uint32_t tokens, int runs) {
  return {attention_kernel(device, AttentionDims{}, tokens, false),
          std::string(kind) + " t=" + std::to_string(tokens) + " ctx=" + std::to_string(context),
          [&device, &transfer, context, tokens, runs](CaseResult r) {
            return run(device, transfer, context, tokens, runs, std::move(r));
          }};
}

std::vector<Case> attention_cases(const CaseOptions& o) {
  if (o.m) return {};
  std::vector<Case> cases;
  for (uint32_t context : {128u, 4096u, 32768u})
    cases.push_back(attention_case(o.device, o.transfer, "decode", context, 1, o.runs));
  // Prefill as a session runs it: steps of max_step_tokens (512), the first over an empty cache
  // and the last of a 4096-token prompt over the 3584 positions before it (15x the pairs).
  for (uint32_t context : {512u, 4096u})
    cases.push_back(attention_case(o.device, o.transfer, "prefill", context, 512,
                                   context > 512 ? 1 : o.prefill_runs));
  return cases;
}
const RegisterCases registered(20, attention_cases);

}  // namespace
}  // namespace ossvk::bench
