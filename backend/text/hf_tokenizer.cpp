#include "backend/text/hf_tokenizer.h"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "backend/loader/mapped_file.h"

namespace ossvk::text {
namespace {

using host::Status;
using json = nlohmann::json;

constexpr uint64_t kMaxTokens = 1u << 22;  // o200k has 201,088; anything far larger is corrupt

Status bad(const std::string& file, const std::string& what) {
  return Status::bad_file(file + ": " + what);
}

// `j[key]` when it is a string, else "": keys of the wrong type read as absent, never throw.
std::string string_at(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_string()) return "";
  return j[key].get<std::string>();
}

// The regex of the Split pre-tokenizer, searched through Sequence pre-tokenizers.
const json* split_regex(const json& p) {
  if (!p.is_object()) return nullptr;
  if (string_at(p, "type") == "Split" && p.contains("pattern") && p["pattern"].is_object() &&
      p["pattern"].contains("Regex") && p["pattern"]["Regex"].is_string())
    return &p["pattern"]["Regex"];
  if (p.contains("pretokenizers") && p["pretokenizers"].is_array())
    for (const json& q : p["pretokenizers"])
      if (const json* r = split_regex(q)) return r;
  return nullptr;
}

Status put(Vocabulary& v, const std::string& file, const json& id, const std::string& text,
           TokenType type, const std::string& where) {
  if (!id.is_number_unsigned() || id.get<uint64_t>() >= kMaxTokens)
    return bad(file, where + " has no valid id");
  const uint64_t i = id.get<uint64_t>();
  if (i >= v.tokens.size()) {
    v.tokens.resize(i + 1);
    v.types.resize(i + 1, 0);
  }
  if (v.types[i] != 0 && v.tokens[i] != text)
    return bad(file, where + " reuses id " + std::to_string(i));
  v.tokens[i] = text;
  v.types[i] = static_cast<int32_t>(type);
  return {};
}

}  // namespace

host::Result<Vocabulary> vocabulary_from_hf_json(std::string_view text, const std::string& file) {
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return bad(file, "is not a JSON object");
  if (!j.contains("model") || string_at(j["model"], "type") != "BPE")
    return bad(file, "model.type is not \"BPE\" (GPT-OSS's tokenizer is byte-level BPE)");
  const json& model = j["model"];
  if (!model.contains("vocab") || !model["vocab"].is_object())
    return bad(file, "model.vocab is missing");
  Vocabulary v;
  for (const auto& [token, id] : model["vocab"].items())
    if (Status s = put(v, file, id, token, TokenType::normal, "model.vocab '" + token + "'");
        !s.ok())
      return s;
  if (j.contains("added_tokens")) {
    if (!j["added_tokens"].is_array()) return bad(file, "added_tokens is not an array");
    for (const json& t : j["added_tokens"]) {
      if (!t.is_object() || !t.contains("content") || !t["content"].is_string() ||
          !t.contains("id"))
        return bad(file, "an added_tokens entry lacks id or content");
      const std::string content = t["content"];
      const bool special =
          t.contains("special") && t["special"].is_boolean() && t["special"].get<bool>();
      if (Status s =
              put(v, file, t["id"], content, special ? TokenType::control : TokenType::user_defined,
                  "added token '" + content + "'");
          !s.ok())
        return s;
    }
  }
  for (size_t i = 0; i < v.tokens.size(); ++i)
    if (v.types[i] == 0) {  // ids nothing names: padding
      v.tokens[i] = "[PAD" + std::to_string(i) + "]";
      v.types[i] = static_cast<int32_t>(TokenType::unused);
    }
  if (model.contains("merges")) {
    if (!model["merges"].is_array()) return bad(file, "model.merges is not an array");
    for (const json& m : model["merges"]) {
      if (m.is_string())
        v.merges.push_back(m.get<std::string>());
      else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string())
        v.merges.push_back(m[0].get<std::string>() + " " + m[1].get<std::string>());
      else
        return bad(file, "model.merges holds an entry that is neither \"a b\" nor [\"a\", \"b\"]");
    }
  }
  const json* regex = j.contains("pre_tokenizer") ? split_regex(j["pre_tokenizer"]) : nullptr;
  if (!regex)
    return bad(file, "pre_tokenizer has no Split regex (GPT-OSS's splits by o200k's pattern)");
  v.pre = file + " pre-tokenizer";
  v.pattern = regex->get<std::string>();
  return v;
}

host::Result<Vocabulary> read_hf_tokenizer(const std::string& dir) {
  const std::string file = dir + "/tokenizer.json";
  if (!std::filesystem::exists(file))
    return bad(dir, "no tokenizer.json (the model runs on token ids)");
  auto text = read_text_file(file, kMaxTokenizerJsonBytes);
  if (!text.ok()) return text.status();
  auto v = vocabulary_from_hf_json(text.value(), file);
  if (!v.ok()) return v;
  // BOS/EOS by their text, as tokenizer_config.json names them ("eos_token": "<|return|>" or
  // {"content": ...}).
  const std::string config_file = dir + "/tokenizer_config.json";
  if (std::filesystem::exists(config_file)) {
    auto config = read_text_file(config_file, kMaxConfigJsonBytes);
    if (!config.ok()) return config.status();
    const json c = json::parse(config.value(), nullptr, false);
    if (c.is_discarded() || !c.is_object()) return bad(config_file, "is not a JSON object");
    for (auto [slot, key] :
         {std::pair{&v.value().bos, "bos_token"}, std::pair{&v.value().eos, "eos_token"}}) {
      if (!c.contains(key) || c[key].is_null()) continue;
      const json& t = c[key].is_object() && c[key].contains("content") ? c[key]["content"] : c[key];
      if (!t.is_string()) return bad(config_file, std::string(key) + " is not a string");
      const auto& tokens = v.value().tokens;
      auto it = std::find(tokens.begin(), tokens.end(), t.get<std::string>());
      if (it == tokens.end())
        return bad(config_file, std::string(key) + " '" + t.get<std::string>() + "' is no token");
      *slot = static_cast<uint32_t>(it - tokens.begin());
    }
  }
  return v;
}

}  // namespace ossvk::text
