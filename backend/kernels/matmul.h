// Launcher of f32_<fmt>w_matmul (shaders/matmul.comp), prefill's dense product: Y[t] = W X[t] + b
// for any n >= 1 tokens, tiled through shared memory, fp32 activations X [n][K] and outputs
// Y [n][M] (row-major), W in its format on the device. Also encode_linear, which picks the
// matvec or the matmul by n, and the tile both this and the grouped expert matmul use.
#pragma once
#include <string>

#include "backend/device_matrix.h"
#include "shaders/matmul_spec.h"

namespace ossvk {

// bias may be null; accumulate adds the result to y (a residual stream) instead of overwriting it.
host::Status encode_matmul(host::Device& device, host::CommandStream& stream, const DeviceMatrix& w,
                           const host::Buffer& x, uint32_t n, const host::Buffer* bias,
                           const host::Buffer& y, bool accumulate = false,
                           const LinearRows& rows = {});

// Whether encode_matmul runs f32_<fmt>w_matvec over runs of kMaxMatvecColumns tokens instead of
// shared-memory tiles: on devices in the CPU layout (backend/kernels/decode_layout.h) without
// tile products. There every shared-memory load is a gather, and the matvec, whose lanes load
// their own blocks of W and X and share each across rows and columns in registers, measured 2.4
// to 4 times the tiles' speed (docs/performance.md, "Why the launchers choose what they do").
bool matmul_on_columns(const host::Device& device);

// The kernel encode_matmul runs on this device for `format`: f32_<fmt>w_matmul, f32_<fmt>w_matvec
// (matmul_on_columns), or on tile products f32_<fmt>w_matmul_mma / _mma_emulated
// (backend/kernels/matmul_mma.h).
std::string matmul_kernel(const host::Device& device, DeviceFormat format);

// encode_matvec up to kMaxMatvecColumns columns, encode_matmul beyond.
host::Status encode_linear(host::Device& device, host::CommandStream& stream, const DeviceMatrix& w,
                           const host::Buffer& x, uint32_t n, const host::Buffer* bias,
                           const host::Buffer& y, bool accumulate = false,
                           const LinearRows& rows = {});

// The matmul tile (shaders/matmul.comp's specialization constants): each invocation accumulates
// thread_m x thread_n outputs; a subgroup's lanes split the tile's tokens and each subgroup owns
// thread_m rows.
struct MatmulTiling {
  uint32_t tile_m, tile_n, thread_m, thread_n;
  uint32_t subgroup_size;  // required subgroup size; 0: rows by invocation index instead
  uint32_t invocations() const { return (tile_m / thread_m) * (tile_n / thread_n); }
  uint32_t shared_bytes() const { return (32 * (tile_m + 1 + tile_n + 1) + 2 * tile_n) * 4; }
  shaders::MatmulSpec spec() const {
    return {.invocations = invocations(),
            .tile_m = tile_m,
            .tile_n = tile_n,
            .thread_m = thread_m,
            .thread_n = thread_n,
            .subgroup_rows = subgroup_size != 0};
  }
};

// The tile for this device: 32 x 16 outputs per invocation on CPU devices, where every
// shared-memory load is a gather, 8 x 4 with a subgroup across 4-token columns on GPUs
// (docs/performance.md, "Why the launchers choose what they do").
MatmulTiling matmul_tiling(const host::DeviceInfo& info);
// An error naming `kernel` where the tile does not fit the device's shared memory.
host::Status check_shared(const MatmulTiling& tiling, const host::DeviceInfo& info,
                          const std::string& kernel);

}  // namespace ossvk
