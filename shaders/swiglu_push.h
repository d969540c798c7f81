// Push constants of f32_swiglu: gate = SwiGLU(gate, up), element by element, in place.
#include "push_macros.h"

OSSVK_PUSH(SwigluPush) {
  OSSVK_PTR(FloatBuf, gate);
  OSSVK_PTR(FloatBuf, up);
  uint32_t count;  // floats
  uint32_t pad;
}
OSSVK_PUSH_END

#define OSSVK_SWIGLU_SPEC(X)                        \
  X(0, local_size, kInvocations, invocations, 256u) \
  X(1, float, kAlpha, swiglu_alpha, 1.702f)         \
  X(2, float, kLimit, swiglu_limit, 7.0f)
OSSVK_SPEC_STRUCT(SwigluSpec, OSSVK_SWIGLU_SPEC)
