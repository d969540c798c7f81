#include "backend/loader/gguf.h"

#include <cstring>

namespace ossvk {
namespace {

using host::Result;
using host::Status;

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" little-endian
constexpr uint64_t kMaxDims = 4;
// Bounds that no real file comes near and that keep a hostile count from reserving memory.
constexpr uint64_t kMaxStringBytes = 1ull << 24;

Status file_error(const std::string& file, const std::string& what) {
  return Status::bad_file(file + ": " + what);
}

// A bounds-checked little-endian cursor over the file.
class Cursor {
 public:
  Cursor(std::span<const uint8_t> bytes, const std::string& file) : b_(bytes), file_(file) {}
  uint64_t pos() const { return pos_; }
  bool take(uint64_t n, std::span<const uint8_t>* out) {
    if (n > b_.size() - pos_) return false;
    *out = b_.subspan(pos_, n);
    pos_ += n;
    return true;
  }
  template <class T>
  bool get(T* v) {
    std::span<const uint8_t> s;
    if (!take(sizeof(T), &s)) return false;
    std::memcpy(v, s.data(), sizeof(T));
    return true;
  }
  bool string(std::string_view* s) {
    uint64_t n = 0;
    std::span<const uint8_t> bytes;
    if (!get(&n) || n > kMaxStringBytes || !take(n, &bytes)) return false;
    *s = std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    return true;
  }
  Status truncated(const std::string& what) const {
    return file_error(file_, "truncated or corrupt while reading " + what + " at byte " +
                                 std::to_string(pos_) + " of " + std::to_string(b_.size()));
  }

 private:
  std::span<const uint8_t> b_;
  const std::string& file_;
  uint64_t pos_ = 0;
};

uint64_t scalar_size(GgufType t) {
  switch (t) {
    case GgufType::u8:
    case GgufType::i8:
    case GgufType::boolean:
      return 1;
    case GgufType::u16:
    case GgufType::i16:
      return 2;
    case GgufType::u32:
    case GgufType::i32:
    case GgufType::f32:
      return 4;
    case GgufType::u64:
    case GgufType::i64:
    case GgufType::f64:
      return 8;
    default:
      return 0;
  }
}

bool read_value(Cursor& c, GgufType type, GgufValue* v, bool nested) {
  v->type = type;
  if (type == GgufType::string) return c.string(&v->text);
  if (type == GgufType::array) {
    if (nested) return false;
    uint32_t et = 0;
    if (!c.get(&et) || !c.get(&v->count)) return false;
    v->element_type = static_cast<GgufType>(et);
    if (v->element_type == GgufType::string) {
      // Each string needs at least its 8-byte length: a count beyond that cannot fit.
      if (v->count > (1ull << 32)) return false;
      v->strings.reserve(std::min<uint64_t>(v->count, 1 << 20));
      for (uint64_t i = 0; i < v->count; ++i) {
        std::string_view s;
        if (!c.string(&s)) return false;
        v->strings.push_back(s);
      }
      return true;
    }
    uint64_t size = scalar_size(v->element_type);
    if (!size || v->count > (1ull << 40) / size) return false;
    return c.take(v->count * size, &v->raw);
  }
  uint64_t size = scalar_size(type);
  return size && c.take(size, &v->raw);
}

std::string type_name(GgufType t) {
  static const char* kNames[] = {"u8",   "i8",     "u16",   "i16", "u32", "i32", "f32",
                                 "bool", "string", "array", "u64", "i64", "f64"};
  auto i = static_cast<uint32_t>(t);
  return i < 13 ? kNames[i] : "type " + std::to_string(i);
}

}  // namespace

uint64_t GgufTensor::elements() const {
  uint64_t n = 1;
  for (uint64_t d : dims) n *= d;
  return n;
}

uint64_t gguf_tensor_bytes(TensorFormat format, uint64_t elements) {
  const TensorFormatInfo& f = tensor_format_info(format);
  if (elements % f.block_elements) return 0;
  return elements / f.block_elements * f.block_bytes;
}

Result<std::unique_ptr<GgufFile>> GgufFile::open(const std::string& path) {
  OSSVK_ASSIGN_OR_RETURN(auto mapped, MappedFile::open(path));
  std::unique_ptr<GgufFile> f(new GgufFile());
  f->path_ = path;
  f->mapped_ = std::move(mapped);
  OSSVK_RETURN_IF_ERROR(f->read(f->mapped_->bytes()));
  return f;
}

Result<std::unique_ptr<GgufFile>> GgufFile::parse(std::span<const uint8_t> bytes,
                                                  const std::string& name) {
  std::unique_ptr<GgufFile> f(new GgufFile());
  f->path_ = name;
  OSSVK_RETURN_IF_ERROR(f->read(bytes));
  return f;
}

GgufFile::~GgufFile() = default;

Status GgufFile::read(std::span<const uint8_t> bytes) {
  bytes_ = bytes;
  Cursor c(bytes, path_);
  uint32_t magic = 0;
  if (!c.get(&magic) || magic != kMagic) return file_error(path_, "not a GGUF file (bad magic)");
  if (!c.get(&version_)) return c.truncated("the version");
  if (version_ != 2 && version_ != 3)
    return file_error(path_, "GGUF version " + std::to_string(version_) +
                                 " is not supported (ossvk reads versions 2 and 3)");
  uint64_t n_tensors = 0, n_values = 0;
  if (!c.get(&n_tensors) || !c.get(&n_values)) return c.truncated("the header");
  // Every key and tensor takes at least 8 bytes in the file.
  if (n_tensors > bytes.size() / 8 || n_values > bytes.size() / 8)
    return file_error(path_, "header claims " + std::to_string(n_tensors) + " tensors and " +
                                 std::to_string(n_values) + " keys, more than the file can hold");

  for (uint64_t i = 0; i < n_values; ++i) {
    std::string_view key;
    uint32_t type = 0;
    if (!c.string(&key)) return c.truncated("key " + std::to_string(i));
    if (!c.get(&type)) return c.truncated("the type of key '" + std::string(key) + "'");
    GgufValue v;
    if (!read_value(c, static_cast<GgufType>(type), &v, false))
      return file_error(path_, "key '" + std::string(key) + "' (" +
                                   type_name(static_cast<GgufType>(type)) +
                                   ") is truncated or has an invalid type or length");
    if (!values_.emplace(std::string(key), std::move(v)).second)
      return file_error(path_, "key '" + std::string(key) + "' appears twice");
  }

  OSSVK_ASSIGN_OR_RETURN(uint64_t alignment, get_uint("general.alignment", kDefaultAlignment));
  if (alignment == 0 || (alignment & (alignment - 1)) || alignment > 65536)
    return file_error(path_, "general.alignment " + std::to_string(alignment) +
                                 " is not a power of two up to 65536");

  tensors_.reserve(std::min<uint64_t>(n_tensors, 1 << 16));
  std::vector<uint64_t> relative;
  for (uint64_t i = 0; i < n_tensors; ++i) {
    std::string_view name;
    uint32_t n_dims = 0;
    if (!c.string(&name)) return c.truncated("the name of tensor " + std::to_string(i));
    GgufTensor t;
    t.name = std::string(name);
    if (!c.get(&n_dims)) return c.truncated("tensor '" + t.name + "'");
    if (n_dims == 0 || n_dims > kMaxDims)
      return file_error(path_, "tensor '" + t.name + "' has " + std::to_string(n_dims) +
                                   " dimensions (1 to 4 expected)");
    t.dims.resize(n_dims);
    for (auto& d : t.dims)
      if (!c.get(&d)) return c.truncated("tensor '" + t.name + "'");
    uint64_t off = 0;
    if (!c.get(&t.ggml_type) || !c.get(&off)) return c.truncated("tensor '" + t.name + "'");
    uint64_t elements = 1;
    for (uint64_t d : t.dims) {
      if (d == 0 || d > (1ull << 40) || elements > (1ull << 42) / d)
        return file_error(path_, "tensor '" + t.name + "' has an invalid shape");
      elements *= d;
    }
    if (!tensor_format_from_gguf(t.ggml_type, &t.format))
      return file_error(path_,
                        "tensor '" + t.name + "' has ggml type " + std::to_string(t.ggml_type) +
                            ", which ossvk does not read (it reads " + gguf_types_read() + ")");
    if (gguf_tensor_bytes(t.format, t.dims[0]) == 0)
      return file_error(path_, "tensor '" + t.name + "': row length " + std::to_string(t.dims[0]) +
                                   " is not a multiple of the " +
                                   tensor_format_info(t.format).name + " block of " +
                                   std::to_string(tensor_format_info(t.format).block_elements));
    if (by_name_.count(t.name)) return file_error(path_, "tensor '" + t.name + "' appears twice");
    by_name_[t.name] = tensors_.size();
    t.offset = off;
    relative.push_back(off);
    tensors_.push_back(std::move(t));
  }

  const uint64_t data_start = (c.pos() + alignment - 1) / alignment * alignment;
  for (size_t i = 0; i < tensors_.size(); ++i) {
    GgufTensor& t = tensors_[i];
    const uint64_t size = gguf_tensor_bytes(t.format, t.elements());
    if (relative[i] % alignment)
      return file_error(path_, "tensor '" + t.name + "' offset " + std::to_string(relative[i]) +
                                   " is not aligned to " + std::to_string(alignment));
    if (data_start > bytes.size() || relative[i] > bytes.size() - data_start ||
        size > bytes.size() - data_start - relative[i])
      return file_error(path_, "tensor '" + t.name + "' (" + std::to_string(size) +
                                   " bytes at data offset " + std::to_string(relative[i]) +
                                   ") lies past the end of the file (" +
                                   std::to_string(bytes.size()) + " bytes): truncated file?");
    t.offset = data_start + relative[i];
    t.data = bytes.subspan(t.offset, size);
  }
  return Status();
}

const GgufValue* GgufFile::find(std::string_view key) const {
  auto it = values_.find(key);
  return it == values_.end() ? nullptr : &it->second;
}

const GgufTensor* GgufFile::tensor(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &tensors_[it->second];
}

Result<uint64_t> GgufFile::get_uint(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return file_error(path_, "missing key '" + std::string(key) + "'");
  auto bad = [&] {
    return file_error(path_, "key '" + std::string(key) + "' is " + type_name(v->type) +
                                 ", not a non-negative integer");
  };
  const uint8_t* p = v->raw.data();
  int64_t s = 0;
  uint64_t u = 0;
  switch (v->type) {
    case GgufType::u8:
      return uint64_t{p[0]};
    case GgufType::u16: {
      uint16_t x;
      std::memcpy(&x, p, 2);
      return uint64_t{x};
    }
    case GgufType::u32: {
      uint32_t x;
      std::memcpy(&x, p, 4);
      return uint64_t{x};
    }
    case GgufType::u64:
      std::memcpy(&u, p, 8);
      return u;
    case GgufType::i8:
      s = static_cast<int8_t>(p[0]);
      break;
    case GgufType::i16: {
      int16_t x;
      std::memcpy(&x, p, 2);
      s = x;
      break;
    }
    case GgufType::i32: {
      int32_t x;
      std::memcpy(&x, p, 4);
      s = x;
      break;
    }
    case GgufType::i64:
      std::memcpy(&s, p, 8);
      break;
    default:
      return bad();
  }
  if (s < 0) return bad();
  return static_cast<uint64_t>(s);
}

Result<uint64_t> GgufFile::get_uint(std::string_view key, uint64_t fallback) const {
  if (!find(key)) return fallback;
  return get_uint(key);
}

Result<double> GgufFile::get_float(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return file_error(path_, "missing key '" + std::string(key) + "'");
  if (v->type == GgufType::f32) {
    float x;
    std::memcpy(&x, v->raw.data(), 4);
    return double{x};
  }
  if (v->type == GgufType::f64) {
    double x;
    std::memcpy(&x, v->raw.data(), 8);
    return x;
  }
  auto u = get_uint(key);
  if (u.ok()) return static_cast<double>(u.value());
  return file_error(path_,
                    "key '" + std::string(key) + "' is " + type_name(v->type) + ", not a number");
}

Result<double> GgufFile::get_float(std::string_view key, double fallback) const {
  if (!find(key)) return fallback;
  return get_float(key);
}

Result<std::string> GgufFile::get_string(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return file_error(path_, "missing key '" + std::string(key) + "'");
  if (v->type != GgufType::string)
    return file_error(path_,
                      "key '" + std::string(key) + "' is " + type_name(v->type) + ", not a string");
  return std::string(v->text);
}

}  // namespace ossvk
