#include "support/lora_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "backend/loader/gguf_writer.h"
#include "backend/loader/lora_adapter.h"
#include "support/safetensors_writer.h"

namespace ossvk::testing {
namespace {

constexpr const char* kMlxNames[] = {
    "self_attn.q_proj", "self_attn.k_proj",      "self_attn.v_proj",    "self_attn.o_proj",
    "mlp.router",       "mlp.experts.gate_proj", "mlp.experts.up_proj", "mlp.experts.down_proj"};
constexpr const char* kGgufNames[] = {
    "attn_q.weight",       "attn_k.weight",        "attn_v.weight",      "attn_output.weight",
    "ffn_gate_inp.weight", "ffn_gate_exps.weight", "ffn_up_exps.weight", "ffn_down_exps.weight"};

std::vector<uint8_t> bytes_of(const std::vector<float>& v) {
  const auto* p = reinterpret_cast<const uint8_t*>(v.data());
  return {p, p + v.size() * 4};
}

}  // namespace

std::vector<LoraModule> random_lora(const ModelConfig& c,
                                    const std::vector<std::pair<uint32_t, LoraTarget>>& where,
                                    uint32_t rank, uint64_t seed, float b_sigma) {
  std::mt19937_64 rng(seed);
  std::vector<LoraModule> out;
  for (auto [layer, target] : where) {
    const LoraShape s = lora_shape(c, target);
    LoraModule m;
    m.layer = layer, m.target = target;
    m.experts = s.experts, m.rank = rank, m.in = s.in, m.out = s.out;
    m.name = "blk." + std::to_string(layer) + "." + kGgufNames[static_cast<int>(target)];
    std::normal_distribution<float> a(0.0f, 1.0f / std::sqrt(float(s.in))), b(0.0f, b_sigma);
    m.a.resize(uint64_t{s.experts} * rank * s.in);
    m.b.resize(uint64_t{s.experts} * s.out * rank);
    for (float& v : m.a) v = a(rng);
    for (float& v : m.b) v = b(rng);
    out.push_back(std::move(m));
  }
  return out;
}

void write_mlx_adapter(const std::vector<LoraModule>& modules, const std::string& dir, float scale,
                       int num_layers) {
  std::filesystem::create_directories(dir);
  SafetensorsWriter w;
  for (const LoraModule& m : modules) {
    const std::string base =
        "model.layers." + std::to_string(m.layer) + "." + kMlxNames[static_cast<int>(m.target)];
    if (m.experts > 1 || m.target >= LoraTarget::gate) {
      w.add_floats(base + ".lora_a", {m.experts, m.rank, m.in}, m.a);
      w.add_floats(base + ".lora_b", {m.experts, m.out, m.rank}, m.b);
      continue;
    }
    std::vector<float> a(m.a.size()), b(m.b.size());  // [in][r] and [r][out]
    for (uint64_t r = 0; r < m.rank; ++r)
      for (uint64_t j = 0; j < m.in; ++j) a[j * m.rank + r] = m.a[r * m.in + j];
    for (uint64_t i = 0; i < m.out; ++i)
      for (uint64_t r = 0; r < m.rank; ++r) b[r * m.out + i] = m.b[i * m.rank + r];
    w.add_floats(base + ".lora_a", {m.in, m.rank}, a);
    w.add_floats(base + ".lora_b", {m.rank, m.out}, b);
  }
  w.write(dir + "/adapters.safetensors");
  const nlohmann::json config = {
      {"fine_tune_type", "lora"},
      {"num_layers", num_layers},
      {"lora_parameters",
       {{"rank", modules.empty() ? 8 : modules.front().rank}, {"scale", scale}, {"dropout", 0.0}}}};
  std::ofstream(dir + "/adapter_config.json") << config.dump(2);
}

void write_gguf_adapter(const std::vector<LoraModule>& modules, const std::string& path,
                        float alpha) {
  GgufWriter w;
  w.add_string("general.architecture", "gpt-oss");
  w.add_string("general.type", "adapter");
  w.add_string("adapter.type", "lora");
  w.add_float32("adapter.lora.alpha", alpha);
  for (const LoraModule& m : modules) {
    const std::string base =
        "blk." + std::to_string(m.layer) + "." + kGgufNames[static_cast<int>(m.target)];
    std::vector<uint64_t> a_dims{m.in, m.rank}, b_dims{m.rank, m.out};
    if (m.target >= LoraTarget::gate) a_dims.push_back(m.experts), b_dims.push_back(m.experts);
    w.add_tensor(base + ".lora_a", TensorFormat::f32, a_dims, bytes_of(m.a));
    w.add_tensor(base + ".lora_b", TensorFormat::f32, b_dims, bytes_of(m.b));
  }
  EXPECT_TRUE(w.write(path).ok());
}

}  // namespace ossvk::testing
