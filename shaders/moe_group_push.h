// Push constants of f32_moe_group, which sorts prefill's (token, slot) pairs for the grouped
// expert matmuls (f32_<fmt>w_moe_matmul, moe_matmul_push.h).
#include "push_macros.h"

// ids [tokens][top_k] -> order: the pairs p = t * top_k + s listed expert by expert; tiles: [0]
// the count, then (expert, first, end) per tile of at most tile_n consecutive entries of order
// that share an expert.
OSSVK_PUSH(MoeGroupPush) {
  OSSVK_PTR(U32Buf, ids);
  OSSVK_PTR(U32Buf, order);
  OSSVK_PTR(U32Buf, tiles);
  uint32_t tokens;
  uint32_t top_k;
  uint32_t experts;
  uint32_t tile_n;
}
OSSVK_PUSH_END
