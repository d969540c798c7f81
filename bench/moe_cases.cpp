// The MoE block at gpt-oss shapes (hidden 2880, expert width 2880, k = 4): time per layer, GB/s
// over the bytes of the experts the tokens selected, verified first. MXFP4 experts at 32 and 128
// experts, decode and prefill; every other quantized GGUF type at decode, 32 experts (formats
// with super-blocks of 256 at 3072, the nearest width they hold).
#include "bench_case.h"

#include <cmath>
#include <set>

#include "backend/formats/device_format.h"
#include "backend/kernels/moe.h"
#include "reference/moe.h"
#include "testdata/weights.h"

namespace ossvk::bench {
namespace {

CaseResult run_moe(host::Device& device, host::Transfer& transfer, TensorFormat format,
                   uint32_t experts, uint32_t tokens, int runs, CaseResult r) {
  const uint32_t E = experts, D = testing::whole_blocks(format, 2880), F = D, K = 4;
  auto fail = [&](const host::Status& s) {
    r.error = s.to_string();
    return r;
  };
  testing::Rng rng(E * 7 + tokens);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  auto floats = [&](uint64_t n, float scale, float shift) {
    std::vector<float> v(n);
    for (auto& f : v) f = dist(rng) * scale + shift;
    return v;
  };
  auto router = testing::random_matrix(TensorFormat::f32, E, D, testing::Data::realistic, rng);
  auto gate = testing::random_matrix(format, uint64_t{E} * F, D, testing::Data::realistic, rng,
                                     testing::usual_group(format));
  auto up = testing::random_matrix(format, uint64_t{E} * F, D, testing::Data::realistic, rng,
                                   testing::usual_group(format));
  auto down = testing::random_matrix(format, uint64_t{E} * D, F, testing::Data::realistic, rng,
                                     testing::usual_group(format));
  reference::MoeWeights w;
  w.experts = E, w.hidden = D, w.ff = F;
  w.norm_gain = floats(D, 0.5f, 1.0f);
  w.router = router.view();
  w.router_bias = floats(E, 1.0f, 0.0f);
  w.gate = gate.view(), w.up = up.view(), w.down = down.view();
  w.gate_bias = floats(uint64_t{E} * F, 1.0f, 0.0f);
  w.up_bias = floats(uint64_t{E} * F, 1.0f, 0.0f);
  w.down_bias = floats(uint64_t{E} * D, 1.0f, 0.0f);
  auto x = floats(uint64_t{tokens} * D, 2.0f, 0.0f);
  MoeLayerData data{
      E,      D,    F,      w.norm_gain.data(), w.router,         w.router_bias.data(),
      w.gate, w.up, w.down, w.gate_bias.data(), w.up_bias.data(), w.down_bias.data()};
  auto layer = upload_moe_layer(device, transfer, data, "bench");
  if (!layer.ok()) return fail(layer.status());
  auto scratch = create_moe_scratch(device, layer.value(), tokens, K);
  auto xb = device.allocator().allocate(x.size() * 4, host::MemoryUse::device);
  auto ob = device.allocator().allocate(x.size() * 4, host::MemoryUse::device);
  for (auto* b : {&xb, &ob})
    if (!b->ok()) return fail(b->status());
  if (!scratch.ok()) return fail(scratch.status());
  if (auto s = transfer.upload(xb.value(), 0, x.data(), x.size() * 4); !s.ok()) return fail(s);
  auto encode = [&](host::CommandStream& cs, int) {
    return encode_moe(device, cs, layer.value(), xb.value(), tokens, K, scratch.value(), ob.value(),
                      "bench");
  };
  auto once = time_gpu(device, 1, encode);
  if (!once.ok()) return fail(once.status());
  std::vector<float> out(x.size());
  std::vector<uint32_t> ids(uint64_t{tokens} * K);
  if (auto s = transfer.download(ob.value(), 0, out.data(), out.size() * 4); !s.ok())
    return fail(s);
  if (auto s = transfer.download(scratch.value().ids, 0, ids.data(), ids.size() * 4); !s.ok())
    return fail(s);

  // Bytes: the distinct selected experts' gate, up and down as stored, and the router.
  std::set<uint32_t> distinct(ids.begin(), ids.end());
  const TensorFormatInfo& f = tensor_format_info(format);
  const double expert_bytes = 3.0 * F * D / f.block_elements * f.block_bytes;
  r.bytes = distinct.size() * expert_bytes + 4.0 * E * D;
  r.flops = 2.0 * tokens * (E * D + K * 3.0 * F * D);

  // Verify the first token (the reference decodes only the selected experts).
  std::vector<float> x0(x.begin(), x.begin() + D);
  auto ref = reference::moe(w, x0, 1, K);
  for (uint32_t i = 0; i < D; ++i) note_error(r, std::fabs(out[i] - ref.out[i]) / ref.bound[i]);
  return verify_and_time(r, device, runs, encode);
}

Case moe_case(host::Device& device, host::Transfer& transfer, TensorFormat format, uint32_t experts,
              uint32_t tokens, int runs) {
  const std::string name =
      std::string("f32_") + device_format_info(device_format_of(format)).name + "w_moe";
  const uint32_t width = testing::whole_blocks(format, 2880);
  return {name,
          "E=" + std::to_string(experts) + " t=" + std::to_string(tokens) +
              (width != 2880 ? " D=" + std::to_string(width) : ""),
          [&device, &transfer, format, experts, tokens, runs](CaseResult r) {
            return run_moe(device, transfer, format, experts, tokens, runs, std::move(r));
          }};
}

std::vector<Case> moe_cases(const CaseOptions& o) {
  if (o.m) return {};
  std::vector<Case> cases;
  for (uint32_t experts : {32u, 128u})
    for (uint32_t tokens : {1u, 512u})
      cases.push_back(moe_case(o.device, o.transfer, TensorFormat::mxfp4, experts, tokens,
                               tokens > 1 ? o.prefill_runs : o.runs));
  for (TensorFormat f :
       {TensorFormat::q8_0, TensorFormat::q6_k, TensorFormat::q5_k, TensorFormat::q5_1,
        TensorFormat::q5_0, TensorFormat::q4_k, TensorFormat::q4_1, TensorFormat::q4_0,
        TensorFormat::q3_k, TensorFormat::q2_k, TensorFormat::iq4_xs, TensorFormat::iq4_nl,
        TensorFormat::mlx_affine8, TensorFormat::mlx_affine6, TensorFormat::mlx_affine5,
        TensorFormat::mlx_affine4, TensorFormat::mlx_affine3, TensorFormat::mlx_affine2})
    cases.push_back(moe_case(o.device, o.transfer, f, 32, 1, o.runs));
  return cases;
}
const RegisterCases registered(30, moe_cases);

}  // namespace
}  // namespace ossvk::bench
