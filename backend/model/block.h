// The two halves of a block's attention that act row by row, as a step records them: RMSNorm and
// the q, k, v projection (with its LoRA side path) before, and the output projection (with its
// side path) onto the residual after. Between them a session runs RoPE, the K/V write and
// attention on its own cache (a decode step's projection does RoPE and the K/V write itself); a
// batch of sessions runs these halves over all its rows at once, reading each weight once, and
// the part between them session by session.
#pragma once
#include "backend/kernels/matvec.h"
#include "backend/model/model.h"

namespace ossvk {

struct BlockRows {
  const host::Buffer* normed = nullptr;  // [n][hidden]
  const host::Buffer* qkv = nullptr;     // [n][(heads + 2 kv_heads) head_dim]
  const host::Buffer* lora_u = nullptr;  // [n][lora_rank]
  uint32_t lora_rank = 0;
};

// qkv = W_qkv RMSNorm(x) + b (+ B A of the normed rows); a barrier after. Decode steps normalise
// within the matvecs; rows.normed is written only for a LoRA side path's A. With `rope` (a decode
// step, block_qkv_takes_rope), the matvecs rotate q and k and write q and the cache where it
// says instead of filling qkv, which then holds only B A x.
host::Status encode_block_qkv(host::Device& device, host::CommandStream& cs, const ModelConfig& c,
                              const Model::Layer& layer, const host::Buffer& x, uint32_t n,
                              const BlockRows& rows, const MatvecRope* rope = nullptr);
// Whether encode_block_qkv can take `rope` for n tokens: a decode step whose matrices hold whole
// heads.
bool block_qkv_takes_rope(const ModelConfig& c, const Model::Layer& layer, uint32_t n);
// x += W_out attn + b (+ B A attn); a barrier after.
host::Status encode_block_output(host::Device& device, host::CommandStream& cs,
                                 const ModelConfig& c, const Model::Layer& layer,
                                 const host::Buffer& attn, uint32_t n, const host::Buffer& x,
                                 const BlockRows& rows);

}  // namespace ossvk
