// A .safetensors file, memory-mapped: an 8-byte little-endian header length, a JSON header naming
// each tensor's dtype, shape and [begin, end) byte range relative to the data that follows the
// header. Every entry is validated (known dtype, byte count equal to the shape's, range inside the
// file, each name once, no two ranges sharing a byte) before any is read; errors name the file
// and the tensor.
#pragma once
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "backend/loader/mapped_file.h"

namespace ossvk {

struct SafetensorsTensor {
  std::string dtype;            // "F32", "F16", "BF16", "U8", ...
  std::vector<uint64_t> shape;  // outermost first
  std::span<const uint8_t> data;
};

class SafetensorsFile {
 public:
  static host::Result<std::unique_ptr<SafetensorsFile>> open(const std::string& path);
  // The same over bytes the caller keeps alive.
  static host::Result<std::unique_ptr<SafetensorsFile>> parse(std::span<const uint8_t> bytes,
                                                              const std::string& name);
  const std::string& path() const { return path_; }
  const std::map<std::string, SafetensorsTensor>& tensors() const { return tensors_; }
  const SafetensorsTensor* find(const std::string& name) const;

 private:
  SafetensorsFile() = default;
  host::Status read(std::span<const uint8_t> bytes);
  std::string path_;
  std::unique_ptr<MappedFile> mapped_;
  std::map<std::string, SafetensorsTensor> tensors_;
};

// Bytes per element of a safetensors dtype; 0 for one ossvk does not read.
uint64_t safetensors_dtype_bytes(const std::string& dtype);

}  // namespace ossvk
