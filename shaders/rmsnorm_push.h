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

#define OSSVK_RMSNORM_SPEC(X) X(0, local_size, kInvocations, invocations, 256u)
OSSVK_SPEC_STRUCT(RmsnormSpec, OSSVK_RMSNORM_SPEC)
