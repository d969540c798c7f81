// Push constants of f32_moe_route.
#include "push_macros.h"

// logits [tokens][experts] -> ids, weights [tokens][top_k].
OSSVK_PUSH(MoeRoutePush) {
  OSSVK_PTR(FloatBuf, logits);
  OSSVK_PTR(U32Buf, ids);
  OSSVK_PTR(FloatBuf, weights);
  uint32_t tokens;
  uint32_t experts;
  uint32_t top_k;
  uint32_t pad;
}
OSSVK_PUSH_END
