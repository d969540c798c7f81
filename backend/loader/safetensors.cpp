#include "backend/loader/safetensors.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

namespace ossvk {
namespace {

host::Status file_error(const std::string& file, const std::string& what) {
  return host::Status::bad_file(file + ": " + what);
}

constexpr uint64_t kMaxElements = 1ull << 42;
// JSON headers beyond this are not safetensors files ossvk should trust (real ones: < 1 MB).
constexpr uint64_t kMaxHeaderBytes = 100ull << 20;

}  // namespace

uint64_t safetensors_dtype_bytes(const std::string& dtype) {
  if (dtype == "F32" || dtype == "U32" || dtype == "I32") return 4;
  if (dtype == "F16" || dtype == "BF16") return 2;
  if (dtype == "U8" || dtype == "I8") return 1;
  return 0;
}

host::Result<std::unique_ptr<SafetensorsFile>> SafetensorsFile::open(const std::string& path) {
  OSSVK_ASSIGN_OR_RETURN(auto mapped, MappedFile::open(path));
  std::unique_ptr<SafetensorsFile> f(new SafetensorsFile());
  f->path_ = path;
  f->mapped_ = std::move(mapped);
  OSSVK_RETURN_IF_ERROR(f->read(f->mapped_->bytes()));
  return f;
}

host::Result<std::unique_ptr<SafetensorsFile>> SafetensorsFile::parse(
    std::span<const uint8_t> bytes, const std::string& name) {
  std::unique_ptr<SafetensorsFile> f(new SafetensorsFile());
  f->path_ = name;
  OSSVK_RETURN_IF_ERROR(f->read(bytes));
  return f;
}

const SafetensorsTensor* SafetensorsFile::find(const std::string& name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

host::Status SafetensorsFile::read(std::span<const uint8_t> bytes) {
  uint64_t header = 0;
  if (bytes.size() < 8) return file_error(path_, "too short for a safetensors header");
  std::memcpy(&header, bytes.data(), 8);
  if (header > kMaxHeaderBytes || header > bytes.size() - 8)
    return file_error(path_, "header length " + std::to_string(header) +
                                 " exceeds the file: truncated, or not a safetensors file");
  const auto data = bytes.subspan(8 + header);
  // A name given twice would let one entry silently replace the other: the parser reports every
  // top-level key so that duplicates are refused.
  std::set<std::string> names;
  std::string duplicate;
  const nlohmann::json::parser_callback_t note_keys =
      [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
        if (depth == 1 && event == nlohmann::json::parse_event_t::key && parsed.is_string() &&
            !names.insert(parsed.get<std::string>()).second && duplicate.empty())
          duplicate = parsed.get<std::string>();
        return true;
      };
  nlohmann::json json = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + header,
                                              note_keys, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object())
    return file_error(path_, "the header is not a JSON object");
  if (!duplicate.empty()) return file_error(path_, "tensor '" + duplicate + "' appears twice");
  for (const auto& [name, entry] : json.items()) {
    if (name == "__metadata__") continue;
    auto bad = [&](const std::string& why) {
      return file_error(path_, "tensor '" + name + "': " + why);
    };
    if (!entry.is_object() || !entry.contains("dtype") || !entry["dtype"].is_string() ||
        !entry.contains("shape") || !entry["shape"].is_array() || !entry.contains("data_offsets") ||
        !entry["data_offsets"].is_array() || entry["data_offsets"].size() != 2)
      return bad("needs dtype, shape and data_offsets [begin, end]");
    SafetensorsTensor t;
    t.dtype = entry["dtype"].get<std::string>();
    const uint64_t size = safetensors_dtype_bytes(t.dtype);
    if (!size) return bad("dtype " + t.dtype + " is not one ossvk reads");
    // Each product is bounded before it is formed, so no shape can wrap around 64 bits.
    uint64_t elements = 1;
    for (const auto& d : entry["shape"]) {
      if (!d.is_number_unsigned() || d.get<uint64_t>() > kMaxElements)
        return bad("shape holds a value that is not a dimension");
      t.shape.push_back(d.get<uint64_t>());
      if (t.shape.back() && elements > kMaxElements / t.shape.back())
        return bad("more than 2^42 elements");
      elements *= t.shape.back();
    }
    const auto& off = entry["data_offsets"];
    if (!off[0].is_number_unsigned() || !off[1].is_number_unsigned())
      return bad("data_offsets are not byte offsets");
    const uint64_t begin = off[0].get<uint64_t>(), end = off[1].get<uint64_t>();
    if (begin > end || end > data.size())
      return bad("bytes [" + std::to_string(begin) + ", " + std::to_string(end) +
                 ") lie outside the file's " + std::to_string(data.size()) +
                 " data bytes: truncated file?");
    if (end - begin != elements * size)
      return bad(std::to_string(end - begin) + " bytes for " + std::to_string(elements) + " " +
                 t.dtype + " elements");
    t.data = data.subspan(begin, end - begin);
    tensors_.emplace(name, std::move(t));
  }
  // Two tensors sharing bytes are a corrupt or crafted header: writing one would change the other.
  std::vector<std::pair<const std::string*, const SafetensorsTensor*>> by_offset;
  for (const auto& [name, t] : tensors_)
    if (!t.data.empty()) by_offset.emplace_back(&name, &t);
  std::sort(by_offset.begin(), by_offset.end(), [](const auto& a, const auto& b) {
    return a.second->data.data() < b.second->data.data();
  });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    const auto& [name_a, a] = by_offset[i - 1];
    const auto& [name_b, b] = by_offset[i];
    if (b->data.data() < a->data.data() + a->data.size())
      return file_error(path_, "tensors '" + *name_a + "' and '" + *name_b + "' share bytes");
  }
  return host::Status();
}

}  // namespace ossvk
