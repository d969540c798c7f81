#include "support/moe_tester.h"

#include "backend/kernels/matvec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "backend/kernels/moe.h"
#include "support/gpu.h"

namespace ossvk::testing {

std::vector<uint32_t> MoeTester::run() {
  AccessDevice& g = tile_products_ ? gpu_with_tile_products()
                    : gpu_layout_  ? gpu_with_matvec_split(2)
                                   : gpu_with(access_);
  if (!g.transfer) {
    ADD_FAILURE() << "no GPU";
    return {};
  }
  host::Device& device = *g.device;
  const uint32_t E = experts_, D = hidden_, F = ff_, T = tokens_, K = top_k_;
  std::ostringstream what;
  const TensorFormat up_format = up_format_.value_or(format_);
  what << tensor_format_info(format_).name << " experts (up " << tensor_format_info(up_format).name
       << "), " << tensor_format_info(router_format_).name << " router, E=" << E << " D=" << D
       << " F=" << F << " T=" << T << " k=" << K
       << (device.prefers_descriptors() ? " (descriptors)" : " (addresses)")
       << (gpu_layout_ ? " GPU layout" : "") << mma_name(device.mma());
  SCOPED_TRACE(what.str());

  Rng rng(seed_ * 104729 + E * 31 + T);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  auto floats = [&](uint64_t n, float scale) {
    std::vector<float> v(n);
    for (auto& f : v) f = dist(rng) * scale;
    return v;
  };
  HostMatrix router = random_matrix(router_format_, E, D, Data::realistic, rng);
  if (router_zero_) std::fill(router.data.begin(), router.data.end(), 0);
  HostMatrix gate = random_matrix(format_, uint64_t{E} * F, D, Data::realistic, rng);
  HostMatrix up = random_matrix(up_format, uint64_t{E} * F, D, Data::realistic, rng);
  HostMatrix down = random_matrix(format_, uint64_t{E} * D, F, Data::realistic, rng);
  reference::MoeWeights w;
  w.experts = E, w.hidden = D, w.ff = F;
  w.norm_gain = floats(D, 1.0f);
  for (auto& v : w.norm_gain) v += 1.5f;
  w.router = router.view();
  w.router_bias = floats(E, 1.0f);
  if (edit_bias_) edit_bias_(w.router_bias);
  w.gate = gate.view(), w.up = up.view(), w.down = down.view();
  w.gate_bias = floats(uint64_t{E} * F, gain_);
  w.up_bias = floats(uint64_t{E} * F, gain_);
  w.down_bias = floats(uint64_t{E} * D, 1.0f);
  auto x = floats(uint64_t{T} * D, 2.0f);

  MoeLayerData data{
      E,      D,    F,      w.norm_gain.data(), w.router,         w.router_bias.data(),
      w.gate, w.up, w.down, w.gate_bias.data(), w.up_bias.data(), w.down_bias.data()};
  UploadOptions options;
  options.max_part_bytes = max_part_bytes_;
  auto layer = upload_moe_layer(device, *g.transfer, data, "blk.0", options);
  EXPECT_TRUE(layer.ok()) << layer.status().to_string();
  if (!layer.ok()) return {};
  auto scratch = create_moe_scratch(device, layer.value(), T, K);
  auto xb = device.allocator().allocate(uint64_t{T} * D * 4, host::MemoryUse::device);
  auto ob = device.allocator().allocate(uint64_t{T} * D * 4, host::MemoryUse::device);
  EXPECT_TRUE(scratch.ok() && xb.ok() && ob.ok());
  if (!scratch.ok() || !xb.ok() || !ob.ok()) return {};
  EXPECT_TRUE(g.transfer->upload(xb.value(), 0, x.data(), x.size() * 4).ok());
  auto stream = host::CommandStream::create(device);
  EXPECT_TRUE(stream.ok());
  if (!stream.ok()) return {};
  EXPECT_TRUE(stream.value()->begin().ok());
  auto s = encode_moe(device, *stream.value(), layer.value(), xb.value(), T, K, scratch.value(),
                      ob.value(), "blk.0", path_);
  EXPECT_TRUE(s.ok()) << s.to_string();
  EXPECT_TRUE(stream.value()->submit_and_wait().ok());
  std::vector<float> out(uint64_t{T} * D), weights(uint64_t{T} * K);
  std::vector<uint32_t> ids(uint64_t{T} * K);
  EXPECT_TRUE(g.transfer->download(ob.value(), 0, out.data(), out.size() * 4).ok());
  EXPECT_TRUE(g.transfer->download(scratch.value().ids, 0, ids.data(), ids.size() * 4).ok());
  EXPECT_TRUE(
      g.transfer->download(scratch.value().weights, 0, weights.data(), weights.size() * 4).ok());

  // Matrix products of more than kMaxMatvecColumns tokens split their operands into fp16 parts
  // on tile products (shaders/mma.glsl).
  const bool split = device.mma() != host::Mma::none && T > kMaxMatvecColumns;
  auto ref = reference::moe(w, x, T, K, split ? kMmaOperandRounding : 0.0);
  int reported = 0;
  uint32_t checked = 0;
  for (uint32_t t = 0; t < T; ++t) {
    // Selections must agree wherever the router's k-th and (k+1)-th logits are farther apart
    // than twice the fp32 logit error; closer calls may legitimately go either way.
    if (ref.router_margin[t] <= 2 * ref.logit_bound[t]) continue;
    ++checked;
    for (uint32_t k = 0; k < K; ++k) {
      // The same experts; two whose logits lie within twice the logit error of each other
      // (their softmax weights within a factor e^(2 delta)) may come in either order.
      uint32_t j = 0;
      while (j < K && ref.ids[t * K + j] != ids[t * K + k]) ++j;
      const bool swappable =
          j < K && std::fabs(std::log(ref.weights[t * K + j] / ref.weights[t * K + k])) <=
                       2 * ref.logit_bound[t];
      if (j != k && !swappable) {
        ADD_FAILURE() << "token " << t << " slot " << k << ": expert " << ids[t * K + k]
                      << ", reference " << ref.ids[t * K + k];
        continue;
      }
      // The weight's bound: the logit error through the softmax, exp accuracy and 4k roundings.
      double bound =
          ref.weights[t * K + j] * (std::expm1(2 * ref.logit_bound[t]) + 40.0 * K * 0x1p-24);
      EXPECT_LE(std::fabs(weights[t * K + k] - ref.weights[t * K + j]), bound)
          << "token " << t << " slot " << k;
    }
    for (uint32_t i = 0; i < D; ++i) {
      size_t o = uint64_t{t} * D + i;
      double diff = std::fabs(out[o] - ref.out[o]);
      if (!(diff <= ref.bound[o]) && reported++ < 5)
        ADD_FAILURE() << "token " << t << " element " << i << ": gpu " << out[o] << ", reference "
                      << ref.out[o] << ", |diff| " << diff << " > bound " << ref.bound[o];
    }
  }
  // Random routers leave clear margins: a test that checks no token checks nothing.
  if (!router_zero_) {
    EXPECT_GE(checked * 2, T) << "too few tokens with a clear routing margin";
  }
  return ids;
}

}  // namespace ossvk::testing
