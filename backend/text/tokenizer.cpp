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
  return Status::bad_file(source + ": " + what);
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
  t.merges_.reserve(v.merges.size());
  for (size_t r = 0; r < v.merges.size(); ++r) {
    const std::string& m = v.merges[r];
    const size_t space = m.find(' ');
    const std::string where = "tokenizer.ggml.merges[" + std::to_string(r) + "] " + quoted(m);
    if (space == 0 || space == std::string::npos || space + 1 == m.size() ||
        m.find(' ', space + 1) != std::string::npos)
      return bad(source, where + " is not two tokens separated by one space");
    const std::string_view left(m.data(), space), right(m.data() + space + 1, m.size() - space - 1);
    const std::string joined = std::string(left) + std::string(right);
    if (!normal(left) || !normal(right) || !normal(joined))
      return bad(source, where + " joins or makes text that is no token");
    const uint64_t key = uint64_t{t.ids_.find(left)->second} << 32 | t.ids_.find(right)->second;
    // A repeated merge keeps its first rank.
    t.merges_.emplace(key, Merge{static_cast<uint32_t>(r), t.ids_.find(joined)->second});
  }
  for (unsigned b = 0; b < 256; ++b) {
    const std::string_view c = byte_char(static_cast<uint8_t>(b));
    t.byte_ids_[b] = normal(c) ? t.ids_.find(c)->second : kNoToken;
  }
  for (auto [id, key] : {std::pair{v.bos, "bos"}, std::pair{v.eos, "eos"}})
    if (id && *id >= n)
      return bad(source, std::string("tokenizer.ggml.") + key + "_token_id " + std::to_string(*id) +
                             " is beyond the " + std::to_string(n) + " tokens");
  t.bos_ = v.bos;
  t.eos_ = v.eos;
  return t;
}

host::Result<Vocabulary> vocabulary_from_gguf(const GgufFile& file) {
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
  return v;
}

host::Result<Tokenizer> Tokenizer::from_gguf(const GgufFile& file, uint32_t model_vocab) {
  OSSVK_ASSIGN_OR_RETURN(Vocabulary v, vocabulary_from_gguf(file));
  return create(std::move(v), model_vocab, file.path());
}

std::optional<uint32_t> Tokenizer::find(std::string_view text) const {
  auto it = ids_.find(text);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

host::Result<std::vector<uint32_t>> Tokenizer::encode(std::string_view text, bool special) const {
  std::vector<uint32_t> out;
  out.reserve(text.size() / 3);  // o200k averages about 3.6 bytes a token on mixed text
  size_t done = 0;               // text before this is encoded
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
        return Status::bad_argument(source_ + ": unknown special token " +
                                    quoted(text.substr(i, special_shape(text.substr(i)))) +
                                    " at byte " + std::to_string(i));
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
  return pre_.split(text, [&](std::string_view piece) { return merge(piece, out); });
}

// BPE over one piece: repeatedly join the adjacent pair of lowest merge rank (leftmost first),
// on token ids. Short pieces (nearly all) keep each adjacent pair's rank in an array and rescan
// it, as the reference does; long ones (runs of spaces or symbols) use a heap, so that no piece
// costs quadratic time.
Status Tokenizer::merge(std::string_view piece, std::vector<uint32_t>& out) const {
  if (piece.empty()) return Status{};
  constexpr uint32_t kNone = UINT32_MAX;
  auto rank_of = [&](uint32_t l, uint32_t r) -> Merge {
    auto it = merges_.find(uint64_t{l} << 32 | r);
    return it == merges_.end() ? Merge{kNone, kNoToken} : it->second;
  };
  // Each byte's own token first.
  auto byte_tokens = [&](uint32_t* sym) -> Status {
    for (size_t i = 0; i < piece.size(); ++i) {
      sym[i] = byte_ids_[static_cast<uint8_t>(piece[i])];
      if (sym[i] == kNoToken) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02X", static_cast<uint8_t>(piece[i]));
        return Status::bad_file(source_ + ": the vocabulary has no token for byte " + hex);
      }
    }
    return Status{};
  };
  if (piece.size() <= kShortPiece) {
    uint32_t sym[kShortPiece];
    Merge pair[kShortPiece];
    OSSVK_RETURN_IF_ERROR(byte_tokens(sym));
    size_t n = piece.size();
    for (size_t i = 0; i + 1 < n; ++i) pair[i] = rank_of(sym[i], sym[i + 1]);
    while (n > 1) {
      size_t best = 0;
      for (size_t i = 1; i + 1 < n; ++i)
        if (pair[i].rank < pair[best].rank) best = i;
      if (pair[best].rank == kNone) break;
      sym[best] = pair[best].id;
      std::copy(sym + best + 2, sym + n, sym + best + 1);
      std::copy(pair + best + 1, pair + n - 1, pair + best);
      --n;
      if (best > 0) pair[best - 1] = rank_of(sym[best - 1], sym[best]);
      if (best + 1 < n) pair[best] = rank_of(sym[best], sym[best + 1]);
    }
    out.insert(out.end(), sym, sym + n);
    return Status{};
  }
  std::vector<uint32_t> sym(piece.size());
  OSSVK_RETURN_IF_ERROR(byte_tokens(sym.data()));
  // Symbols as a linked list; a queued pair is stale once either side has changed.
  const int32_t n = static_cast<int32_t>(sym.size());
  std::vector<int32_t> prev(n), next(n);
  std::vector<uint32_t> version(n, 0);
  for (int32_t i = 0; i < n; ++i) prev[i] = i - 1, next[i] = i + 1 < n ? i + 1 : -1;
  struct Pair {
    uint32_t rank;
    int32_t left, right;
    uint32_t left_version, right_version;
    bool operator>(const Pair& o) const { return rank != o.rank ? rank > o.rank : left > o.left; }
  };
  std::priority_queue<Pair, std::vector<Pair>, std::greater<>> queue;
  auto consider = [&](int32_t l, int32_t r) {
    if (l < 0 || r < 0) return;
    const Merge m = rank_of(sym[l], sym[r]);
    if (m.rank != kNone) queue.push({m.rank, l, r, version[l], version[r]});
  };
  for (int32_t i = 0; i + 1 < n; ++i) consider(i, i + 1);
  while (!queue.empty()) {
    const Pair p = queue.top();
    queue.pop();
    if (next[p.left] != p.right || version[p.left] != p.left_version ||
        version[p.right] != p.right_version)
      continue;
    sym[p.left] = merges_.find(uint64_t{sym[p.left]} << 32 | sym[p.right])->second.id;
    ++version[p.left];
    ++version[p.right];  // gone: no pair with it is taken again
    next[p.left] = next[p.right];
    if (next[p.left] >= 0) prev[next[p.left]] = p.left;
    consider(prev[p.left], p.left);
    consider(p.left, next[p.left]);
  }
  for (int32_t i = 0; i >= 0; i = next[i]) out.push_back(sym[i]);
  return Status{};
}

host::Result<std::string> Tokenizer::decode(std::span<const uint32_t> ids) const {
  std::string out;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] >= model_vocab_)
      return Status::bad_argument("token id " + std::to_string(ids[i]) + " at index " +
                                  std::to_string(i) + " is out of range (vocabulary " +
                                  std::to_string(model_vocab_) + ")");
    if (ids[i] < pieces_.size()) out += pieces_[ids[i]];
  }
  return out;
}

}  // namespace ossvk::text
