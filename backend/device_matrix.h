// A weight matrix resident on the device in its planar layout (backend/formats).
#pragma once
#include "backend/formats/weight_format.h"
#include "host/transfer.h"

namespace ossvk {

struct DeviceMatrix {
  WeightFormat format = WeightFormat::mxfp4;
  uint32_t m = 0;  // rows (outputs)
  uint32_t k = 0;  // columns (inputs)
  host::Buffer quants;
  host::Buffer scales;
};

// Repacks GGUF block bytes and uploads them; `name` names the tensor in errors.
host::Result<DeviceMatrix> upload_gguf_matrix(host::Device& device, host::Transfer& transfer,
                                              WeightFormat format,
                                              std::span<const uint8_t> file_bytes, uint32_t m,
                                              uint32_t k, std::string_view name);

}  // namespace ossvk
