#include "backend/kernels/get_rows.h"

#include <string>

#include "shaders/get_rows_push.h"
#include "shaders/kernel_names.h"

namespace ossvk {

static_assert(sizeof(shaders::GetRowsPush) == 64, "GetRowsPush must match its GLSL layout");

host::Status encode_get_rows(host::Device& device, host::CommandStream& stream,
                             const DeviceMatrix& w, const host::Buffer& ids, uint32_t n,
                             const host::Buffer& y) {
  const std::string kernel = kernel_for(kernel_names::get_rows, w.format);
  if (w.parts.empty() || n == 0 || w.k % 32 || !ids || ids.size() < uint64_t{n} * 4 || !y ||
      y.size() < uint64_t{n} * w.k * 4)
    return host::Status::error(kernel + ": bad arguments (empty matrix, no ids, or short buffers)");
  if (n > 65535) return host::Status::error(kernel + ": more than 65535 rows in one dispatch");
  OSSVK_ASSIGN_OR_RETURN(const host::Pipeline* pipeline,
                         device.pipelines().get({kernel, {}, sizeof(shaders::GetRowsPush)}));
  for (const DeviceMatrix::Part& part : w.parts) {
    shaders::GetRowsPush push{};
    push.quants = part.quants.address();
    push.scales = part.scales.address();
    push.aux = part.aux.address();
    push.ids = ids.address();
    push.y = y.address();
    push.k = w.k;
    push.n = n;
    push.row_begin = part.row_begin;
    push.rows = part.rows;
    push.group_shift = group_shift(w);
    push.flags = scale_dtype_flags(w);
    stream.dispatch(*pipeline, &push, (w.k / 32 + 63) / 64, n);
  }
  return {};
}

}  // namespace ossvk
