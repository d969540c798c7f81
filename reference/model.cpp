#include "reference/model.h"

#include <cstring>

#include "reference/attention.h"
#include "reference/matmul.h"
#include "reference/moe.h"

namespace ossvk::reference {
namespace {

// q, k and v stacked into one f32 matrix, decoded exactly from their file formats.
std::vector<float> fused_qkv(const LayerTensors& l, uint64_t hidden) {
  std::vector<float> out((l.q.m + l.k.m + l.v.m) * hidden);
  float* p = out.data();
  for (const TensorData* t : {&l.q, &l.k, &l.v})
    for (uint64_t r = 0; r < t->m; ++r, p += hidden) decode_row(*t, r, p);
  return out;
}

std::vector<float> concat(const std::vector<float>& a, const std::vector<float>& b,
                          const std::vector<float>& c) {
  std::vector<float> out(a);
  out.insert(out.end(), b.begin(), b.end());
  out.insert(out.end(), c.begin(), c.end());
  return out;
}

std::vector<float> to_float(const std::vector<double>& v) {
  return std::vector<float>(v.begin(), v.end());
}

}  // namespace

std::vector<float> forward(const ModelTensors& model, std::span<const uint32_t> tokens,
                           uint32_t top_k) {
  if (!model.lora.empty()) return forward(merge_lora(model).tensors, tokens, top_k);
  const ModelConfig& c = model.config;
  const uint32_t T = static_cast<uint32_t>(tokens.size()), D = c.hidden;
  std::vector<float> x(uint64_t{T} * D);
  for (uint32_t t = 0; t < T; ++t) decode_row(model.embedding, tokens[t], &x[uint64_t{t} * D]);

  for (uint32_t l = 0; l < c.layers; ++l) {
    const LayerTensors& L = model.layers[l];
    std::vector<float> qkv = fused_qkv(L, D);
    AttentionBlockWeights a;
    a.shape = {c.heads, c.kv_heads, c.head_dim, c.sliding(l) ? c.window : 0};
    a.rope = {c.rope_theta, c.rope_factor, c.rope_original_context, c.rope_beta_fast,
              c.rope_beta_slow};
    a.hidden = D;
    a.eps = c.eps;
    a.norm_gain = L.attn_norm;
    a.qkv = {TensorFormat::f32,
             L.q.m + L.k.m + L.v.m,
             D,
             {reinterpret_cast<const uint8_t*>(qkv.data()), qkv.size() * 4}};
    a.qkv_bias = concat(L.q_bias, L.k_bias, L.v_bias);
    a.sinks = L.sinks;
    a.out = L.out;
    a.out_bias = L.out_bias;
    x = to_float(attention_block(a, x, T, 0.0).out);

    MoeWeights m;
    m.experts = c.experts, m.hidden = D, m.ff = c.ff;
    m.norm_gain = L.post_norm;
    m.router = L.router;
    m.router_bias = L.router_bias;
    m.gate = L.gate, m.up = L.up, m.down = L.down;
    m.gate_bias = L.gate_bias, m.up_bias = L.up_bias, m.down_bias = L.down_bias;
    m.eps = c.eps;
    m.swiglu_alpha = c.swiglu_alpha, m.swiglu_limit = c.swiglu_limit;
    x = to_float(moe(m, x, T, top_k).out);
  }

  std::vector<float> normed(uint64_t{T} * D);
  std::vector<double> row(D);
  for (uint32_t t = 0; t < T; ++t) {
    rmsnorm(&x[uint64_t{t} * D], model.output_norm.data(), D, c.eps, row.data());
    for (uint32_t i = 0; i < D; ++i) normed[uint64_t{t} * D + i] = static_cast<float>(row[i]);
  }
  return matmul(model.output, normed, T, {}).y;
}

}  // namespace ossvk::reference
