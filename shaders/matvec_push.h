// Push constants of the f32_<fmt>w_matvec kernels: y[m] = W[m, :] . x + bias[m].
#include "push_macros.h"

OSSVK_PUSH(MatvecPush) {
  OSSVK_PTR(UVec4Buf, quants);  // the format's packed values, rows of K/32 blocks
  OSSVK_PTR(U8Buf, scales);     // the format's per-block scales, rows of K/32 blocks
  OSSVK_PTR(Vec4Buf, x);        // K floats
  OSSVK_PTR(FloatBuf, bias);    // M floats; read only when has_bias != 0
  OSSVK_PTR(FloatBuf, y);       // M floats
  uint32_t m;
  uint32_t k;
  uint32_t has_bias;
  uint32_t pad;
}
OSSVK_PUSH_END
