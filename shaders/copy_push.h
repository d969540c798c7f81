// Push constants of f32_copy, the kernel that measures the device's copy bandwidth.
#include "push_macros.h"

OSSVK_PUSH(CopyPush) {
  OSSVK_PTR(Vec4Buf, src);
  OSSVK_PTR(Vec4Buf, dst);
  uint32_t count;  // vec4 elements
  uint32_t pad;
}
OSSVK_PUSH_END

#define OSSVK_COPY_SPEC(X) X(0, local_size, kInvocations, invocations, 64u)
OSSVK_SPEC_STRUCT(CopySpec, OSSVK_COPY_SPEC)
