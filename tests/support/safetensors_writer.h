// A .safetensors file built in memory for tests: tensors appended in order, written with the
// JSON header the reader expects.
#pragma once
#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

namespace ossvk::testing {

class SafetensorsWriter {
 public:
  void add(const std::string& name, const std::string& dtype, std::vector<uint64_t> shape,
           std::span<const uint8_t> bytes) {
    header_[name] = {{"dtype", dtype},
                     {"shape", shape},
                     {"data_offsets", {data_.size(), data_.size() + bytes.size()}}};
    data_.insert(data_.end(), bytes.begin(), bytes.end());
  }
  void add_floats(const std::string& name, std::vector<uint64_t> shape,
                  const std::vector<float>& v) {
    add(name, "F32", shape, {reinterpret_cast<const uint8_t*>(v.data()), v.size() * 4});
  }
  void write(const std::string& path) const {
    const std::string h = header_.dump();
    const uint64_t n = h.size();
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(&n), 8);
    out.write(h.data(), static_cast<std::streamsize>(h.size()));
    out.write(reinterpret_cast<const char*>(data_.data()),
              static_cast<std::streamsize>(data_.size()));
  }

 private:
  nlohmann::json header_ = nlohmann::json::object();
  std::vector<uint8_t> data_;
};

}  // namespace ossvk::testing
