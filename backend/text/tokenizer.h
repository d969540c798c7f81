// The byte-level BPE tokenizer of GPT-OSS (o200k_harmony) as GGUF stores it: tokens with their
// types, merges in rank order, the pre-tokenizer's name and the BOS/EOS ids. Encoding splits
// out special tokens, pre-tokenizes, then merges each piece's byte characters by rank; decoding
// is exact, so decode(encode(bytes)) == bytes for any bytes the vocabulary covers.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "backend/loader/gguf.h"
#include "backend/text/pretokenizer.h"

namespace ossvk::text {

// GGUF's tokenizer.ggml.token_type values (llama.cpp's llama_token_type).
enum class TokenType : int32_t {
  normal = 1,
  unknown = 2,
  control = 3,       // special: recognised in text only where the caller allows it
  user_defined = 4,  // recognised in text always
  unused = 5,        // vocabulary padding: never produced by encoding, decodes to nothing
  byte = 6,
};

struct Vocabulary {
  std::vector<std::string> tokens;  // as stored: byte-level characters for normal tokens
  std::vector<int32_t> types;       // TokenType per token; empty: all normal
  std::vector<std::string> merges;  // "left right", rank order
  std::string pre = "gpt-4o";       // GGUF's pre-tokenizer name
  std::string pattern;              // else: the pre-tokenizer's regex itself (tokenizer.json)
  std::optional<uint32_t> bos, eos;
};

// The tokenizer.ggml.* keys of `file`, checked for their types; an error names the file and the
// key. Tokenizer::create checks the entries.
host::Result<Vocabulary> vocabulary_from_gguf(const GgufFile& file);

class Tokenizer {
 public:
  // `model_vocab` is the model's number of logits: the token list may be shorter (the ids between
  // are padding), never longer. Errors name `source` and the bad token or merge.
  static host::Result<Tokenizer> create(Vocabulary vocabulary, uint32_t model_vocab,
                                        const std::string& source);
  // From the tokenizer.ggml.* keys; an error names the file and the key.
  static host::Result<Tokenizer> from_gguf(const GgufFile& file, uint32_t model_vocab);

  // With `special`, control tokens' text becomes those tokens, and text shaped like one
  // ("<|name|>") that names no token is an error; without it such text is ordinary text.
  // Thread-safe.
  host::Result<std::vector<uint32_t>> encode(std::string_view text, bool special) const;
  // The bytes of `ids`, special tokens as their text. Thread-safe.
  host::Result<std::string> decode(std::span<const uint32_t> ids) const;
  // The id of the token stored as `text` (any type).
  std::optional<uint32_t> find(std::string_view text) const;

  uint32_t size() const { return model_vocab_; }
  uint32_t stored() const { return static_cast<uint32_t>(pieces_.size()); }
  const std::string& pre() const { return pre_.name(); }
  std::optional<uint32_t> bos() const { return bos_; }
  std::optional<uint32_t> eos() const { return eos_; }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Index = std::unordered_map<std::string, uint32_t, Hash, std::equal_to<>>;
  struct Special {
    std::string text;
    uint32_t id;
    bool always;  // user-defined: matched even where special tokens are not allowed
  };

  Tokenizer(Pretokenizer pre) : pre_(std::move(pre)) {}
  host::Status encode_text(std::string_view text, std::vector<uint32_t>& out) const;
  host::Status merge(std::string_view piece, std::vector<uint32_t>& out) const;

  Pretokenizer pre_;
  std::string source_;
  uint32_t model_vocab_ = 0;
  std::vector<std::string> pieces_;  // the bytes each id decodes to
  std::vector<TokenType> types_;
  Index ids_;  // stored text -> id
  // The merges by token id: (left id << 32 | right id) -> its rank and the joined token's id.
  struct Merge {
    uint32_t rank, id;
  };
  std::unordered_map<uint64_t, Merge> merges_;
  static constexpr uint32_t kNoToken = UINT32_MAX;
  static constexpr size_t kShortPiece = 64;  // bytes; longer pieces merge through a heap
  std::array<uint32_t, 256> byte_ids_{};     // each byte's own token; kNoToken where it has none
  std::vector<Special> specials_;            // longest first
  std::array<bool, 256> special_first_{};    // bytes some special token starts with
  std::optional<uint32_t> bos_, eos_;
};

}  // namespace ossvk::text
