#include "backend/text/tokenizer.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <queue>

#include "backend/text/byte_level.h"

namespace ossvk::text {
namespace {

using host::Status;

Status bad(const std::string& source, const std::string& what) {
  return Status::error(source + ": " + what, VK_ERROR_FORMAT_NOT_SUPPORTED);
}

std::string quoted(std::string_view s) {
  std::string out = "'";
  for (char c : s.substr(0, 40)) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02X", u);
      out += hex;
    } else {
      out += c;
    }
  }
  return out + (s.size() > 40 ? "...'" : "'");
}

// "<|name|>" with name of letters, digits and '_': the shape of every GPT-OSS special token.
size_t special_shape(std::string_view s) {
  if (s.size() < 5 || s[0] != '<' || s[1] != '|') return 0;
  for (size_t i = 2; i < s.size() && i < 66; ++i) {
    const char c = s[i];
    if (c == '|') return i > 2 && i + 1 < s.size() && s[i + 1] == '>' ? i + 2 : 0;
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return 0;
  }
  return 0;
}

}  // namespace

host::Result<Tokenizer> Tokenizer::create(Vocabulary v, uint32_t model_vocab,
                                          const std::string& source) {
  auto pre = v.pattern.empty() ? Pretokenizer::create(v.pre)
                               : Pretokenizer::from_pattern(v.pre, v.pattern);
  if (!pre.ok()) return bad(source, "tokenizer.ggml.pre: " + pre.status().message());
  Tokenizer t(std::move(pre).value());
  t.source_ = source;
  t.model_vocab_ = model_vocab;
  const size_t n = v.tokens.size();
  if (n == 0) return bad(source, "tokenizer.ggml.tokens is empty");
  if (n > model_vocab)
    return bad(source, "tokenizer.ggml.tokens has " + std::to_string(n) +
                           " tokens but the model has " + std::to_string(model_vocab) + " logits");
  if (!v.types.empty() && v.types.size() != n)
    return bad(source, "tokenizer.ggml.token_type has " + std::to_string(v.types.size()) +
                           " entries for " + std::to_string(n) + " tokens");
  t.pieces_.resize(n);
  t.types_.resize(n, TokenType::normal);
  t.ids_.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const std::string& s = v.tokens[i];
    const auto type = v.types.empty() ? TokenType::normal : static_cast<TokenType>(v.types[i]);
    t.types_[i] = type;
    const std::string where = "tokenizer.ggml.tokens[" + std::to_string(i) + "] " + quoted(s);
    if (s.empty() && type != TokenType::unused) return bad(source, where + " is empty");
    switch (type) {
      case TokenType::normal: {
        auto bytes = chars_to_bytes(s);
        if (!bytes) return bad(source, where + " is not byte-level BPE text");
        t.pieces_[i] = std::move(*bytes);
        break;
      }
      case TokenType::control:
      case TokenType::user_defined:
        t.pieces_[i] = s;
        t.specials_.push_back({s, static_cast<uint32_t>(i), type == TokenType::user_defined});
        break;
      case TokenType::unused:
        break;
      default:
        return bad(source, where + " has type " + std::to_string(static_cast<int>(type)) +
                               ", which a byte-level BPE vocabulary does not use");
    }
    t.ids_.emplace(s, static_cast<uint32_t>(i));  // a repeated text keeps its first id
  }
  for (const Special& s : t.specials_) t.special_first_[static_cast<uint8_t>(s.text[0])] = true;
  std::stable_sort(t.specials_.begin(), t.specials_.end(), [](const Special& a, const Special& b) {
    return a.text.size() > b.text.size();
  });

  auto normal = [&](std::string_view s) {
    auto it = t.ids_.find(s);
    return it != t.ids_.end() && t.types_[it->second] == TokenType::normal;
  };
  t.ranks_.reserve(v.merges.size());
  for (size_t r = 0; r < v.merges.size(); ++r) {
    const std::string& m = v.merges[r];
    const size_t space = m.find(' ');
    const std::string where = "tokenizer.ggml.merges[" + std::to_string(r) + "] " + quoted(m);
    if (space == 0 || space == std::string::npos || space + 1 == m.size() ||
        m.find(' ', space + 1) != std::string::npos)
      return bad(source, where + " is not two tokens separated by one space");
    const std::string_view left(m.data(), space), right(m.data() + space + 1, m.size() - space - 1);
    if (!normal(left) || !normal(right) || !normal(std::string(left) + std::string(right)))
      return bad(source, where + " joins or makes text that is no token");
    t.ranks_.emplace(m, static_cast<uint32_t>(r));  // a repeated merge keeps its first rank
  }
  for (auto [id, key] : {std::pair{v.bos, "bos"}, std::pair{v.eos, "eos"}})
    if (id && *id >= n)
      return bad(source, std::string("tokenizer.ggml.") + key + "_token_id " + std::to_string(*id) +
                             " is beyond the " + std::to_string(n) + " tokens");
  t.bos_ = v.bos;
  t.eos_ = v.eos;
  return t;
}

host::Result<Tokenizer> Tokenizer::from_gguf(const GgufFile& file, uint32_t model_vocab) {
  const std::string& source = file.path();
  auto model = file.get_string("tokenizer.ggml.model");
  if (!model.ok()) return bad(source, "no tokenizer (tokenizer.ggml.model is missing)");
  if (model.value() != "gpt2")
    return bad(source, "tokenizer.ggml.model '" + model.value() +
                           "' is not supported (GPT-OSS uses 'gpt2', byte-level BPE)");
  auto strings = [&](std::string_view key, std::vector<std::string>* out) -> Status {
    const GgufValue* value = file.find(key);
    if (!value) return bad(source, std::string(key) + " is missing");
    if (value->type != GgufType::array || value->element_type != GgufType::string)
      return bad(source, std::string(key) + " is not an array of strings");
    out->assign(value->strings.begin(), value->strings.end());
    return Status{};
  };
  Vocabulary v;
  if (Status s = strings("tokenizer.ggml.tokens", &v.tokens); !s.ok()) return s;
  if (Status s = strings("tokenizer.ggml.merges", &v.merges); !s.ok()) return s;
  if (const GgufValue* types = file.find("tokenizer.ggml.token_type")) {
    if (types->type != GgufType::array ||
        (types->element_type != GgufType::i32 && types->element_type != GgufType::u32))
      return bad(source, "tokenizer.ggml.token_type is not an array of 32-bit integers");
    v.types.resize(types->count);
    std::memcpy(v.types.data(), types->raw.data(), types->count * sizeof(int32_t));
  }
  auto pre = file.get_string("tokenizer.ggml.pre");
  v.pre = pre.ok() ? pre.value() : "gpt-4o";  // older converters wrote no pre-tokenizer name
  for (auto [slot, key] : {std::pair{&v.bos, "tokenizer.ggml.bos_token_id"},
                           std::pair{&v.eos, "tokenizer.ggml.eos_token_id"}}) {
    if (!file.find(key)) continue;
    auto id = file.get_uint(key);
    if (!id.ok()) return id.status();
    *slot = static_cast<uint32_t>(std::min<uint64_t>(id.value(), UINT32_MAX));
  }
  return create(std::move(v), model_vocab, source);
}

std::optional<uint32_t> Tokenizer::find(std::string_view text) const {
  auto it = ids_.find(text);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

host::Result<std::vector<uint32_t>> Tokenizer::encode(std::string_view text, bool special) const {
  std::vector<uint32_t> out;
  size_t done = 0;  // text before this is encoded
  for (size_t i = 0; i < text.size();) {
    const Special* hit = nullptr;
    if (special_first_[static_cast<uint8_t>(text[i])])
      for (const Special& s : specials_)
        if ((special || s.always) && text.compare(i, s.text.size(), s.text) == 0) {
          hit = &s;
          break;
        }
    if (!hit) {
      if (special && special_shape(text.substr(i)))
        return Status::error(source_ + ": unknown special token " +
                                 quoted(text.substr(i, special_shape(text.substr(i)))) +
                                 " at byte " + std::to_string(i),
                             VK_ERROR_FORMAT_NOT_SUPPORTED);
      ++i;
      continue;
    }
    if (Status s = encode_text(text.substr(done, i - done), out); !s.ok()) return s;
    out.push_back(hit->id);
    i += hit->text.size();
    done = i;
  }
  if (Status s = encode_text(text.substr(done), out); !s.ok()) return s;
  return out;
}

Status Tokenizer::encode_text(std::string_view text, std::vector<uint32_t>& out) const {
  if (text.empty()) return Status{};
  auto pieces = pre_.split(text);
  if (!pieces.ok()) return pieces.status();
  for (std::string_view piece : pieces.value())
    if (Status s = merge(piece, out); !s.ok()) return s;
  return Status{};
}

// BPE over one piece: repeatedly join the adjacent pair of lowest merge rank (leftmost first).
Status Tokenizer::merge(std::string_view piece, std::vector<uint32_t>& out) const {
  if (piece.empty()) return Status{};
  const std::string chars = bytes_to_chars(piece);
  struct Symbol {
    uint32_t begin, size;
    int32_t prev, next;
  };
  std::vector<Symbol> sym;
  for (uint32_t at = 0; at < chars.size();) {
    const uint32_t len = static_cast<uint8_t>(chars[at]) < 0x80 ? 1 : 2;
    sym.push_back(
        {at, len, static_cast<int32_t>(sym.size()) - 1, static_cast<int32_t>(sym.size()) + 1});
    at += len;
  }
  sym.back().next = -1;
  struct Pair {
    uint32_t rank;
    int32_t left, right;
    uint32_t size;  // of the joined text: a pair whose symbols have changed since is stale
    bool operator>(const Pair& o) const { return rank != o.rank ? rank > o.rank : left > o.left; }
  };
  std::priority_queue<Pair, std::vector<Pair>, std::greater<>> queue;
  std::string key;
  auto consider = [&](int32_t l, int32_t r) {
    if (l < 0 || r < 0) return;
    key.assign(chars, sym[l].begin, sym[l].size);
    key += ' ';
    key.append(chars, sym[r].begin, sym[r].size);
    if (auto it = ranks_.find(key); it != ranks_.end())
      queue.push({it->second, l, r, sym[l].size + sym[r].size});
  };
  for (int32_t i = 0; i + 1 < static_cast<int32_t>(sym.size()); ++i) consider(i, i + 1);
  while (!queue.empty()) {
    const Pair p = queue.top();
    queue.pop();
    Symbol& l = sym[p.left];
    Symbol& r = sym[p.right];
    if (l.size == 0 || r.size == 0 || l.next != p.right || l.size + r.size != p.size) continue;
    l.size += r.size;
    r.size = 0;
    l.next = r.next;
    if (l.next >= 0) sym[l.next].prev = p.left;
    consider(l.prev, p.left);
    consider(p.left, l.next);
  }
  for (int32_t i = 0; i >= 0; i = sym[i].next) {
    const std::string_view s(chars.data() + sym[i].begin, sym[i].size);
    auto it = ids_.find(s);
    if (it == ids_.end() || types_[it->second] != TokenType::normal) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02X", static_cast<uint8_t>(*chars_to_bytes(s)->data()));
      return Status::error(source_ + ": the vocabulary has no token for byte " + hex,
                           VK_ERROR_FORMAT_NOT_SUPPORTED);
    }
    out.push_back(it->second);
  }
  return Status{};
}

host::Result<std::string> Tokenizer::decode(std::span<const uint32_t> ids) const {
  std::string out;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] >= model_vocab_)
      return Status::error("token id " + std::to_string(ids[i]) + " at index " + std::to_string(i) +
                           " is out of range (vocabulary " + std::to_string(model_vocab_) + ")");
    if (ids[i] < pieces_.size()) out += pieces_[ids[i]];
  }
  return out;
}

}  // namespace ossvk::text
