// A GGUF v2/v3 file, memory-mapped and validated before anything reads it: header, every key and
// value, every tensor's name, shape, type and byte range (inside the file, aligned, of exactly
// the size its shape and type imply). Values and tensor bytes are views into the mapping.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "backend/loader/mapped_file.h"
#include "host/status.h"
#include "reference/tensor_format.h"

namespace ossvk {

enum class GgufType : uint32_t {
  u8 = 0,
  i8 = 1,
  u16 = 2,
  i16 = 3,
  u32 = 4,
  i32 = 5,
  f32 = 6,
  boolean = 7,
  string = 8,
  array = 9,
  u64 = 10,
  i64 = 11,
  f64 = 12,
};

struct GgufValue {
  GgufType type = GgufType::u8;
  GgufType element_type = GgufType::u8;   // arrays
  uint64_t count = 0;                     // arrays
  std::span<const uint8_t> raw;           // scalars: the value's bytes; arrays: the elements
  std::string_view text;                  // strings
  std::vector<std::string_view> strings;  // arrays of strings
};

struct GgufTensor {
  std::string name;
  uint32_t ggml_type = 0;
  TensorFormat format = TensorFormat::f32;
  std::vector<uint64_t> dims;  // ggml order: dims[0] is the fastest (row length)
  uint64_t offset = 0;         // from the start of the file
  std::span<const uint8_t> data;
  uint64_t elements() const;
};

class GgufFile {
 public:
  static constexpr uint32_t kDefaultAlignment = 32;

  // Maps and validates `path`; every error names the file and, where there is one, the key or
  // tensor.
  static host::Result<std::unique_ptr<GgufFile>> open(const std::string& path);
  // The same over bytes the caller keeps alive (tests, in-memory models).
  static host::Result<std::unique_ptr<GgufFile>> parse(std::span<const uint8_t> bytes,
                                                       const std::string& name);
  ~GgufFile();
  GgufFile(const GgufFile&) = delete;
  GgufFile& operator=(const GgufFile&) = delete;

  const std::string& path() const { return path_; }
  uint32_t version() const { return version_; }
  uint64_t size() const { return bytes_.size(); }
  const std::map<std::string, GgufValue, std::less<>>& values() const { return values_; }
  const std::vector<GgufTensor>& tensors() const { return tensors_; }

  const GgufValue* find(std::string_view key) const;
  const GgufTensor* tensor(std::string_view name) const;
  // Typed reads of a key; an absent key gives `fallback` when there is one, else an error naming
  // the key and the file. A key of the wrong type is always an error, never the fallback. Any
  // non-negative integer type reads as an integer; f32/f64 and integers as floats.
  host::Result<uint64_t> get_uint(std::string_view key) const;
  host::Result<uint64_t> get_uint(std::string_view key, uint64_t fallback) const;
  host::Result<double> get_float(std::string_view key) const;
  host::Result<double> get_float(std::string_view key, double fallback) const;
  host::Result<std::string> get_string(std::string_view key) const;

 private:
  GgufFile() = default;
  host::Status read(std::span<const uint8_t> bytes);

  std::string path_;
  std::unique_ptr<MappedFile> mapped_;  // null for parse()
  std::span<const uint8_t> bytes_;
  uint32_t version_ = 0;
  std::map<std::string, GgufValue, std::less<>> values_;
  std::vector<GgufTensor> tensors_;
  std::map<std::string, size_t, std::less<>> by_name_;
};

// Bytes of `elements` values of `format` (F32/F16/BF16 per element, block formats per 32);
// 0 when a block format's count is not a whole number of blocks.
uint64_t gguf_tensor_bytes(TensorFormat format, uint64_t elements);

}  // namespace ossvk
