// Push constants of f32_attention, f32_attention_decode and f32_attention_reduce, and their
// specialization constants.
#ifndef OSSVK_SHADERS_ATTENTION_KERNEL_PUSH_H
#define OSSVK_SHADERS_ATTENTION_KERNEL_PUSH_H
#include "push_macros.h"

OSSVK_PUSH(AttentionPush) {
  OSSVK_PTR(FloatBuf, q);      // [tokens][heads * d], already scaled by 1/sqrt(d)
  OSSVK_PTR(U32Buf, k_cache);  // [ring][kv_heads * d]
  OSSVK_PTR(U32Buf, v_cache);
  OSSVK_PTR(FloatBuf, sinks);    // [heads]
  OSSVK_PTR(FloatBuf, result);   // [tokens][heads * d]
  OSSVK_PTR(FloatBuf, partial);  // [splits][tokens][heads][d + 2]: m, l, acc; when splits > 1
  OSSVK_PTR(U32Buf, position);   // word 0 is added to first_pos: a replayed step's, else 0
  uint32_t tokens;
  uint32_t first_pos;
  uint32_t heads;
  uint32_t kv_heads;
  uint32_t ring;
  uint32_t window;      // 0: full causal
  uint32_t split_keys;  // keys per split (a multiple of the key tile); splits > 1 only
  uint32_t splits;
}
OSSVK_PUSH_END

// f32_attention: kQueries query tokens times kGroup query heads (those of one KV head), an
// invocation each; keys through shared memory in tiles of kKeys.
#define OSSVK_ATTENTION_SPEC(X)                    \
  X(0, local_size, kInvocations, invocations, 64u) \
  X(1, uint, kHeadDim, head_dim, 64u)              \
  X(2, uint, kGroup, group, 8u)                    \
  X(3, uint, kQueries, queries, 8u)                \
  X(4, uint, kKeys, keys, 32u)
OSSVK_SPEC_STRUCT(AttentionSpec, OSSVK_ATTENTION_SPEC)

// f32_attention_decode: kHeads of the kGroup query heads of one KV head, a subgroup each; keys
// through shared memory in tiles of kKeys.
#define OSSVK_ATTENTION_DECODE_SPEC(X)             \
  X(0, local_size, kInvocations, invocations, 64u) \
  X(1, uint, kHeadDim, head_dim, 64u)              \
  X(2, uint, kGroup, group, 8u)                    \
  X(3, uint, kHeads, heads, 8u)                    \
  X(4, uint, kKeys, keys, 32u)
OSSVK_SPEC_STRUCT(AttentionDecodeSpec, OSSVK_ATTENTION_DECODE_SPEC)

#define OSSVK_ATTENTION_REDUCE_SPEC(X) X(0, uint, kHeadDim, head_dim, 64u)
OSSVK_SPEC_STRUCT(AttentionReduceSpec, OSSVK_ATTENTION_REDUCE_SPEC)

// f32_attention_mma: tiles fixed in shaders/attention_mma.comp (32 query rows, 16 keys); the
// head size (a multiple of 16) and the query heads per KV head.
#define OSSVK_ATTENTION_MMA_SPEC(X)   \
  X(0, uint, kHeadDim, head_dim, 64u) \
  X(1, uint, kGroup, group, 8u)
OSSVK_SPEC_STRUCT(AttentionMmaSpec, OSSVK_ATTENTION_MMA_SPEC)

#endif
