#include "backend/model/block.h"

#include "backend/kernels/matmul.h"
#include "backend/kernels/matvec.h"
#include "backend/kernels/rmsnorm.h"

namespace ossvk {

bool block_qkv_takes_rope(const ModelConfig& c, const Model::Layer& L, uint32_t n) {
  if (n > kMaxMatvecColumns) return false;
  for (uint32_t first = 0; const DeviceMatrix& w : L.qkv) {
    if (!matvec_rope_fits(w, first, c.head_dim)) return false;
    first += w.m;
  }
  return true;
}

host::Status encode_block_qkv(host::Device& dev, host::CommandStream& cs, const ModelConfig& c,
                              const Model::Layer& L, const host::Buffer& x, uint32_t n,
                              const BlockRows& r, const MatvecRope* rope) {
  const uint32_t qkv_width = (c.heads + 2 * c.kv_heads) * c.head_dim;
  const LoraRows u{r.lora_u, r.lora_rank, 0};
  const float eps = static_cast<float>(c.eps);
  if (n <= kMaxMatvecColumns) {
    // Decode: the matvecs normalise x as they read it; a LoRA side path's A takes normed rows of
    // its own, made beside them. B (A x) then goes onto the projection, or, where the matvecs
    // rotate and write their outputs themselves, is made first and added as they do.
    const MatvecNorm norm{&L.attn_norm, eps};
    if (L.qkv_lora) {
      OSSVK_RETURN_IF_ERROR(encode_rmsnorm(dev, cs, x, L.attn_norm, c.hidden, n, eps, *r.normed));
      cs.barrier();
      OSSVK_RETURN_IF_ERROR(
          encode_lora_a(dev, cs, L.qkv_lora, {r.normed, c.hidden, 0}, 1, n, nullptr, u));
      if (rope) {
        cs.barrier();
        OSSVK_RETURN_IF_ERROR(
            encode_lora_b(dev, cs, L.qkv_lora, u, n, nullptr, {r.qkv, qkv_width, 0}, false));
        cs.barrier();
      }
    }
    for (uint32_t first = 0; const DeviceMatrix& w : L.qkv) {
      OSSVK_RETURN_IF_ERROR(encode_matvec(dev, cs, w, x, n, &L.qkv_bias, *r.qkv, rope && L.qkv_lora,
                                          {qkv_width, first}, &norm, rope));
      first += w.m;
    }
  } else {
    if (rope) return host::Status::error("the RoPE epilogue takes decode steps only");
    OSSVK_RETURN_IF_ERROR(encode_rmsnorm(dev, cs, x, L.attn_norm, c.hidden, n, eps, *r.normed));
    cs.barrier();
    for (uint32_t first = 0; const DeviceMatrix& w : L.qkv) {
      OSSVK_RETURN_IF_ERROR(
          encode_linear(dev, cs, w, *r.normed, n, &L.qkv_bias, *r.qkv, false, {qkv_width, first}));
      first += w.m;
    }
    // LoRA side paths: A x beside the projection, then B (A x) onto it.
    if (L.qkv_lora)
      OSSVK_RETURN_IF_ERROR(
          encode_lora_a(dev, cs, L.qkv_lora, {r.normed, c.hidden, 0}, 1, n, nullptr, u));
  }
  cs.barrier();
  if (L.qkv_lora && !rope) {
    OSSVK_RETURN_IF_ERROR(
        encode_lora_b(dev, cs, L.qkv_lora, u, n, nullptr, {r.qkv, qkv_width, 0}, true));
    cs.barrier();
  }
  return {};
}

host::Status encode_block_output(host::Device& dev, host::CommandStream& cs, const ModelConfig& c,
                                 const Model::Layer& L, const host::Buffer& attn, uint32_t n,
                                 const host::Buffer& x, const BlockRows& r) {
  OSSVK_RETURN_IF_ERROR(encode_linear(dev, cs, L.out, attn, n, &L.out_bias, x, true));
  const uint32_t qw = c.heads * c.head_dim;
  const LoraRows u{r.lora_u, r.lora_rank, 0};
  if (L.out_lora)
    OSSVK_RETURN_IF_ERROR(encode_lora_a(dev, cs, L.out_lora, {&attn, qw, 0}, 1, n, nullptr, u));
  cs.barrier();
  if (L.out_lora) {
    OSSVK_RETURN_IF_ERROR(
        encode_lora_b(dev, cs, L.out_lora, u, n, nullptr, {&x, c.hidden, 0}, true));
    cs.barrier();
  }
  return {};
}

}  // namespace ossvk
