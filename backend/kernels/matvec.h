// Launcher of f32_<fmt>w_matvec (shaders/matvec.comp), decode's dense product: Y[t] = W X[t] + b
// for n >= 1 activation columns, each run of up to kMaxMatvecColumns sharing one read of W (more
// columns: CPU devices' prefill, encode_matmul), fp32 activations X [n][K] and outputs Y [n][M]
// (row-major), W in its format on the device. The kernel is chosen by W's format; a matrix split
// into parts takes one dispatch per part.
#pragma once
#include "backend/device_matrix.h"

namespace ossvk {

inline constexpr uint32_t kMaxMatvecColumns = 8;

// RMSNorm applied to X as the matvec reads it (decode's QKV projection, which then needs no norm
// of its own): Y[t] = W (X[t] gain / rms(X[t])) + b, rms over K with eps inside the root.
struct MatvecNorm {
  const host::Buffer* gain = nullptr;  // [K]
  float eps = 0;
};

// RoPE and the K/V write applied to the outputs (decode's QKV projection, which then needs no
// f32_rope_kv_write), for at most kMaxMatvecColumns columns: W's rows are those of the q, k and v
// stack from rows.first on, whole heads of head_dim, and column t is the step's token at position
// first_pos + t (plus the word of `position`, a replayed step's). The outputs go where `target`
// says (a shaders::RopeTarget at `offset`, from rope_target() after check_rope_step()), not to
// y; with accumulate, y's rows (rows.stride floats each) are added to them first (a LoRA side
// path's B A x).
struct MatvecRope {
  const host::Buffer* target = nullptr;
  uint64_t offset = 0;
  uint32_t head_dim = 0;
  uint32_t first_pos = 0;
  const host::Buffer* position = nullptr;
};

// Whether the part of the stack W fills from row `first` on can take the RoPE epilogue: every
// part of W whole heads of head_dim.
bool matvec_rope_fits(const DeviceMatrix& w, uint32_t first, uint32_t head_dim);

// bias may be null; accumulate adds the result to y (a residual stream) instead of overwriting it.
host::Status encode_matvec(host::Device& device, host::CommandStream& stream, const DeviceMatrix& w,
                           const host::Buffer& x, uint32_t n, const host::Buffer* bias,
                           const host::Buffer& y, bool accumulate = false,
                           const LinearRows& rows = {}, const MatvecNorm* norm = nullptr,
                           const MatvecRope* rope = nullptr);

}  // namespace ossvk
