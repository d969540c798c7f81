// The push constants f32_<fmt>w_matvec and f32_<fmt>w_matmul share (shaders/matmul_push.h), for
// one part of W, writing its rows of y as `rows` says.
#pragma once
#include "backend/device_matrix.h"
#include "shaders/matmul_push.h"

namespace ossvk {

static_assert(sizeof(shaders::MatmulPush) == 120, "MatmulPush must match its GLSL std430 layout");

inline shaders::MatmulPush linear_push(const DeviceMatrix& w, const DeviceMatrix::Part& part,
                                       const host::Buffer& x, uint32_t n, const host::Buffer* bias,
                                       const host::Buffer& y, bool accumulate,
                                       const LinearRows& rows) {
  shaders::MatmulPush push{};
  push.quants = part.quants.address();
  push.scales = part.scales.address();
  push.aux = part.aux.address();
  push.x = x.address();
  push.bias = bias ? bias->address() : 0;
  push.y = y.address();
  push.row_offset = rows.first + part.row_begin;
  push.m = part.rows;
  push.k = w.k;
  push.n = n;
  push.x_stride = w.k;
  push.y_stride = rows.stride ? rows.stride : w.m;
  push.has_bias = bias ? 1 : 0;
  push.group_shift = group_shift(w);
  push.flags = scale_dtype_flags(w) | (accumulate ? 2 : 0);
  return push;
}

}  // namespace ossvk
