// Writes GGUF v3 files (synthetic models for tests and benchmarks). Output goes to a temporary
// name beside the target and is renamed into place, so a failure never leaves a partial file.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "host/status.h"
#include "reference/tensor_format.h"

namespace ossvk {

class GgufWriter {
 public:
  void add_uint32(const std::string& key, uint32_t v);
  void add_float32(const std::string& key, float v);
  void add_bool(const std::string& key, bool v);
  void add_string(const std::string& key, const std::string& v);
  void add_strings(const std::string& key, const std::vector<std::string>& v);
  void add_int32s(const std::string& key, const std::vector<int32_t>& v);
  // dims in ggml order (row length first); bytes must match the shape and format.
  void add_tensor(const std::string& name, TensorFormat format, std::vector<uint64_t> dims,
                  std::vector<uint8_t> bytes);

  std::vector<uint8_t> bytes() const;
  // The same, releasing each tensor once copied: peak memory stays near one model, not two.
  std::vector<uint8_t> take_bytes() &&;
  host::Status write(const std::string& path) const;

 private:
  std::vector<uint8_t> header() const;  // everything before the tensor data, padded
  struct Tensor {
    std::string name;
    uint32_t type;
    std::vector<uint64_t> dims;
    std::vector<uint8_t> bytes;
  };
  std::vector<uint8_t> kv_;
  uint64_t kv_count_ = 0;
  std::vector<Tensor> tensors_;
};

}  // namespace ossvk
