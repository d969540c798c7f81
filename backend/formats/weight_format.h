// Weight formats as the device stores them. A matrix arrives in its file layout (GGUF blocks) and
// is repacked once at upload into a planar layout: all quants of a row contiguous in 16-byte
// words, then all block scales apart. Kernels then stream aligned words instead of 17- or 34-byte
// blocks. The reference decoders in reference/ read the original file bytes, so every test checks
// the repack too.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "host/status.h"

namespace ossvk {

enum class WeightFormat { mxfp4, q8_0 };

struct WeightFormatInfo {
  const char* name;
  uint32_t gguf_type;          // ggml type id
  uint32_t block_elements;     // elements per block along K
  uint32_t file_block_bytes;   // bytes per block in the GGUF file
  uint32_t quant_block_bytes;  // bytes of quants per block on the device
  uint32_t scale_block_bytes;  // bytes of scale per block on the device
};

const WeightFormatInfo& format_info(WeightFormat format);

struct PlanarMatrix {
  std::vector<uint8_t> quants;  // m * (k / 32) * quant_block_bytes
  std::vector<uint8_t> scales;  // m * (k / 32) * scale_block_bytes
};

// `name` names the tensor in errors.
host::Result<PlanarMatrix> repack_gguf(WeightFormat format, std::span<const uint8_t> file_bytes,
                                       uint32_t m, uint32_t k, std::string_view name);

}  // namespace ossvk
