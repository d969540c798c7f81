// The whole attention block on the GPU (RMSNorm -> QKV matvec/matmul with bias -> RoPE + K/V
// write -> attention -> output projection with bias added into the residual), against
// reference::attention_block and the bound it carries through every step.
#include <gtest/gtest.h>

#include <cmath>

#include "backend/device_matrix.h"
#include "backend/kernels/attention.h"
#include "backend/kernels/matmul.h"
#include "backend/kernels/rmsnorm.h"
#include "backend/kernels/rope_kv_write.h"
#include "reference/attention.h"
#include "support/gpu.h"
#include "testdata/weights.h"

namespace ossvk::testing {
namespace {

struct BlockCase {
  AttentionDims dims;
  YarnParams yarn;
  uint32_t hidden;
  TensorFormat format;
  std::vector<uint32_t> steps;
};

class AttentionBlock : public GpuTest {
 protected:
  void run(const BlockCase& c) {
    const AttentionDims& dm = c.dims;
    const uint32_t D = c.hidden, d = dm.head_dim, qw = dm.heads * d, kvw = dm.kv_heads * d,
                   width = qw + 2 * kvw;
    uint32_t total = 0, max_step = 0;
    for (uint32_t s : c.steps) total += s, max_step = std::max(max_step, s);
    SCOPED_TRACE(std::string(tensor_format_info(c.format).name) + " hidden " + std::to_string(D) +
                 ", " + std::to_string(total) + " positions");
    Rng rng(D + total);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    auto floats = [&](uint64_t n, float scale, float shift) {
      std::vector<float> v(n);
      for (auto& f : v) f = dist(rng) * scale + shift;
      return v;
    };
    HostMatrix wqkv = random_matrix(c.format, width, D, Data::realistic, rng);
    HostMatrix wout = random_matrix(c.format, D, qw, Data::realistic, rng);
    reference::AttentionBlockWeights w;
    w.shape = {dm.heads, dm.kv_heads, d, dm.window};
    w.rope = {c.yarn.theta, c.yarn.factor, c.yarn.original_context, c.yarn.beta_fast,
              c.yarn.beta_slow};
    w.hidden = D;
    w.norm_gain = floats(D, 0.5f, 1.0f);
    w.qkv = wqkv.view();
    w.qkv_bias = floats(width, 0.5f, 0.0f);
    w.sinks = floats(dm.heads, 1.0f, 0.0f);
    w.out = wout.view();
    w.out_bias = floats(D, 0.5f, 0.0f);
    auto x = floats(uint64_t{total} * D, 2.0f, 0.0f);
    auto ref = reference::attention_block(w, x, total, 0.0);

    host::Device& dev = device();
    auto upload = [&](const std::vector<float>& v) {
      auto b =
          dev.allocator().allocate(std::max<uint64_t>(v.size() * 4, 16), host::MemoryUse::device);
      EXPECT_TRUE(b.ok());
      EXPECT_TRUE(transfer().upload(b.value(), 0, v.data(), v.size() * 4).ok());
      return std::move(b).value();
    };
    auto scratch = [&](uint64_t floats_) {
      return std::move(dev.allocator().allocate(std::max<uint64_t>(floats_ * 4, 16),
                                                host::MemoryUse::device))
          .value();
    };
    host::Buffer gain = upload(w.norm_gain), qkv_bias = upload(w.qkv_bias), sinks = upload(w.sinks),
                 out_bias = upload(w.out_bias);
    auto qkv_w = upload_matrix(dev, transfer(), w.qkv, "blk.0.attn_qkv");
    auto out_w = upload_matrix(dev, transfer(), w.out, "blk.0.attn_output");
    auto table = upload_rope_table(dev, transfer(), c.yarn, d, total);
    auto cache = create_kv_cache(dev, dm, total, max_step, false);
    ASSERT_OK(qkv_w);
    ASSERT_OK(out_w);
    ASSERT_OK(table);
    ASSERT_OK(cache);
    host::Buffer xb = scratch(uint64_t{max_step} * D), normed = scratch(uint64_t{max_step} * D),
                 qkv = scratch(uint64_t{max_step} * width), q = scratch(uint64_t{max_step} * qw),
                 attn = scratch(uint64_t{max_step} * qw),
                 split = scratch(attention_scratch_bytes(dm, 1, total - 1) / 4);
    auto stream = host::CommandStream::create(dev);
    ASSERT_OK(stream);
    auto& cs = *stream.value();

    uint32_t pos = 0;
    for (uint32_t n : c.steps) {
      SCOPED_TRACE("step at position " + std::to_string(pos));
      ASSERT_OK(transfer().upload(xb, 0, &x[uint64_t{pos} * D], uint64_t{n} * D * 4));
      ASSERT_OK(cs.begin());
      ASSERT_OK(encode_rmsnorm(dev, cs, xb, gain, D, n, 1e-5f, normed));
      cs.barrier();
      ASSERT_OK(encode_linear(dev, cs, qkv_w.value(), normed, n, &qkv_bias, qkv));
      cs.barrier();
      ASSERT_OK(encode_rope_kv_write(dev, cs, qkv, n, pos, dm, table.value(), q, cache.value()));
      cs.barrier();
      ASSERT_OK(encode_attention(dev, cs, q, n, pos, dm, cache.value(), sinks, attn, &split));
      cs.barrier();
      ASSERT_OK(encode_linear(dev, cs, out_w.value(), attn, n, &out_bias, xb,
                              true));  // x += W_o attn + b_o
      ASSERT_OK(cs.submit_and_wait());
      std::vector<float> got(uint64_t{n} * D);
      ASSERT_OK(transfer().download(xb, 0, got.data(), got.size() * 4));
      int reported = 0;
      for (size_t i = 0; i < got.size(); ++i) {
        const size_t o = uint64_t{pos} * D + i;
        const double diff = std::fabs(got[i] - ref.out[o]);
        if (!(diff <= ref.bound[o]) && reported++ < 5)
          ADD_FAILURE() << "position " << o / D << " element " << o % D << ": gpu " << got[i]
                        << ", reference " << ref.out[o] << ", |diff| " << diff << " > bound "
                        << ref.bound[o];
      }
      pos += n;
    }
  }
};

TEST_F(AttentionBlock, small_config_prefill_then_decode) {
  const YarnParams tiny{10000.0, 1.0, 4096.0, 32.0, 1.0};
  for (uint32_t window : {0u, 4u})
    for (TensorFormat f : {TensorFormat::f32, TensorFormat::q8_0})
      run({{4, 1, 16, window}, tiny, 64, f, {5, 1, 1, 12}});
}

TEST_F(AttentionBlock, gpt_oss_shapes) {
  for (TensorFormat f : {TensorFormat::bf16, TensorFormat::q8_0})
    run({{64, 8, 64, 128}, YarnParams{}, 2880, f, {3, 1}});
  run({{64, 8, 64, 0}, YarnParams{}, 2880, TensorFormat::f16, {12, 1}});
}

}  // namespace
}  // namespace ossvk::testing
