// The whole model: GGUF files made by an independent implementation (tests/data/cases) through
// the loader and the GPU forward pass, and through reference::forward, against their expected
// float64 logits.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <tuple>

#include "backend/kernels/matvec.h"
#include "backend/loader/gguf_model.h"
#include "backend/loader/hf_model.h"
#include "backend/model/session.h"
#include "backend/model/synthetic.h"
#include "support/gpu.h"
#include "support/hf_writer.h"
#include "support/synthetic_loader.h"

namespace ossvk::testing {
namespace {

struct Case {
  std::vector<uint32_t> tokens;
  std::vector<float> expected;  // [tokens][vocab]
};

Case read_case(const std::string& dir) {
  Case c;
  std::ifstream t(dir + "/tokens.txt");
  std::string item;
  while (std::getline(t, item, ',')) c.tokens.push_back(static_cast<uint32_t>(std::stoul(item)));
  std::ifstream e(dir + "/expected_logits.f32", std::ios::binary);
  std::stringstream bytes;
  bytes << e.rdbuf();
  const std::string s = bytes.str();
  c.expected.resize(s.size() / 4);
  std::memcpy(c.expected.data(), s.data(), c.expected.size() * 4);
  return c;
}

// The cases' own rule (README.md there, and the issue): every logit within 1e-3 of the largest
// |logit|, which covers fp32 rounding through two layers with orders of magnitude to spare
// (the cases measured 1.1e-5 between fp32 and float64), and the same top-1 token wherever the
// expected top-1 leads the runner-up by more than twice that bound.
void expect_matches(const std::vector<float>& got, const Case& c, uint32_t vocab) {
  ASSERT_EQ(got.size(), c.expected.size());
  float max_abs = 0;
  for (float v : c.expected) max_abs = std::max(max_abs, std::fabs(v));
  const double bound = 1e-3 * max_abs;
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i)
    worst = std::max(worst, double(std::fabs(got[i] - c.expected[i])));
  EXPECT_LE(worst, bound) << "largest |logit difference|";
  for (size_t p = 0; p < c.tokens.size(); ++p) {
    const float* e = &c.expected[p * vocab];
    const float* g = &got[p * vocab];
    std::vector<uint32_t> order(vocab);
    for (uint32_t i = 0; i < vocab; ++i) order[i] = i;
    std::partial_sort(order.begin(), order.begin() + 2, order.end(),
                      [&](uint32_t a, uint32_t b) { return e[a] > e[b]; });
    if (e[order[0]] - e[order[1]] <= 2 * bound) continue;
    EXPECT_EQ(std::max_element(g, g + vocab) - g, order[0]) << "top-1 at position " << p;
  }
}

class PublicCase : public GpuTest, public ::testing::WithParamInterface<const char*> {
 protected:
  std::string dir() const { return std::string(OSSVK_CASES_DIR) + "/" + GetParam(); }
};

// The case's prompt as one prefill on `device`, against its expected logits.
void gpu_reproduces(host::Device& device, const std::string& dir) {
  const Case c = read_case(dir);
  auto file = GgufFile::open(dir + "/model.gguf");
  ASSERT_OK(file);
  auto tensors = read_gguf_model(*file.value());
  ASSERT_OK(tensors);
  const uint32_t vocab = tensors.value().config.vocab;
  if (device.mma() != host::Mma::none) {
    ASSERT_GT(c.tokens.size(), kMaxMatvecColumns) << "the prompt must take the matmuls";
  }
  auto model = Model::upload(device, tensors.value());
  ASSERT_OK(model);
  auto session = Session::create(*model.value(), {});
  ASSERT_OK(session);
  std::vector<float> logits(c.tokens.size() * vocab);
  ASSERT_OK(session.value()->eval(c.tokens, logits.data(), true));
  expect_matches(logits, c, vocab);
}

TEST_P(PublicCase, gpu_reproduces_the_expected_logits) {
  gpu_reproduces(device(), dir());
}

// The same through prefill's tile products (shaders/mma.glsl): the device's matrix units, or
// their emulation on lavapipe.
TEST_P(PublicCase, gpu_on_tile_products_reproduces_the_expected_logits) {
  host::Device& device = *gpu_with_tile_products().device;
  ASSERT_NE(device.mma(), host::Mma::none);
  gpu_reproduces(device, dir());
}

TEST_P(PublicCase, reference_reproduces_the_expected_logits) {
  const Case c = read_case(dir());
  auto file = GgufFile::open(dir() + "/model.gguf");
  ASSERT_OK(file);
  auto tensors = read_gguf_model(*file.value());
  ASSERT_OK(tensors);
  const ModelTensors& m = tensors.value();
  expect_matches(reference::forward(m, c.tokens, m.config.top_k), c, m.config.vocab);
}

INSTANTIATE_TEST_SUITE_P(Cases, PublicCase,
                         ::testing::Values("public_tiny", "public_tiny_f16_bf16"));

}  // namespace
}  // namespace ossvk::testing

namespace ossvk::testing {
namespace {

class SyntheticModel : public GpuTest {};

// A synthetic model's logits for prefills of each length in `lengths`, each in a fresh session,
// against reference::forward.
void prefills_match_the_reference(host::Device& device, const SyntheticOptions& o,
                                  std::initializer_list<uint32_t> lengths) {
  auto l = load_synthetic(device, o);
  ASSERT_TRUE(l);
  const uint32_t V = l->tensors.config.vocab;
  for (uint32_t T : lengths) {
    auto tokens = some_tokens(T, V);
    auto session = Session::create(*l->model, {});
    ASSERT_OK(session);
    std::vector<float> got(uint64_t{T} * V);
    ASSERT_OK(session.value()->eval(tokens, got.data(), true));
    const auto want = reference::forward(l->tensors, tokens, l->tensors.config.top_k);
    expect_close(got, want);
    // Every row takes steps of at most 64 tokens; the last row alone takes the whole prompt in
    // one step, which past 66 tokens (over 33 pairs an expert) is grouped on CPU devices.
    auto whole = Session::create(*l->model, {});
    ASSERT_OK(whole);
    std::vector<float> last(V);
    ASSERT_OK(whole.value()->eval(tokens, last.data(), false));
    expect_close(last, std::vector<float>(want.end() - V, want.end()));
  }
}

TEST_F(SyntheticModel, every_expert_type_matches_the_reference) {
  for (TensorFormat experts : {TensorFormat::mxfp4, TensorFormat::q8_0, TensorFormat::bf16}) {
    SCOPED_TRACE(tensor_format_info(experts).name);
    SyntheticOptions o;
    o.experts = experts;
    o.dense = experts == TensorFormat::bf16 ? TensorFormat::f16 : TensorFormat::q8_0;
    // Matvec; matmul; more positions than the window; and 70 tokens, whose 280 (token, expert)
    // pairs over 8 experts in one step take the grouped expert matmuls where that pays.
    prefills_match_the_reference(device(), o, {1, 9, 40, 70});
  }
}

// Prefill on tile products, whose grouped expert matmuls every prompt of more than
// kMaxMatvecColumns tokens takes.
TEST_F(SyntheticModel, tile_products_match_the_reference) {
  SyntheticOptions o;
  o.experts = TensorFormat::mxfp4;
  o.dense = TensorFormat::q8_0;
  prefills_match_the_reference(*gpu_with_tile_products().device, o, {9, 70});
}

// The GGUF types llama-quantize writes, experts in one and dense matrices (attention, router,
// embedding, unembedding) in another: on the tiny shape, whose rows of 64 and 96 turn K-quants
// into their fallback types as llama-quantize does (Q4_K -> Q5_0, Q5_K -> Q5_1, Q6_K -> Q8_0),
// and on the small one, whose rows of 256 keep them.
TEST_F(SyntheticModel, mixed_gguf_types_match_the_reference) {
  const struct {
    const char* preset;
    TensorFormat experts, dense;
  } mixes[] = {{"tiny", TensorFormat::q4_1, TensorFormat::q5_1},
               {"tiny", TensorFormat::iq4_nl, TensorFormat::q4_1},
               {"tiny", TensorFormat::q5_1, TensorFormat::iq4_nl},
               {"tiny", TensorFormat::q4_k, TensorFormat::q6_k},
               {"small", TensorFormat::q4_k, TensorFormat::q6_k},
               {"small", TensorFormat::q5_k, TensorFormat::q4_k},
               {"small", TensorFormat::q6_k, TensorFormat::q5_k},
               {"small", TensorFormat::iq4_xs, TensorFormat::q4_k},
               {"tiny", TensorFormat::iq4_xs, TensorFormat::q8_0},
               {"small", TensorFormat::q2_k, TensorFormat::q3_k},
               {"small", TensorFormat::q3_k, TensorFormat::q2_k}};
  for (auto [preset, experts, dense] : mixes) {
    SCOPED_TRACE(std::string(preset) + ": " + tensor_format_info(experts).name + " experts, " +
                 tensor_format_info(dense).name + " dense");
    SyntheticOptions o;
    o.preset = preset;
    o.experts = experts;
    o.dense = dense;
    prefills_match_the_reference(device(), o, {1, 9, 70});
  }
}

// Gate and up experts in different types, as a llama-quantize --tensor-type mix writes them:
// every step takes the grouped experts (backend/kernels/moe.h), the one-token ones included.
TEST_F(SyntheticModel, gate_and_up_experts_in_different_types) {
  SyntheticOptions o;
  o.experts = TensorFormat::q8_0;
  o.up_experts = TensorFormat::mxfp4;
  o.dense = TensorFormat::q5_0;
  prefills_match_the_reference(device(), o, {1, 9, 70});
  o.preset = "small";
  o.experts = TensorFormat::q4_k;
  o.up_experts = TensorFormat::q6_k;
  prefills_match_the_reference(device(), o, {1, 9});
}

TEST_F(SyntheticModel, prefill_then_decode_equals_one_prefill) {
  auto l = load_synthetic(device(), {});
  ASSERT_TRUE(l);
  const uint32_t V = l->tensors.config.vocab, T = 20;
  auto tokens = some_tokens(T, V);
  auto whole = Session::create(*l->model, {});
  ASSERT_OK(whole);
  std::vector<float> all(uint64_t{T} * V), last(V);
  ASSERT_OK(whole.value()->eval(tokens, all.data(), true));
  // Steps of 12 (matmul), 1 (matvec), 3 and 4: the same sequence in pieces, last row each time.
  SessionOptions so;
  so.max_step_tokens = 5;  // the 12-token prompt itself takes three command buffers
  auto pieces = Session::create(*l->model, so);
  ASSERT_OK(pieces);
  uint32_t pos = 0;
  for (uint32_t n : {12u, 1u, 3u, 4u}) {
    ASSERT_OK(pieces.value()->eval(std::span(tokens).subspan(pos, n), last.data(), false));
    pos += n;
    std::vector<float> want(all.begin() + uint64_t{pos - 1} * V, all.begin() + uint64_t{pos} * V);
    // The same kernels on the same inputs, except matvec vs matmul for single steps: both
    // accumulate in fp32 in different orders, so allow the fp32 bound rather than equality.
    expect_close(last, want);
  }
  EXPECT_EQ(pieces.value()->position(), T);
}

// Two sessions on one synthetic model, with options `sa` and `sb`, each past tokens[0, prompt),
// and the reference's logits of every token ([tokens][V]); null sessions if either failed.
struct SessionPair {
  std::unique_ptr<Session> a, b;
  std::vector<float> want;
};
SessionPair sessions_past_a_prompt(const Loaded& l, const SessionOptions& sa,
                                   const SessionOptions& sb, std::span<const uint32_t> tokens,
                                   uint32_t prompt) {
  SessionPair p;
  auto a = Session::create(*l.model, sa);
  auto b = Session::create(*l.model, sb);
  EXPECT_TRUE(a.ok() && b.ok());
  if (!a.ok() || !b.ok()) return {};
  p.a = std::move(a).value();
  p.b = std::move(b).value();
  p.want = reference::forward(l.tensors, tokens, l.tensors.config.top_k);
  for (Session* s : {p.a.get(), p.b.get()})
    if (!s->eval(tokens.first(prompt), nullptr, false).ok()) {
      ADD_FAILURE() << "the prompt did not run";
      return {};
    }
  return p;
}

// Decode steps replay one recorded command buffer, reading their position on the device: past
// 512 visible keys (attention split into runs of keys, sized for the whole cache when replayed),
// across the sliding window's ring, and after a rewind, they agree with steps recorded anew and
// with the reference.
TEST_F(SyntheticModel, replayed_decode_steps_equal_recorded_ones) {
  auto l = load_synthetic(device(), {});
  ASSERT_TRUE(l);
  const uint32_t V = l->tensors.config.vocab, prompt = 600, decode = 6;
  auto tokens = some_tokens(prompt + decode, V);
  SessionOptions replayed, recorded;
  replayed.context = recorded.context = 1024;
  recorded.replay_decode = false;
  SessionPair p = sessions_past_a_prompt(*l, replayed, recorded, tokens, prompt);
  ASSERT_TRUE(p.a);
  Session *a = p.a.get(), *b = p.b.get();
  const std::vector<float>& want = p.want;
  std::vector<float> la(V), lb(V);
  const uint32_t recorded_before = a->recorded_steps();
  for (uint32_t i = prompt; i < prompt + decode; ++i) {
    if (i == prompt + 3) {  // forget two positions and go over them again
      ASSERT_OK(a->rewind(i - 2));
      ASSERT_OK(b->rewind(i - 2));
      for (uint32_t j = i - 2; j < i; ++j) {
        ASSERT_OK(a->eval(std::span(tokens).subspan(j, 1), nullptr, false));
        ASSERT_OK(b->eval(std::span(tokens).subspan(j, 1), nullptr, false));
      }
    }
    ASSERT_OK(a->eval(std::span(tokens).subspan(i, 1), la.data(), false));
    ASSERT_OK(b->eval(std::span(tokens).subspan(i, 1), lb.data(), false));
    // Split and unsplit attention sum the same terms in different orders: the fp32 bound.
    expect_close(la, lb);
    expect_close(
        la, std::vector<float>(want.begin() + uint64_t{i} * V, want.begin() + uint64_t{i + 1} * V));
  }
  // One recording for the steps with logits, one for those without, whatever the positions.
  EXPECT_EQ(a->recorded_steps() - recorded_before, 2u);
}

// Decode steps whose QKV matvecs rotate q and k and write the cache themselves (the GPUs'
// choice) agree with steps running f32_rope_kv_write (lavapipe's) and with the reference: steps
// of 3 tokens and of one, replayed, around the sliding-window layer's ring of 12 slots.
TEST_F(SyntheticModel, rope_in_the_qkv_epilogue_equals_the_rope_kernel) {
  auto l = load_synthetic(device(), {});
  ASSERT_TRUE(l);
  const uint32_t V = l->tensors.config.vocab, prompt = 150, decode = 5;
  auto tokens = some_tokens(prompt + 3 + decode, V);
  SessionOptions epilogue, kernel;
  epilogue.context = kernel.context = 512;
  epilogue.max_step_tokens = kernel.max_step_tokens = 8;  // the window's ring: 4 + 8 slots
  epilogue.rope_in = SessionOptions::RopeIn::epilogue;
  kernel.rope_in = SessionOptions::RopeIn::kernel;
  SessionPair p = sessions_past_a_prompt(*l, epilogue, kernel, tokens, prompt);
  ASSERT_TRUE(p.a);
  const std::vector<float>& want = p.want;
  std::vector<float> la(V), lb(V);
  for (uint32_t i = prompt, n = 3; i < tokens.size(); i += n, n = 1) {
    ASSERT_OK(p.a->eval(std::span(tokens).subspan(i, n), la.data(), false));
    ASSERT_OK(p.b->eval(std::span(tokens).subspan(i, n), lb.data(), false));
    // The same sums, rotated by the same arithmetic in another kernel: the fp32 bound.
    expect_close(la, lb);
    const uint64_t last = i + n - 1;
    expect_close(la, std::vector<float>(want.begin() + last * V, want.begin() + (last + 1) * V));
  }
}

TEST_F(SyntheticModel, rewinding_then_going_on_equals_a_fresh_prefill) {
  auto l = load_synthetic(device(), {});
  ASSERT_TRUE(l);
  const uint32_t V = l->tensors.config.vocab;
  const auto a = some_tokens(9, V), b = some_tokens(14, V);
  std::span<const uint32_t> a6 = std::span(a).first(6), b5 = std::span(b).first(5);
  auto fresh = Session::create(*l->model, {});
  ASSERT_OK(fresh);
  std::vector<float> want(V), got(V);
  ASSERT_OK(fresh.value()->eval(a6, nullptr, false));
  ASSERT_OK(fresh.value()->eval(b5, want.data(), false));
  // The same steps with a[6..9) between, then rewound: the dropped positions leave no trace.
  auto s = Session::create(*l->model, {});
  ASSERT_OK(s);
  ASSERT_OK(s.value()->eval(a6, nullptr, false));
  ASSERT_OK(s.value()->eval(std::span(a).subspan(6), nullptr, false));
  EXPECT_FALSE(s.value()->rewind(10).ok());
  ASSERT_OK(s.value()->rewind(6));
  ASSERT_OK(s.value()->eval(b5, got.data(), false));
  EXPECT_EQ(got, want);  // the same kernels on the same inputs: bit-identical
}

TEST_F(SyntheticModel, rewinding_past_the_sliding_ring_is_refused) {
  auto l = load_synthetic(device(), {});
  ASSERT_TRUE(l);
  SessionOptions so;
  so.context = 64;
  so.max_step_tokens = 5;  // ring of window 4 + 5 = 9 positions on the sliding layers
  auto s = Session::create(*l->model, so);
  ASSERT_OK(s);
  ASSERT_OK(s.value()->eval(some_tokens(20, l->tensors.config.vocab), nullptr, false));
  // Back to 10: position 10 needs keys 7..9, whose slots positions 16..18 took over.
  const host::Status r = s.value()->rewind(10);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.message().find("reset and evaluate again"), std::string::npos) << r.message();
  EXPECT_EQ(s.value()->position(), 20u);
  ASSERT_OK(s.value()->rewind(16));  // needs 13..15, still held
  ASSERT_OK(s.value()->rewind(0));
}

TEST_F(SyntheticModel, top_k_override_changes_the_routing) {
  auto l = load_synthetic(device(), {});
  ASSERT_TRUE(l);
  const uint32_t V = l->tensors.config.vocab, T = 6;
  auto tokens = some_tokens(T, V);
  for (uint32_t k : {1u, 2u}) {
    SessionOptions so;
    so.top_k = k;
    auto s = Session::create(*l->model, so);
    ASSERT_OK(s);
    std::vector<float> got(uint64_t{T} * V);
    ASSERT_OK(s.value()->eval(tokens, got.data(), true));
    expect_close(got, reference::forward(l->tensors, tokens, k));
  }
  SessionOptions bad;
  bad.top_k = 9;
  auto s = Session::create(*l->model, bad);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("experts per token 9"), std::string::npos);
}

// `threads` threads, each with `sessions` sessions of 3 prefills of `T` tokens, must give the
// logits of one session bit for bit (same kernels, same inputs).
void expect_threads_agree(host::Device& device, int threads, int sessions, uint32_t T) {
  auto l = load_synthetic(device, {});
  ASSERT_TRUE(l);
  const uint32_t V = l->tensors.config.vocab;
  auto tokens = some_tokens(T, V);
  std::vector<float> want(uint64_t{T} * V);
  {
    auto s = Session::create(*l->model, {});
    ASSERT_OK(s);
    ASSERT_OK(s.value()->eval(tokens, want.data(), true));
  }
  std::vector<std::string> problems(threads);
  auto run = [&](int i) {
    for (int session = 0; session < sessions; ++session) {
      auto s = Session::create(*l->model, {});
      if (!s.ok()) return void(problems[i] = s.status().to_string());
      std::vector<float> got(want.size());
      for (int rep = 0; rep < 3; ++rep) {
        s.value()->reset();
        auto r = s.value()->eval(tokens, got.data(), true);
        if (!r.ok()) return void(problems[i] = r.to_string());
        if (got != want) return void(problems[i] = "logits differ from the single-session run");
      }
    }
  };
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i) pool.emplace_back(run, i);
  for (auto& t : pool) t.join();
  for (int i = 0; i < threads; ++i) EXPECT_EQ(problems[i], "") << "thread " << i;
}

TEST_F(SyntheticModel, two_sessions_on_two_threads_agree_with_one) {
  expect_threads_agree(device(), 2, 1, 16);
}

TEST_F(SyntheticModel, many_sessions_on_many_threads_agree_with_one) {
  expect_threads_agree(device(), 4, 2, 7);  // bounded in time by the small model
}

TEST_F(SyntheticModel, freeing_a_model_and_its_sessions_returns_all_device_memory) {
  const uint64_t before = device().allocator().bytes_in_use();
  {
    auto l = load_synthetic(device(), {});
    ASSERT_TRUE(l);
    auto a = Session::create(*l->model, {});
    auto b = Session::create(*l->model, {});
    ASSERT_OK(a);
    ASSERT_OK(b);
    auto tokens = some_tokens(3, l->tensors.config.vocab);
    ASSERT_OK(a.value()->eval(tokens, nullptr, false));
    EXPECT_GT(device().allocator().bytes_in_use(), before);
  }
  EXPECT_EQ(device().allocator().bytes_in_use(), before);
}

TEST_F(SyntheticModel, a_context_beyond_device_memory_is_refused_before_allocating) {
  auto l = load_synthetic(device(), {});
  ASSERT_TRUE(l);
  const uint64_t before = device().allocator().bytes_in_use();
  SessionOptions so;
  so.context = 1u << 31;  // 2^31 positions x 16 floats x K and V: far beyond any heap
  auto s = Session::create(*l->model, so);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("positions needs"), std::string::npos)
      << s.status().message();
  EXPECT_EQ(s.status().vk_result(), VK_ERROR_OUT_OF_DEVICE_MEMORY);
  EXPECT_EQ(device().allocator().bytes_in_use(), before);
}

TEST_F(SyntheticModel, nan_weights_are_reported_by_tensor_or_refused) {
  auto w = synthetic_model({});
  ASSERT_OK(w);
  auto bytes = w.value().bytes();
  {
    auto f = GgufFile::parse(bytes, "synthetic");
    ASSERT_OK(f);
    const GgufTensor* t = f.value()->tensor("blk.1.ffn_down_exps.weight");
    ASSERT_NE(t, nullptr);
    bytes[t->offset] = 0xFF;  // the first block's E8M0 scale: NaN, poisoning its 32 weights
  }
  auto f = GgufFile::parse(bytes, "synthetic");
  ASSERT_OK(f);
  auto t = read_gguf_model(*f.value());
  ASSERT_OK(t);
  auto m = Model::upload(device(), t.value());
  ASSERT_OK(m);
  using Report = std::vector<std::pair<std::string, uint64_t>>;
  EXPECT_EQ(m.value()->non_finite(), (Report{{"blk.1.ffn_down_exps.weight", 32}}));
  ModelOptions refuse;
  refuse.upload.refuse_non_finite = true;
  auto r = Model::upload(device(), t.value(), refuse);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("blk.1"), std::string::npos) << r.status().message();
}

// Norm gains, biases and sinks are counted like the matrices: a NaN there poisons every logit.
TEST_F(SyntheticModel, nan_and_inf_in_norms_biases_and_sinks_are_reported_by_tensor) {
  auto t = read_synthetic({});
  ASSERT_TRUE(t);
  ModelTensors& m = t->tensors;
  m.layers[0].sinks[1] = std::nanf("");
  m.layers[1].down_bias[3] = std::numeric_limits<float>::infinity();
  m.layers[1].down_bias[5] = -std::numeric_limits<float>::infinity();
  m.output_norm[0] = std::nanf("");
  auto model = Model::upload(device(), m);
  ASSERT_OK(model);
  using Report = std::vector<std::pair<std::string, uint64_t>>;
  EXPECT_EQ(model.value()->non_finite(), (Report{{"output_norm.weight", 1},
                                                 {"blk.0.attn_sinks.weight", 1},
                                                 {"blk.1.ffn_down_exps.bias", 2}}));
  ModelOptions refuse;
  refuse.upload.refuse_non_finite = true;
  auto r = Model::upload(device(), m, refuse);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("output_norm.weight"), std::string::npos)
      << r.status().message();
}

TEST_F(SyntheticModel, bad_tokens_and_context_overflow_are_errors_that_keep_the_session) {
  auto l = load_synthetic(device(), {});
  ASSERT_TRUE(l);
  SessionOptions so;
  so.context = 8;
  auto s = Session::create(*l->model, so);
  ASSERT_OK(s);
  Session& session = *s.value();
  std::vector<uint32_t> bad = {1, 2, 512};
  auto r = session.eval(bad, nullptr, false);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.message().find("token id 512 at index 2 is out of range (vocabulary 512)"),
            std::string::npos)
      << r.message();
  std::vector<uint32_t> six = some_tokens(6, 512);
  ASSERT_OK(session.eval(six, nullptr, false));
  r = session.eval(six, nullptr, false);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.message().find("context overflow"), std::string::npos) << r.message();
  EXPECT_EQ(session.position(), 6u);
  EXPECT_TRUE(session.usable());
  ASSERT_OK(session.eval(std::span(six).first(2), nullptr, false));
}

}  // namespace
}  // namespace ossvk::testing

namespace ossvk::testing {
namespace {

std::vector<float> gpu_logits(host::Device& device, const ModelTensors& t,
                              const std::vector<uint32_t>& tokens) {
  auto model = Model::upload(device, t);
  EXPECT_TRUE(model.ok()) << model.status().to_string();
  if (!model.ok()) return {};
  auto s = Session::create(*model.value(), {});
  EXPECT_TRUE(s.ok());
  std::vector<float> out(tokens.size() * uint64_t{t.config.vocab});
  EXPECT_TRUE(s.value()->eval(tokens, out.data(), true).ok());
  return out;
}

class Loaders : public GpuTest {};

// The same logical weights as GGUF and as a Hugging Face folder: MXFP4 experts in split vs
// linear nibble order with gate/up apart vs interleaved, and bf16 re-train experts transposed.
// Both become the same device planes, so the logits must be bit-identical.
TEST_F(Loaders, gguf_and_hugging_face_folders_give_the_same_logits) {
  for (TensorFormat experts : {TensorFormat::mxfp4, TensorFormat::bf16}) {
    SCOPED_TRACE(tensor_format_info(experts).name);
    SyntheticOptions o;
    o.experts = experts;
    auto from_gguf = read_synthetic(o);
    ASSERT_TRUE(from_gguf);
    const std::string dir = ::testing::TempDir() + "/ossvk_hf_" + tensor_format_info(experts).name;
    write_hf_checkpoint(from_gguf->tensors, dir);
    auto from_hf = read_hf_model(dir);
    ASSERT_OK(from_hf);
    const ModelConfig &a = from_gguf->tensors.config, &b = from_hf.value()->tensors.config;
    EXPECT_EQ(std::tie(a.layers, a.hidden, a.vocab, a.heads, a.kv_heads, a.head_dim, a.experts,
                       a.top_k, a.ff, a.window),
              std::tie(b.layers, b.hidden, b.vocab, b.heads, b.kv_heads, b.head_dim, b.experts,
                       b.top_k, b.ff, b.window));
    const auto tokens = some_tokens(10, a.vocab);
    const auto x = gpu_logits(device(), from_gguf->tensors, tokens);
    const auto y = gpu_logits(device(), from_hf.value()->tensors, tokens);
    ASSERT_FALSE(x.empty());
    EXPECT_EQ(x, y);
    std::filesystem::remove_all(dir);
  }
}

// MLX folders as mlx-lm writes them: MXFP4 experts as uint32 words + uint8 scales (the same
// bytes as HF's blocks) give the GGUF's logits bit for bit; MLX affine 8-bit dense matrices
// (groups of 64, bf16 scales and biases, embedding and router included) run on the device as
// the reference decodes them.
TEST_F(Loaders, mlx_folders) {
  auto from_gguf = read_synthetic({});
  ASSERT_TRUE(from_gguf);
  const auto tokens = some_tokens(10, from_gguf->tensors.config.vocab);
  const std::string dir = ::testing::TempDir() + "/ossvk_mlx";
  write_mlx_checkpoint(from_gguf->tensors, dir, {});
  auto mxfp4 = read_hf_model(dir);
  ASSERT_OK(mxfp4);
  EXPECT_EQ(mxfp4.value()->tensors.layers[0].gate.format, TensorFormat::mxfp4_linear);
  const auto x = gpu_logits(device(), from_gguf->tensors, tokens);
  ASSERT_FALSE(x.empty());
  EXPECT_EQ(x, gpu_logits(device(), mxfp4.value()->tensors, tokens));
  std::filesystem::remove_all(dir);

  write_mlx_checkpoint(from_gguf->tensors, dir, {.dense = MlxQuant{8, 64}});
  auto affine = read_hf_model(dir);
  ASSERT_OK(affine);
  const ModelTensors& t = affine.value()->tensors;
  for (const TensorData* m : {&t.embedding, &t.output, &t.layers[0].q, &t.layers[1].router}) {
    EXPECT_EQ(m->format, TensorFormat::mlx_affine8);
    EXPECT_EQ(m->group_size, 64u);
    EXPECT_EQ(m->scale_dtype, ScaleDtype::bf16);
  }
  expect_close(gpu_logits(device(), t, tokens), reference::forward(t, tokens, t.config.top_k));
  std::filesystem::remove_all(dir);
}

// MLX affine folders of every odd width, as mlx-lm writes a re-train's conversion: every matrix
// (experts included) at `bits`, the router 8-bit in groups of 64 by its own config entry, and
// the modules whose input is not whole groups (the tiny model's ff of 96 with groups of 64: the
// experts' down_proj) left unquantized. Logits against reference::forward on the same weights.
TEST_F(Loaders, mlx_affine_folders_of_every_width) {
  auto from_gguf = read_synthetic({});
  ASSERT_TRUE(from_gguf);
  const auto tokens = some_tokens(9, from_gguf->tensors.config.vocab);
  const std::string dir = ::testing::TempDir() + "/ossvk_mlx_widths";
  for (const MlxQuant& q : {MlxQuant{6, 64, ScaleDtype::bf16}, MlxQuant{3, 32, ScaleDtype::f16},
                            MlxQuant{5, 32, ScaleDtype::f32}, MlxQuant{2, 128, ScaleDtype::bf16}}) {
    SCOPED_TRACE(std::to_string(q.bits) + "-bit, groups of " + std::to_string(q.group_size));
    write_mlx_checkpoint(from_gguf->tensors, dir,
                         {.dense = q, .router = MlxQuant{8, 64}, .experts = q});
    auto m = read_hf_model(dir);
    ASSERT_OK(m);
    const ModelTensors& t = m.value()->tensors;
    TensorFormat want;
    ASSERT_TRUE(mlx_affine_format(q.bits, &want));
    const bool whole = t.config.hidden % q.group_size == 0;  // 64 inputs: not whole groups of 128
    EXPECT_EQ(t.layers[0].q.format, whole ? want : TensorFormat::bf16);
    EXPECT_EQ(t.layers[0].gate.format, whole ? want : TensorFormat::f32);
    EXPECT_EQ(t.layers[1].router.format, TensorFormat::mlx_affine8);
    EXPECT_EQ(t.layers[0].down.format, t.config.ff % q.group_size == 0 ? want : TensorFormat::f32);
    if (whole) {
      EXPECT_EQ(t.layers[0].q.scale_dtype, q.scale_dtype);
    }
    expect_close(gpu_logits(device(), t, tokens), reference::forward(t, tokens, t.config.top_k));
    std::filesystem::remove_all(dir);
  }
}

// mlx-lm's mixed recipes (mixed_3_6 ...) give v_proj more bits than q_proj and k_proj: the three
// are uploaded apart and fill one stacked output.
TEST_F(Loaders, mlx_mixed_widths_within_attention) {
  auto from_gguf = read_synthetic({});
  ASSERT_TRUE(from_gguf);
  const auto tokens = some_tokens(9, from_gguf->tensors.config.vocab);
  const std::string dir = ::testing::TempDir() + "/ossvk_mlx_mixed";
  write_mlx_checkpoint(from_gguf->tensors, dir,
                       {.dense = MlxQuant{3, 64}, .v_proj = MlxQuant{6, 64}});
  auto m = read_hf_model(dir);
  ASSERT_OK(m);
  const ModelTensors& t = m.value()->tensors;
  EXPECT_EQ(t.layers[0].q.format, TensorFormat::mlx_affine3);
  EXPECT_EQ(t.layers[0].v.format, TensorFormat::mlx_affine6);
  const std::vector<uint32_t> three(tokens.begin(), tokens.begin() + 3);
  for (const auto& run : {tokens, three})  // 9 tokens: the matmul; 3: the matvec
    expect_close(gpu_logits(device(), t, run), reference::forward(t, run, t.config.top_k));
  std::filesystem::remove_all(dir);
}

// config.json's quantization section and the tensors must agree, module by module.
TEST_F(Loaders, mlx_config_that_disagrees_with_the_tensors_is_refused) {
  auto from_gguf = read_synthetic({});
  ASSERT_TRUE(from_gguf);
  const std::string dir = ::testing::TempDir() + "/ossvk_mlx_config";
  const std::string q_proj = "model.layers.0.self_attn.q_proj";
  auto rewrite = [&](const std::string& key, const nlohmann::json& value) {
    write_mlx_checkpoint(from_gguf->tensors, dir, {.dense = MlxQuant{6, 64}});
    nlohmann::json config;
    std::ifstream(dir + "/config.json") >> config;
    for (const char* section : {"quantization", "quantization_config"})
      config[section][key] = value;
    std::ofstream(dir + "/config.json") << config.dump();
    return read_hf_model(dir);
  };
  auto wrong_bits = rewrite(q_proj, {{"group_size", 64}, {"bits", 4}});
  ASSERT_FALSE(wrong_bits.ok());
  EXPECT_NE(wrong_bits.status().message().find("module '" + q_proj + "' is affine 4-bit"),
            std::string::npos)
      << wrong_bits.status().message();
  auto said_unquantized = rewrite(q_proj, false);
  ASSERT_FALSE(said_unquantized.ok());
  EXPECT_NE(said_unquantized.status().message().find("is unquantized in the quantization"),
            std::string::npos);
  auto global_group = rewrite("group_size", 32);  // every module names no group of its own
  ASSERT_FALSE(global_group.ok());
  EXPECT_NE(global_group.status().message().find("groups of 32"), std::string::npos);
  auto not_an_entry = rewrite(q_proj, "6-bit");
  ASSERT_FALSE(not_an_entry.ok());
  EXPECT_NE(not_an_entry.status().message().find("neither an object nor a boolean"),
            std::string::npos);
  EXPECT_TRUE(rewrite(q_proj, {{"group_size", 64}, {"bits", 6}}).ok());
  std::filesystem::remove_all(dir);
}

TEST_F(Loaders, the_openai_original_layout_gives_the_same_logits_as_gguf) {
  auto from_gguf = read_synthetic({});
  ASSERT_TRUE(from_gguf);
  const std::string dir = ::testing::TempDir() + "/ossvk_openai";
  write_hf_checkpoint(from_gguf->tensors, dir, /*openai=*/true);
  auto from_openai = read_hf_model(dir);
  ASSERT_OK(from_openai);
  const auto tokens = some_tokens(10, from_gguf->tensors.config.vocab);
  const auto x = gpu_logits(device(), from_gguf->tensors, tokens);
  ASSERT_FALSE(x.empty());
  EXPECT_EQ(x, gpu_logits(device(), from_openai.value()->tensors, tokens));
  std::filesystem::remove_all(dir);
}

TEST_F(Loaders, a_broken_hugging_face_folder_names_what_is_wrong) {
  auto l = read_synthetic({});
  ASSERT_TRUE(l);
  const std::string dir = ::testing::TempDir() + "/ossvk_hf_broken";
  write_hf_checkpoint(l->tensors, dir);
  // Truncate the shard: the last tensor's bytes now lie past the end.
  const std::string shard = dir + "/model.safetensors";
  std::filesystem::resize_file(shard, std::filesystem::file_size(shard) - 100);
  auto r = read_hf_model(dir);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(shard + ": tensor '"), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("truncated file?"), std::string::npos);
  std::filesystem::remove(shard);
  r = read_hf_model(dir);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("neither model.safetensors nor"), std::string::npos);
  std::filesystem::remove_all(dir);
  r = read_hf_model(dir);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("config.json: cannot open"), std::string::npos);
}

}  // namespace
}  // namespace ossvk::testing
