// Validation and repacking of one weight matrix from its file layout into device planes
// (backend/formats/device_format.h), for a range of rows, counting non-finite values on the way.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "backend/formats/device_format.h"
#include "host/status.h"

namespace ossvk {

// The layout of a GGUF tensor by its ggml type id; an unknown id is an error naming the tensor.
host::Result<TensorFormat> gguf_tensor_format(uint32_t gguf_type, const std::string& name);

// Checks shape, byte counts and group size; `name` names the tensor in the error.
host::Status validate_tensor(const TensorData& w, const std::string& name);

struct Planes {
  std::vector<uint8_t> quants, scales, aux;
  uint64_t non_finite = 0;  // values that decode to NaN or Inf
};

// Rows [row_begin, row_begin + rows) of a validated tensor.
Planes repack_rows(const TensorData& w, uint64_t row_begin, uint64_t rows);

}  // namespace ossvk
