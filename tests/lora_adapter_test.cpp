// LoRA adapters end to end: mlx-lm folders and llama.cpp GGUF adapters written by the project's
// own writers, read onto a synthetic base model, and run on the device as side paths; logits
// against reference::forward on the merged weights (W + B A in f32), within the bound the other
// whole-model tests use. Also the scales each format implies, stacking two adapters, an adapter
// of zeros (bit-identical logits), and every malformed adapter refused by tensor name.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "backend/loader/hf_model.h"
#include "backend/loader/lora_adapter.h"
#include "backend/model/session.h"
#include "support/gpu.h"
#include "support/hf_writer.h"
#include "support/lora_writer.h"
#include "support/safetensors_writer.h"
#include "support/synthetic_loader.h"

namespace ossvk::testing {
namespace {

namespace fs = std::filesystem;
using Where = std::vector<std::pair<uint32_t, LoraTarget>>;

constexpr LoraTarget kAll[] = {LoraTarget::q,   LoraTarget::k,      LoraTarget::v,
                               LoraTarget::out, LoraTarget::router, LoraTarget::gate,
                               LoraTarget::up,  LoraTarget::down};

Where every_target(std::initializer_list<uint32_t> layers) {
  Where w;
  for (uint32_t l : layers)
    for (LoraTarget t : kAll) w.emplace_back(l, t);
  return w;
}

std::string temp(const std::string& name) {
  return (fs::path(::testing::TempDir()) / ("ossvk_lora_" + name)).string();
}

// The logits of the last two positions of `tokens` in one session: the prompt but its last
// token as one step (all of it in one command buffer, so a long one takes the grouped expert
// path where that pays), then the last token as a decode step (a replayed command buffer).
std::vector<float> device_logits(host::Device& device, const ModelTensors& t,
                                 const std::vector<uint32_t>& tokens) {
  auto model = Model::upload(device, t);
  EXPECT_TRUE(model.ok()) << model.status().to_string();
  if (!model.ok()) return {};
  auto s = Session::create(*model.value(), {});
  EXPECT_TRUE(s.ok());
  const uint64_t V = t.config.vocab, n = tokens.size();
  std::vector<float> out(std::min<uint64_t>(n, 2) * V);
  if (n > 1) {
    EXPECT_TRUE(s.value()->eval(std::span(tokens).first(n - 1), out.data(), false).ok());
  }
  EXPECT_TRUE(s.value()->eval(std::span(tokens).last(1), out.data() + out.size() - V, false).ok());
  return out;
}

// reference::forward's rows for what device_logits returns.
std::vector<float> reference_logits(const ModelTensors& t, const std::vector<uint32_t>& tokens) {
  const std::vector<float> all = reference::forward(t, tokens, t.config.top_k);
  const uint64_t V = t.config.vocab, rows = std::min<uint64_t>(tokens.size(), 2);
  return std::vector<float>(all.end() - rows * V, all.end());
}

// The adapter changes the logits noticeably (so the comparison tests the side path).
void expect_changed(const std::vector<float>& adapted, const std::vector<float>& base) {
  double largest = 0, moved = 0;
  for (size_t i = 0; i < base.size(); ++i) {
    largest = std::max(largest, double(std::fabs(base[i])));
    moved = std::max(moved, double(std::fabs(adapted[i] - base[i])));
  }
  EXPECT_GT(moved, 1e-2 * largest);
}

class LoraAdapter : public GpuTest {};

void matches_reference(host::Device& device, const ModelTensors& t, uint32_t tokens_n) {
  const auto tokens = some_tokens(tokens_n, t.config.vocab);
  expect_close(device_logits(device, t, tokens), reference_logits(t, tokens));
}

TEST_F(LoraAdapter, an_mlx_folder_matches_the_merged_reference) {
  auto base = read_synthetic({.layers = 4});
  ASSERT_TRUE(base);
  // mlx-lm adapts the last num_layers blocks: here 2 of 4, every module of each.
  const auto modules = random_lora(base->tensors.config, every_target({2, 3}), 8, 1);
  const std::string dir = temp("mlx");
  write_mlx_adapter(modules, dir, 2.0f, 2);
  ModelTensors t = base->tensors;
  ASSERT_OK(read_lora_adapter(dir, 1.0f, t));
  ASSERT_EQ(t.lora.size(), modules.size());
  const auto tokens = some_tokens(9, t.config.vocab);
  expect_changed(device_logits(device(), t, tokens),
                 device_logits(device(), base->tensors, tokens));
  for (uint32_t n : {1u, 9u, 40u}) matches_reference(device(), t, n);
  fs::remove_all(dir);
}

TEST_F(LoraAdapter, a_gguf_adapter_matches_the_merged_reference) {
  for (TensorFormat experts : {TensorFormat::mxfp4, TensorFormat::q8_0}) {
    SCOPED_TRACE(tensor_format_info(experts).name);
    auto base = read_synthetic({.experts = experts, .dense = TensorFormat::q8_0});
    ASSERT_TRUE(base);
    // rank 16, alpha 32 as published gpt-oss fine-tunes: scale 2.
    const auto modules = random_lora(base->tensors.config, every_target({0, 1}), 16, 2);
    const std::string path = temp("adapter.gguf");
    write_gguf_adapter(modules, path, 32.0f);
    ModelTensors t = base->tensors;
    ASSERT_OK(read_lora_adapter(path, 1.0f, t));
    // Through descriptors (texel buffers on lavapipe) and device addresses, GPUs' access.
    for (host::Device* d : {&device(), gpu_with(host::BufferAccess::addresses).device.get()})
      for (uint32_t n : {1u, 9u, 70u}) matches_reference(*d, t, n);
    fs::remove(path);
  }
}

TEST_F(LoraAdapter, an_mlx_six_bit_base_with_an_adapter_matches_the_reference) {
  auto gguf = read_synthetic({});
  ASSERT_TRUE(gguf);
  const std::string dir = temp("mlx6_base");
  write_mlx_checkpoint(
      gguf->tensors, dir,
      {.dense = MlxQuant{6, 32}, .router = MlxQuant{8, 32}, .experts = MlxQuant{6, 32}});
  auto base = read_hf_model(dir);
  ASSERT_OK(base);
  ModelTensors t = base.value()->tensors;
  const std::string adapter = temp("mlx6_adapter");
  write_mlx_adapter(random_lora(t.config, every_target({0, 1}), 4, 3), adapter, 4.0f, -1);
  ASSERT_OK(read_lora_adapter(adapter, 0.5f, t));
  for (uint32_t n : {1u, 9u}) matches_reference(device(), t, n);
  fs::remove_all(dir);
  fs::remove_all(adapter);
}

TEST_F(LoraAdapter, each_format_scales_b_as_it_says) {
  auto base = read_synthetic({});
  ASSERT_TRUE(base);
  const auto modules = random_lora(base->tensors.config, {{0, LoraTarget::q}}, 16, 4);
  const float b0 = modules[0].b[0];
  const struct {
    const char* kind;
    float file_scale, user_scale, want;
  } cases[] = {{"mlx", 20.0f, 0.5f, 10.0f},  // mlx-lm: scale is the multiplier
               {"gguf", 32.0f, 0.5f, 1.0f},  // llama.cpp: user x alpha / rank
               {"gguf", 0.0f, 0.5f, 0.5f}};  // alpha 0: the user's scale alone
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.kind) + " " + std::to_string(c.file_scale));
    const std::string path = temp(std::string("scale.") + c.kind);
    if (c.kind == std::string("mlx"))
      write_mlx_adapter(modules, path, c.file_scale, -1);
    else
      write_gguf_adapter(modules, path, c.file_scale);
    ModelTensors t = base->tensors;
    ASSERT_OK(read_lora_adapter(path, c.user_scale, t));
    ASSERT_EQ(t.lora.size(), 1u);
    EXPECT_EQ(t.lora[0].b[0], b0 * c.want);
    EXPECT_EQ(t.lora[0].a, modules[0].a);
    fs::remove_all(path);
  }
}

TEST_F(LoraAdapter, two_adapters_on_one_matrix_add) {
  auto base = read_synthetic({});
  ASSERT_TRUE(base);
  const ModelConfig& c = base->tensors.config;
  const std::string mlx = temp("two_mlx"), gguf = temp("two.gguf");
  write_mlx_adapter(random_lora(c, {{1, LoraTarget::q}, {1, LoraTarget::gate}}, 4, 5), mlx, 1.0f,
                    -1);
  write_gguf_adapter(random_lora(c, {{1, LoraTarget::q}, {1, LoraTarget::down}}, 8, 6), gguf, 0.0f);
  ModelTensors t = base->tensors;
  ASSERT_OK(read_lora_adapter(mlx, 1.0f, t));
  ASSERT_OK(read_lora_adapter(gguf, 2.0f, t));
  auto model = Model::upload(device(), t);
  ASSERT_OK(model);
  EXPECT_EQ(model.value()->layers()[1].qkv_lora.rank, 12u);  // the two ranks stacked
  for (uint32_t n : {1u, 9u}) matches_reference(device(), t, n);
  fs::remove_all(mlx);
  fs::remove(gguf);
}

TEST_F(LoraAdapter, an_adapter_of_zeros_gives_bit_identical_logits) {
  auto base = read_synthetic({});
  ASSERT_TRUE(base);
  auto modules = random_lora(base->tensors.config, every_target({0, 1}), 8, 7);
  for (LoraModule& m : modules) std::fill(m.b.begin(), m.b.end(), 0.0f);
  const std::string path = temp("zeros.gguf");
  write_gguf_adapter(modules, path, 16.0f);
  ModelTensors t = base->tensors;
  ASSERT_OK(read_lora_adapter(path, 1.0f, t));
  // Both expert paths: per pair, and grouped at 70 tokens (on a CPU device through texels the
  // matvec's columns, through device addresses the scalar tiles), with the adapter on the same
  // path as without.
  for (host::Device* d : {&device(), gpu_with(host::BufferAccess::addresses).device.get()})
    for (uint32_t n : {1u, 9u, 70u}) {
      const auto tokens = some_tokens(n, t.config.vocab);
      EXPECT_EQ(device_logits(*d, t, tokens), device_logits(*d, base->tensors, tokens));
    }
  fs::remove(path);
}

// A refused adapter: read_lora_adapter's message contains `want`, and nothing is appended.
void expect_refused(const std::string& path, const ModelTensors& base, const std::string& want) {
  ModelTensors t = base;
  const host::Status s = read_lora_adapter(path, 1.0f, t);
  ASSERT_FALSE(s.ok()) << "accepted; expected: " << want;
  EXPECT_NE(s.message().find(want), std::string::npos) << s.message();
  EXPECT_TRUE(t.lora.empty());
}

TEST_F(LoraAdapter, malformed_adapters_are_refused_by_tensor_name) {
  auto base = read_synthetic({.layers = 4});
  ASSERT_TRUE(base);
  const ModelTensors& t = base->tensors;
  const ModelConfig& c = t.config;
  const std::string dir = temp("bad_mlx"), gguf = temp("bad.gguf");
  auto q = random_lora(c, {{3, LoraTarget::q}}, 4, 8);

  // mlx-lm folders.
  write_mlx_adapter(q, dir, 1.0f, -1);
  {
    SafetensorsWriter w;  // a module ossvk does not adapt
    const std::vector<float> a(64 * 4), b(4 * 512);
    w.add_floats("model.layers.0.self_attn.q_proj.lora_a", {64, 4}, a);
    w.add_floats("model.layers.0.self_attn.q_proj.lora_b", {4, 64}, a);
    w.add_floats("lm_head.lora_a", {64, 4}, a);
    w.add_floats("lm_head.lora_b", {4, 512}, b);
    w.write(dir + "/adapters.safetensors");
  }
  expect_refused(dir, t, "tensor 'lm_head.lora_a' matches no module");
  write_mlx_adapter(q, dir, 1.0f, 1);  // block 3 of 4 is the last: fine; now claim rank 8
  {
    std::ofstream(dir + "/adapter_config.json")
        << R"({"num_layers": 1, "lora_parameters": {"rank": 8, "scale": 1.0}})";
  }
  expect_refused(dir, t, "tensor 'model.layers.3.self_attn.q_proj.lora_a' has rank 4");
  write_mlx_adapter(random_lora(c, {{1, LoraTarget::q}}, 4, 8), dir, 1.0f, 2);
  expect_refused(dir, t, "'model.layers.1.self_attn.q_proj.lora_a' is for block 1, but");
  write_mlx_adapter(q, dir, 1.0f, -1);
  std::ofstream(dir + "/adapter_config.json")
      << R"({"fine_tune_type": "dora", "lora_parameters": {"rank": 4, "scale": 1.0}})";
  expect_refused(dir, t, "fine_tune_type \"dora\"");
  {
    SafetensorsWriter w;  // lora_a without its lora_b, and a BF16 pair of the wrong shape
    write_mlx_adapter(q, dir, 1.0f, -1);
    w.add_floats("model.layers.3.self_attn.k_proj.lora_a", {64, 4}, std::vector<float>(256));
    w.write(dir + "/adapters.safetensors");
  }
  expect_refused(dir, t, "'model.layers.3.self_attn.k_proj.lora_a' has no");
  {
    SafetensorsWriter w;
    w.add_floats("model.layers.3.mlp.experts.up_proj.lora_a", {8, 4, 64},
                 std::vector<float>(8 * 4 * 64));
    w.add_floats("model.layers.3.mlp.experts.up_proj.lora_b", {8, 64, 4},  // ff is 96
                 std::vector<float>(8 * 64 * 4));
    w.write(dir + "/adapters.safetensors");
  }
  expect_refused(dir, t, "tensor 'model.layers.3.mlp.experts.up_proj.lora_b' is [8, 64, 4]");
  {
    SafetensorsWriter w;
    const std::vector<uint8_t> bytes(64 * 4);
    w.add("model.layers.3.self_attn.q_proj.lora_a", "U8", {64, 4}, bytes);
    w.write(dir + "/adapters.safetensors");
  }
  expect_refused(dir, t, "'model.layers.3.self_attn.q_proj.lora_a' is U8");
  fs::rename(dir + "/adapters.safetensors", dir + "/adapter_model.safetensors");
  expect_refused(dir, t, "a Hugging Face PEFT adapter");

  // GGUF adapters.
  write_gguf_adapter(random_lora(c, {{7, LoraTarget::v}}, 4, 9), gguf, 8.0f);
  expect_refused(gguf, t, "tensor 'blk.7.attn_v.weight.lora_a' is for block 7; the model has 4");
  auto bad_rank = random_lora(c, {{0, LoraTarget::down}}, 4, 10);
  bad_rank[0].b.resize(bad_rank[0].b.size() / 4 * 3);
  bad_rank[0].rank = 3;  // lora_b [3, out, E] against lora_a's rank 4
  {
    GgufWriter w;
    w.add_string("general.architecture", "gpt-oss");
    w.add_string("general.type", "adapter");
    w.add_string("adapter.type", "lora");
    auto bytes = [](const std::vector<float>& v) {
      const auto* p = reinterpret_cast<const uint8_t*>(v.data());
      return std::vector<uint8_t>(p, p + v.size() * 4);
    };
    w.add_tensor("blk.0.ffn_down_exps.weight.lora_a", TensorFormat::f32, {96, 4, 8},
                 bytes(bad_rank[0].a));
    w.add_tensor("blk.0.ffn_down_exps.weight.lora_b", TensorFormat::f32, {3, 64, 8},
                 bytes(bad_rank[0].b));
    ASSERT_OK(w.write(gguf));
  }
  expect_refused(gguf, t, "tensor 'blk.0.ffn_down_exps.weight.lora_b' is [8, 64, 3]");
  {
    GgufWriter w;  // a model, not an adapter
    w.add_string("general.architecture", "gpt-oss");
    w.add_string("general.type", "model");
    ASSERT_OK(w.write(gguf));
  }
  expect_refused(gguf, t, "general.type is 'model', not 'adapter'");
  {
    GgufWriter w;
    w.add_string("general.architecture", "llama");
    w.add_string("general.type", "adapter");
    w.add_string("adapter.type", "lora");
    ASSERT_OK(w.write(gguf));
  }
  expect_refused(gguf, t, "general.architecture is 'llama'");
  expect_refused(temp("missing.gguf"), t, "missing.gguf");
  fs::remove_all(dir);
  fs::remove(gguf);
}

}  // namespace
}  // namespace ossvk::testing
