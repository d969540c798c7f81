#include "backend/loader/gguf_writer.h"

#include <cstdio>
#include <cstring>

#include "backend/loader/gguf.h"
#include "backend/loader/output_file.h"

namespace ossvk {
namespace {

template <class T>
void put(std::vector<uint8_t>& out, T v) {
  const size_t at = out.size();
  out.resize(at + sizeof(T));
  std::memcpy(out.data() + at, &v, sizeof(T));
}

void put_string(std::vector<uint8_t>& out, const std::string& s) {
  put<uint64_t>(out, s.size());
  out.insert(out.end(), s.begin(), s.end());
}

}  // namespace

void GgufWriter::add_uint32(const std::string& key, uint32_t v) {
  put_string(kv_, key);
  put(kv_, GgufType::u32);
  put(kv_, v);
  ++kv_count_;
}

void GgufWriter::add_float32(const std::string& key, float v) {
  put_string(kv_, key);
  put(kv_, GgufType::f32);
  put(kv_, v);
  ++kv_count_;
}

void GgufWriter::add_bool(const std::string& key, bool v) {
  put_string(kv_, key);
  put(kv_, GgufType::boolean);
  put<uint8_t>(kv_, v ? 1 : 0);
  ++kv_count_;
}

void GgufWriter::add_string(const std::string& key, const std::string& v) {
  put_string(kv_, key);
  put(kv_, GgufType::string);
  put_string(kv_, v);
  ++kv_count_;
}

void GgufWriter::add_strings(const std::string& key, const std::vector<std::string>& v) {
  put_string(kv_, key);
  put(kv_, GgufType::array);
  put(kv_, GgufType::string);
  put<uint64_t>(kv_, v.size());
  for (const auto& s : v) put_string(kv_, s);
  ++kv_count_;
}

void GgufWriter::add_int32s(const std::string& key, const std::vector<int32_t>& v) {
  put_string(kv_, key);
  put(kv_, GgufType::array);
  put(kv_, GgufType::i32);
  put<uint64_t>(kv_, v.size());
  for (int32_t x : v) put(kv_, x);
  ++kv_count_;
}

void GgufWriter::add_tensor(const std::string& name, TensorFormat format,
                            std::vector<uint64_t> dims, std::vector<uint8_t> bytes) {
  tensors_.push_back(
      {name, tensor_format_info(format).gguf_type, std::move(dims), std::move(bytes)});
}

namespace {
constexpr uint64_t kAlign = GgufFile::kDefaultAlignment;
uint64_t aligned(uint64_t n) {
  return (n + kAlign - 1) / kAlign * kAlign;
}
}  // namespace

std::vector<uint8_t> GgufWriter::header() const {
  std::vector<uint8_t> out;
  put<uint32_t>(out, 0x46554747);
  put<uint32_t>(out, 3);
  put<uint64_t>(out, tensors_.size());
  put<uint64_t>(out, kv_count_);
  out.insert(out.end(), kv_.begin(), kv_.end());
  uint64_t offset = 0;
  for (const auto& t : tensors_) {
    put_string(out, t.name);
    put<uint32_t>(out, static_cast<uint32_t>(t.dims.size()));
    for (uint64_t d : t.dims) put(out, d);
    put(out, t.type);
    put(out, offset);
    offset = aligned(offset + t.bytes.size());
  }
  out.resize(aligned(out.size()), 0);
  return out;
}

std::vector<uint8_t> GgufWriter::bytes() const {
  std::vector<uint8_t> out = header();
  for (const auto& t : tensors_) {
    out.insert(out.end(), t.bytes.begin(), t.bytes.end());
    out.resize(aligned(out.size()), 0);
  }
  return out;
}

std::vector<uint8_t> GgufWriter::take_bytes() && {
  std::vector<uint8_t> out = header();
  uint64_t total = out.size();
  for (const auto& t : tensors_) total += aligned(t.bytes.size());
  out.reserve(total);
  for (auto& t : tensors_) {
    out.insert(out.end(), t.bytes.begin(), t.bytes.end());
    out.resize(aligned(out.size()), 0);
    std::vector<uint8_t>().swap(t.bytes);
  }
  return out;
}

host::Status GgufWriter::write(const std::string& path) const {
  const std::string error = write_output_file(path, [&](FILE* f) {
    const std::vector<uint8_t> head = header();
    bool ok = std::fwrite(head.data(), 1, head.size(), f) == head.size();
    static const uint8_t kZeros[kAlign] = {};
    for (const auto& t : tensors_) {
      ok = ok && std::fwrite(t.bytes.data(), 1, t.bytes.size(), f) == t.bytes.size();
      const uint64_t pad = aligned(t.bytes.size()) - t.bytes.size();
      ok = ok && std::fwrite(kZeros, 1, pad, f) == pad;
    }
    return ok;
  });
  if (!error.empty()) return host::Status::error(error);
  return host::Status();
}

}  // namespace ossvk
