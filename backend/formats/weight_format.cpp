#include "backend/formats/weight_format.h"

#include <cstring>
#include <string>

namespace ossvk {

const WeightFormatInfo& format_info(WeightFormat format) {
  // MXFP4: e8m0 byte + 16 nibble bytes -> 16 quant bytes + 1 scale byte (nibble order kept).
  static constexpr WeightFormatInfo kMxfp4{"mxfp4", 39, 32, 17, 16, 1};
  // Q8_0: fp16 d + 32 int8 -> 32 quant bytes + 2 scale bytes.
  static constexpr WeightFormatInfo kQ8_0{"q8_0", 8, 32, 34, 32, 2};
  return format == WeightFormat::mxfp4 ? kMxfp4 : kQ8_0;
}

host::Result<PlanarMatrix> repack_gguf(WeightFormat format, std::span<const uint8_t> file_bytes,
                                       uint32_t m, uint32_t k, std::string_view name) {
  const WeightFormatInfo& f = format_info(format);
  std::string what = "tensor '" + std::string(name) + "' (" + f.name + ", " + std::to_string(m) +
                     " x " + std::to_string(k) + ")";
  if (m == 0 || k == 0) return host::Status::error(what + ": empty matrix");
  if (k % f.block_elements != 0)
    return host::Status::error(what + ": K must be a multiple of " +
                               std::to_string(f.block_elements));
  const uint64_t blocks = static_cast<uint64_t>(m) * (k / f.block_elements);
  if (file_bytes.size() != blocks * f.file_block_bytes)
    return host::Status::error(what + ": has " + std::to_string(file_bytes.size()) +
                               " bytes, its shape needs " +
                               std::to_string(blocks * f.file_block_bytes));

  PlanarMatrix out;
  out.quants.resize(blocks * f.quant_block_bytes);
  out.scales.resize(blocks * f.scale_block_bytes);
  for (uint64_t b = 0; b < blocks; ++b) {
    const uint8_t* src = file_bytes.data() + b * f.file_block_bytes;
    // Both formats put the scale first in the GGUF block, then the quants.
    std::memcpy(out.scales.data() + b * f.scale_block_bytes, src, f.scale_block_bytes);
    std::memcpy(out.quants.data() + b * f.quant_block_bytes, src + f.scale_block_bytes,
                f.quant_block_bytes);
  }
  return out;
}

}  // namespace ossvk
