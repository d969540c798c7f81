#include "backend/loader/gguf_model.h"

#include "backend/formats/half.h"
#include "backend/loader/model_config_check.h"

#include <cmath>
#include <cstring>

namespace ossvk {
namespace {

using host::Result;
using host::Status;

class Reader {
 public:
  explicit Reader(const GgufFile& f) : f_(f) {}

  Status error(const std::string& what) const { return Status::bad_file(f_.path() + ": " + what); }

  std::string shape(const std::vector<uint64_t>& dims) const {
    std::string s = "[";
    for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
    return s + "]";
  }

  Result<const GgufTensor*> find(const std::string& name, const std::vector<uint64_t>& dims) const {
    const GgufTensor* t = f_.tensor(name);
    if (!t) return error("missing tensor '" + name + "'");
    if (t->dims != dims)
      return error("tensor '" + name + "' has shape " + shape(t->dims) + ", expected " +
                   shape(dims) + " (ggml order)");
    return t;
  }

  // A weight matrix of `rows` rows of `cols` inputs; dims may carry a trailing expert count.
  Result<TensorData> matrix(const std::string& name, std::vector<uint64_t> dims) const {
    OSSVK_ASSIGN_OR_RETURN(const GgufTensor* t, find(name, dims));
    TensorData d;
    d.format = t->format;
    d.k = dims[0];
    d.m = t->elements() / dims[0];
    d.data = t->data;
    return d;
  }

  // A small vector (norm gain, bias, sinks) decoded to float.
  Result<std::vector<float>> vec(const std::string& name, std::vector<uint64_t> dims) const {
    OSSVK_ASSIGN_OR_RETURN(const GgufTensor* t, find(name, dims));
    std::vector<float> out(t->elements());
    const uint8_t* p = t->data.data();
    for (size_t i = 0; i < out.size(); ++i) {
      uint16_t h;
      switch (t->format) {
        case TensorFormat::f32:
          std::memcpy(&out[i], p + 4 * i, 4);
          break;
        case TensorFormat::f16:
          std::memcpy(&h, p + 2 * i, 2);
          out[i] = f16_to_float(h);
          break;
        case TensorFormat::bf16: {
          std::memcpy(&h, p + 2 * i, 2);
          out[i] = bf16_to_float(h);
          break;
        }
        default:
          return error("tensor '" + name + "' is " + tensor_format_info(t->format).name +
                       "; ossvk reads norms, biases and sinks as F32, F16 or BF16");
      }
    }
    return out;
  }

  Result<uint32_t> u32(const std::string& key) const {
    OSSVK_ASSIGN_OR_RETURN(uint64_t v, f_.get_uint(key));
    if (v == 0 || v > (1u << 30))
      return error("key '" + key + "' = " + std::to_string(v) + " is out of range");
    return static_cast<uint32_t>(v);
  }

 private:
  const GgufFile& f_;
};

Result<ModelConfig> read_config(const GgufFile& f, const Reader& r) {
  OSSVK_ASSIGN_OR_RETURN(std::string arch, f.get_string("general.architecture"));
  if (arch != "gpt-oss")
    return r.error("architecture '" + arch + "' is not gpt-oss (general.architecture)");
  ModelConfig c;
  const std::string p = "gpt-oss.";
  OSSVK_ASSIGN_OR_RETURN(c.layers, r.u32(p + "block_count"));
  OSSVK_ASSIGN_OR_RETURN(c.hidden, r.u32(p + "embedding_length"));
  OSSVK_ASSIGN_OR_RETURN(c.heads, r.u32(p + "attention.head_count"));
  OSSVK_ASSIGN_OR_RETURN(c.kv_heads, r.u32(p + "attention.head_count_kv"));
  OSSVK_ASSIGN_OR_RETURN(c.experts, r.u32(p + "expert_count"));
  OSSVK_ASSIGN_OR_RETURN(c.top_k, r.u32(p + "expert_used_count"));
  if (f.find(p + "expert_feed_forward_length")) {
    OSSVK_ASSIGN_OR_RETURN(c.ff, r.u32(p + "expert_feed_forward_length"));
  } else {
    OSSVK_ASSIGN_OR_RETURN(c.ff, r.u32(p + "feed_forward_length"));
  }
  OSSVK_ASSIGN_OR_RETURN(uint64_t context, f.get_uint(p + "context_length", 4096));
  OSSVK_ASSIGN_OR_RETURN(uint64_t window, f.get_uint(p + "attention.sliding_window", 0));
  OSSVK_ASSIGN_OR_RETURN(uint64_t period, f.get_uint(p + "attention.sliding_window_pattern", 2));
  if (context > (1u << 30) || window > (1u << 30) || period > (1u << 30))
    return r.error("context_length, sliding_window or sliding_window_pattern out of range");
  c.context = static_cast<uint32_t>(context);
  c.window = static_cast<uint32_t>(window);
  c.swa_period = static_cast<uint32_t>(period);
  OSSVK_ASSIGN_OR_RETURN(c.eps, f.get_float(p + "attention.layer_norm_rms_epsilon", 1e-5));
  OSSVK_ASSIGN_OR_RETURN(c.rope_theta, f.get_float(p + "rope.freq_base", 150000.0));
  const GgufValue* scaling = f.find(p + "rope.scaling.type");
  const bool yarn = scaling && scaling->type == GgufType::string && scaling->text == "yarn";
  if (scaling && !yarn && !(scaling->type == GgufType::string && scaling->text == "none"))
    return r.error("rope.scaling.type '" + std::string(scaling->text) +
                   "' is not supported (yarn or none)");
  if (yarn) {
    OSSVK_ASSIGN_OR_RETURN(c.rope_factor, f.get_float(p + "rope.scaling.factor", 1.0));
  }
  OSSVK_ASSIGN_OR_RETURN(c.rope_original_context,
                         f.get_float(p + "rope.scaling.original_context_length", 4096.0));
  OSSVK_ASSIGN_OR_RETURN(c.rope_beta_fast, f.get_float(p + "rope.scaling.yarn_beta_fast", 32.0));
  OSSVK_ASSIGN_OR_RETURN(c.rope_beta_slow, f.get_float(p + "rope.scaling.yarn_beta_slow", 1.0));
  // The head size: key_length when present, else from attn_q's rows.
  const GgufTensor* q = f.tensor("blk.0.attn_q.weight");
  if (!q || q->dims.size() != 2)
    return r.error("missing or malformed tensor 'blk.0.attn_q.weight'");
  const uint64_t q_rows = q->dims[1];
  OSSVK_ASSIGN_OR_RETURN(uint64_t head_dim,
                         f.get_uint(p + "attention.key_length", q_rows / c.heads));
  OSSVK_ASSIGN_OR_RETURN(uint64_t value_dim, f.get_uint(p + "attention.value_length", head_dim));
  if (head_dim == 0 || head_dim * c.heads != q_rows || head_dim > 1024)
    return r.error("head size " + std::to_string(head_dim) + " x " + std::to_string(c.heads) +
                   " heads does not match attn_q's " + std::to_string(q_rows) + " rows");
  if (value_dim != head_dim)
    return r.error("attention.value_length differs from key_length; GPT-OSS has one head size");
  c.head_dim = static_cast<uint32_t>(head_dim);

  const GgufTensor* e = f.tensor("token_embd.weight");
  if (!e || e->dims.size() != 2 || e->dims[0] != c.hidden)
    return r.error("missing tensor 'token_embd.weight' or its width is not embedding_length " +
                   std::to_string(c.hidden));
  if (e->dims[1] > (1u << 30)) return r.error("vocabulary too large");
  c.vocab = static_cast<uint32_t>(e->dims[1]);
  OSSVK_RETURN_IF_ERROR(check_model_config(c, kGgufConfigKeys, f.path()));
  return c;
}

}  // namespace

Result<ModelTensors> read_gguf_model(const GgufFile& f) {
  Reader r(f);
  ModelTensors m;
  OSSVK_ASSIGN_OR_RETURN(m.config, read_config(f, r));
  const ModelConfig& c = m.config;
  const uint64_t D = c.hidden, E = c.experts, F = c.ff, qw = uint64_t{c.heads} * c.head_dim,
                 kvw = uint64_t{c.kv_heads} * c.head_dim;
  OSSVK_ASSIGN_OR_RETURN(m.embedding, r.matrix("token_embd.weight", {D, c.vocab}));
  OSSVK_ASSIGN_OR_RETURN(m.output_norm, r.vec("output_norm.weight", {D}));
  OSSVK_ASSIGN_OR_RETURN(m.output, r.matrix("output.weight", {D, c.vocab}));
  // Each layer has 19 tensors: a block_count the file cannot hold is refused before anything is
  // sized by it.
  if (uint64_t{c.layers} * 19 > f.tensors().size())
    return r.error("block_count " + std::to_string(c.layers) + " needs " +
                   std::to_string(uint64_t{c.layers} * 19) + " tensors; the file has " +
                   std::to_string(f.tensors().size()));
  m.layers.resize(c.layers);
  for (uint32_t l = 0; l < c.layers; ++l) {
    LayerTensors& L = m.layers[l];
    const std::string b = "blk." + std::to_string(l) + ".";
    OSSVK_ASSIGN_OR_RETURN(L.attn_norm, r.vec(b + "attn_norm.weight", {D}));
    OSSVK_ASSIGN_OR_RETURN(L.q, r.matrix(b + "attn_q.weight", {D, qw}));
    OSSVK_ASSIGN_OR_RETURN(L.k, r.matrix(b + "attn_k.weight", {D, kvw}));
    OSSVK_ASSIGN_OR_RETURN(L.v, r.matrix(b + "attn_v.weight", {D, kvw}));
    OSSVK_ASSIGN_OR_RETURN(L.q_bias, r.vec(b + "attn_q.bias", {qw}));
    OSSVK_ASSIGN_OR_RETURN(L.k_bias, r.vec(b + "attn_k.bias", {kvw}));
    OSSVK_ASSIGN_OR_RETURN(L.v_bias, r.vec(b + "attn_v.bias", {kvw}));
    OSSVK_ASSIGN_OR_RETURN(L.sinks, r.vec(b + "attn_sinks.weight", {c.heads}));
    OSSVK_ASSIGN_OR_RETURN(L.out, r.matrix(b + "attn_output.weight", {qw, D}));
    OSSVK_ASSIGN_OR_RETURN(L.out_bias, r.vec(b + "attn_output.bias", {D}));
    OSSVK_ASSIGN_OR_RETURN(L.post_norm, r.vec(b + "post_attention_norm.weight", {D}));
    OSSVK_ASSIGN_OR_RETURN(L.router, r.matrix(b + "ffn_gate_inp.weight", {D, E}));
    OSSVK_ASSIGN_OR_RETURN(L.router_bias, r.vec(b + "ffn_gate_inp.bias", {E}));
    OSSVK_ASSIGN_OR_RETURN(L.gate, r.matrix(b + "ffn_gate_exps.weight", {D, F, E}));
    OSSVK_ASSIGN_OR_RETURN(L.up, r.matrix(b + "ffn_up_exps.weight", {D, F, E}));
    OSSVK_ASSIGN_OR_RETURN(L.down, r.matrix(b + "ffn_down_exps.weight", {F, D, E}));
    OSSVK_ASSIGN_OR_RETURN(L.gate_bias, r.vec(b + "ffn_gate_exps.bias", {F, E}));
    OSSVK_ASSIGN_OR_RETURN(L.up_bias, r.vec(b + "ffn_up_exps.bias", {F, E}));
    OSSVK_ASSIGN_OR_RETURN(L.down_bias, r.vec(b + "ffn_down_exps.bias", {D, E}));
  }
  return m;
}

}  // namespace ossvk
