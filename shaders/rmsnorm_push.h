// Push constants of f32_rmsnorm: y[t] = x[t] * rsqrt(mean(x[t]^2) + eps) * gain.
#include "push_macros.h"

OSSVK_PUSH(RmsnormPush) {
  OSSVK_PTR(FloatBuf, x);
  OSSVK_PTR(FloatBuf, gain);
  OSSVK_PTR(FloatBuf, y);
  uint32_t n;       // row width
  uint32_t tokens;  // rows
  float eps;
  uint32_t pad;
}
OSSVK_PUSH_END
