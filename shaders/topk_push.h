// Push constants of f32_topk: each workgroup takes up to kTopkChunk entries of the input and
// writes its kTopkKeep best, best first, as sort keys (topk.comp says how keys order).
#include "push_macros.h"

#define kTopkChunk 2048u
#define kTopkKeep 256u

OSSVK_PUSH(TopkPush) {
  OSSVK_PTR(FloatBuf, logits);  // first pass: n logits, each entry's id its index
  OSSVK_PTR(U32Buf, keys);      // later passes: n keys from an earlier pass (2 words each)
  OSSVK_PTR(U32Buf, best);      // kTopkKeep keys per workgroup
  uint32_t n;
  uint32_t from_logits;  // 1: read logits, 0: read keys
}
OSSVK_PUSH_END
