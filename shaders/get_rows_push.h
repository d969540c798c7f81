// Push constants of f32_<fmt>w_get_rows: y[t] = row ids[t] of W, decoded to f32 (the token
// embedding lookup). Field names follow MatmulPush so the format decoders read the same planes.
#include "push_macros.h"

OSSVK_PUSH(GetRowsPush) {
  OSSVK_PTR(UVec4Buf, quants);  // this part of W's planes
  OSSVK_PTR(U8Buf, scales);
  OSSVK_PTR(U32Buf, aux);
  OSSVK_PTR(U32Buf, ids);  // n row ids
  OSSVK_PTR(FloatBuf, y);  // n rows of k floats
  uint32_t k;
  uint32_t n;
  uint32_t row_begin;  // the part holds rows row_begin .. row_begin + rows - 1
  uint32_t rows;
  uint32_t group_shift;   // as in MatmulPush
  uint32_t flags;         // as in MatmulPush
}
OSSVK_PUSH_END
