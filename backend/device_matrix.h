// A weight matrix resident on the device in its device format (backend/formats). A matrix whose
// planes would exceed the device's maxMemoryAllocationSize is split into row ranges ("parts"),
// each in its own allocation; the launchers run one dispatch per part, so callers never see it.
#pragma once
#include <bit>
#include <string>
#include <vector>

#include "backend/formats/device_format.h"
#include "host/transfer.h"

namespace ossvk {

struct UploadOptions {
  bool refuse_non_finite = false;  // fail instead of reporting NaN/Inf weights
  uint64_t max_part_bytes = 0;     // largest quant plane per part; 0: the device's limit
  uint32_t row_granularity = 1;    // parts hold whole multiples of this many rows (one expert)
  host::MemoryUse memory = host::MemoryUse::device;  // or system: read by kernels across the bus
  bool row_tiles = false;  // lay the rows out in tiles where the format allows (row_tiles.h)
};

struct DeviceMatrix {
  struct Part {
    uint32_t row_begin = 0;
    uint32_t rows = 0;
    host::Buffer quants, scales, aux;  // scales/aux are null for formats without them
  };
  DeviceFormat format = DeviceFormat::f32;
  uint32_t m = 0;  // rows (outputs)
  uint32_t k = 0;  // columns (inputs)
  uint32_t group_size = 32;
  ScaleDtype scale_dtype = ScaleDtype::bf16;  // MLX affine
  uint64_t non_finite = 0;                    // weights that decode to NaN or Inf
  bool row_tiles = false;  // the planes hold tiles of rows (backend/formats/row_tiles.h)
  std::vector<Part> parts;
};

// The weight decoders' flag bits for an MLX affine matrix's scale dtype (shaders/formats/
// mlx_affine.glsl): bit 0 bf16, bit 2 f32, neither fp16.
inline uint32_t scale_dtype_flags(const DeviceMatrix& w) {
  return w.scale_dtype == ScaleDtype::bf16 ? 1u : w.scale_dtype == ScaleDtype::f32 ? 4u : 0u;
}

// log2 of an MLX affine matrix's blocks of 32 per group (group sizes are 32, 64 or 128).
inline uint32_t group_shift(const DeviceMatrix& w) {
  return static_cast<uint32_t>(std::countr_zero(w.group_size / 32));
}

// Validates, repacks and uploads `w`; `name` names the tensor in errors.
host::Result<DeviceMatrix> upload_matrix(host::Device& device, host::Transfer& transfer,
                                         const TensorData& w, const std::string& name,
                                         const UploadOptions& options = {});

// Where a linear's outputs go: row `first` on of y rows of `stride` floats (0: M), and of the
// bias likewise, so matrices of different layouts can fill one stacked output (q, k and v).
struct LinearRows {
  uint32_t stride = 0;
  uint32_t first = 0;
};

// What every launcher of Y = W X + b checks (f32_<fmt>w_matvec, f32_<fmt>w_matmul): W uploaded,
// K a multiple of 32, n >= 1 columns, x [n][K], y [n][stride] and bias [first + M] large
// enough. Errors
// start with `kernel`.
host::Status check_linear(const std::string& kernel, const DeviceMatrix& w, const host::Buffer& x,
                          uint32_t n, const host::Buffer* bias, const host::Buffer& y,
                          const LinearRows& rows = {});

}  // namespace ossvk
