#version 460
#extension GL_GOOGLE_include_directive : require
// f32_rope_kv_write: the step between the QKV projection and attention. Rotates q and k with
// YaRN RoPE in half-split pairing (element i pairs with i + d/2) from a table computed on the host
// in double, scales q by 1/sqrt(d) for the logits, and writes k and v into the layer's cache at
// slot = position % ring. One invocation per rotated pair (q, k) or per v element.
#include "common.glsl"
#include "rope_push.h"
#include "kv_cache.glsl"

layout(local_size_x = 64) in;
OSSVK_SPEC_CONSTANTS(OSSVK_ROPE_SPEC)

void main() {
  const uint half_dim = kHeadDim / 2u;
  const uint t = gl_GlobalInvocationID.y;
  const uint i = gl_GlobalInvocationID.x;
  const uint q_pairs = pc.heads * half_dim, kv_pairs = pc.kv_heads * half_dim;
  const uint kv_width = pc.kv_heads * kHeadDim;
  if (t >= pc.tokens || i >= q_pairs + kv_pairs + kv_width) return;
  const uint pos = step_first_pos(pc.first_pos, pc.position) + t;
  const uint row = t * (pc.heads * kHeadDim + 2u * kv_width);
  const uint slot = (pos % pc.ring) * kv_width;
  if (i < q_pairs + kv_pairs) {
    const bool is_q = i < q_pairs;
    const uint p = is_q ? i : i - q_pairs;
    const uint head = p / half_dim, j = p % half_dim;
    const uint src = row + (is_q ? 0u : pc.heads * kHeadDim) + head * kHeadDim + j;
    const vec2 cs = pc.table.v[pos * half_dim + j];
    const float a = pc.qkv.v[src], b = pc.qkv.v[src + half_dim];
    const vec2 r = rope_rotate(a, b, cs);
    if (is_q) {
      const uint dst = t * pc.heads * kHeadDim + head * kHeadDim + j;
      pc.q.v[dst] = r.x * pc.q_scale;
      pc.q.v[dst + half_dim] = r.y * pc.q_scale;
    } else {
      const uint dst = slot + head * kHeadDim + j;
      kv_store(uint64_t(pc.k_cache), dst, r.x);
      kv_store(uint64_t(pc.k_cache), dst + half_dim, r.y);
    }
  } else {
    const uint e = i - q_pairs - kv_pairs;
    kv_store(uint64_t(pc.v_cache), slot + e, pc.qkv.v[row + pc.heads * kHeadDim + kv_width + e]);
  }
}
