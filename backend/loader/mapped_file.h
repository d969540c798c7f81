// A whole file mapped read-only into memory; the bytes stay valid while the object lives.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "host/status.h"

namespace ossvk {

// Only regular files are read: a FIFO, device or directory is refused before a byte is read, so a
// path to a pipe cannot hang the reader and a link to /dev/zero cannot exhaust memory.
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

// Limits on the JSON files of a model folder, far above real ones (o200k's tokenizer.json is
// 27 MB, a config.json or shard index a few hundred kB) and low enough to parse in memory.
inline constexpr uint64_t kMaxConfigJsonBytes = 64ull << 20;
inline constexpr uint64_t kMaxTokenizerJsonBytes = 256ull << 20;

// A small text file (JSON) read whole; one larger than `max_bytes` is refused before reading.
host::Result<std::string> read_text_file(const std::string& path, uint64_t max_bytes);

}  // namespace ossvk
