// Push constants of f32_moe_combine, the end of the grouped expert MLP of prefill.
#include "push_macros.h"

// result[t][i] = residual[t][i] + sum over s of weights[t][s] * y[t * top_k + s][i].
OSSVK_PUSH(MoeCombinePush) {
  OSSVK_PTR(Vec4Buf, y);
  OSSVK_PTR(FloatBuf, weights);
  OSSVK_PTR(Vec4Buf, residual);
  OSSVK_PTR(Vec4Buf, result);
  uint32_t tokens;
  uint32_t top_k;
  uint32_t hidden;
  uint32_t pad;
}
OSSVK_PUSH_END
