// A whole file mapped read-only into memory; the bytes stay valid while the object lives.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "host/status.h"

namespace ossvk {

class MappedFile {
 public:
  // Errors name the path (missing, not a regular file, cannot map).
  static host::Result<std::unique_ptr<MappedFile>> open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  std::span<const uint8_t> bytes() const { return {static_cast<const uint8_t*>(data_), size_}; }
  const std::string& path() const { return path_; }

 private:
  MappedFile() = default;
  std::string path_;
  void* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace ossvk
