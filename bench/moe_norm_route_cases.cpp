// f32_bf16w_moe_norm_route, decode's routing in one dispatch, at gpt-oss shapes (hidden 2880, a
// BF16 router of 32 or 128 experts, k = 4), one token and a batch's eight, verified against the
// reference's choice and weights. GB/s over the router, the rows read and the normalised rows
// written.
#include "bench_case.h"

#include <chrono>
#include <cmath>

#include "backend/kernels/matvec.h"
#include "backend/kernels/moe_norm_route.h"
#include "reference/moe.h"
#include "testdata/weights.h"

namespace ossvk::bench {
namespace {

CaseResult run_norm_route(host::Device& device, host::Transfer& transfer, uint32_t experts,
                          uint32_t tokens, int runs, CaseResult r) {
  const uint32_t E = experts, D = 2880, F = 32, K = 4;  // F: the experts, which it never reads
  auto fail = [&](const host::Status& s) {
    r.error = s.to_string();
    return r;
  };
  testing::Rng rng(E * 3 + tokens);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  auto floats = [&](uint64_t n, float scale, float shift) {
    std::vector<float> v(n);
    for (auto& f : v) f = dist(rng) * scale + shift;
    return v;
  };
  auto router = testing::random_matrix(TensorFormat::bf16, E, D, testing::Data::realistic, rng);
  auto gate =
      testing::random_matrix(TensorFormat::f32, uint64_t{E} * F, D, testing::Data::realistic, rng);
  auto down =
      testing::random_matrix(TensorFormat::f32, uint64_t{E} * D, F, testing::Data::realistic, rng);
  reference::MoeWeights w;
  w.experts = E, w.hidden = D, w.ff = F;
  w.norm_gain = floats(D, 0.5f, 1.0f);
  w.router = router.view();
  w.router_bias = floats(E, 1.0f, 0.0f);
  w.gate = w.up = gate.view(), w.down = down.view();
  w.gate_bias = w.up_bias = floats(uint64_t{E} * F, 1.0f, 0.0f);
  w.down_bias = floats(uint64_t{E} * D, 1.0f, 0.0f);
  const auto x = floats(uint64_t{tokens} * D, 2.0f, 0.0f);
  MoeLayerData data{
      E,      D,    F,      w.norm_gain.data(), w.router,         w.router_bias.data(),
      w.gate, w.up, w.down, w.gate_bias.data(), w.up_bias.data(), w.down_bias.data()};
  MoeLayer layer;
  if (auto s = upload_moe_router(device, transfer, data, "bench", {}, layer); !s.ok())
    return fail(s);
  if (!moe_norm_route_takes(device, layer))
    return fail(host::Status::error("the device's shared memory cannot hold the routing"));
  auto scratch = create_moe_scratch(device, layer, tokens, K);
  if (!scratch.ok()) return fail(scratch.status());
  auto xb = device.allocator().allocate(x.size() * 4, host::MemoryUse::device);
  if (!xb.ok()) return fail(xb.status());
  if (auto s = transfer.upload(xb.value(), 0, x.data(), x.size() * 4); !s.ok()) return fail(s);
  auto encode = [&](host::CommandStream& cs, int) {
    return encode_moe_norm_route(device, cs, layer, xb.value(), tokens, K, scratch.value());
  };
  auto once = time_gpu(device, 1, encode);
  if (!once.ok()) return fail(once.status());
  std::vector<uint32_t> ids(uint64_t{tokens} * K);
  std::vector<float> weights(ids.size());
  if (auto s = transfer.download(scratch.value().ids, 0, ids.data(), ids.size() * 4); !s.ok())
    return fail(s);
  if (auto s = transfer.download(scratch.value().weights, 0, weights.data(), weights.size() * 4);
      !s.ok())
    return fail(s);
  r.bytes = 2.0 * E * D + 4.0 * E + 4.0 * D + 8.0 * tokens * D;
  r.flops = 2.0 * tokens * E * D;

  // The reference's choice and weights (its experts are computed too, at width F); a slot whose
  // expert is not the reference's fails it (the random router leaves clear margins).
  const auto t0 = std::chrono::steady_clock::now();
  const reference::MoeResult ref = reference::moe(w, x, tokens, K);
  r.cpu_reference_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  for (uint32_t i = 0; i < ids.size(); ++i) {
    const uint32_t t = i / K;
    if (ref.router_margin[t] <= 2 * ref.logit_bound[t]) continue;
    const double bound = ref.weights[i] * (std::expm1(2 * ref.logit_bound[t]) + 40.0 * K * 0x1p-24);
    note_error(r, ids[i] == ref.ids[i] ? std::fabs(weights[i] - ref.weights[i]) / bound : INFINITY);
  }
  return verify_and_time(r, device, runs, encode);
}

std::vector<Case> norm_route_cases(const CaseOptions& o) {
  if (o.m) return {};
  std::vector<Case> cases;
  for (auto [experts, tokens] : {std::pair{32u, 1u}, {128u, 1u}, {128u, kMaxMatvecColumns}})
    cases.push_back({"f32_bf16w_moe_norm_route",
                     "E=" + std::to_string(experts) + " t=" + std::to_string(tokens),
                     [&device = o.device, &transfer = o.transfer, experts, tokens,
                      runs = o.runs](CaseResult r) {
                       return run_norm_route(device, transfer, experts, tokens, runs, std::move(r));
                     }});
  return cases;
}
const RegisterCases registered(31, norm_route_cases);

}  // namespace
}  // namespace ossvk::bench
