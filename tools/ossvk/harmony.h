// Harmony, GPT-OSS's chat format (docs/model.md, "Harmony"): rendering messages into tokens
// and parsing the tokens a model writes back into messages on the analysis / commentary / final
// channels. Special tokens go in by id and message text is encoded without special-token
// parsing, so no text a user types can forge a message boundary.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ossvk/text.h"

namespace ossvk_cli {

struct HarmonyTokens {
  uint32_t start, end, message, channel, constrain, return_, call;
  std::optional<uint32_t> endoftext;
  // The ids in the model's vocabulary; nullopt with `error` naming the first one missing.
  static std::optional<HarmonyTokens> find(const ModelText& text, std::string& error);
};

struct HarmonyMessage {
  std::string role;          // system, developer, user, assistant, or a tool ("functions.x")
  std::string channel;       // analysis, commentary, final; "" for none
  std::string recipient;     // a tool call's target ("functions.get_weather"), else ""
  std::string content_type;  // after <|constrain|>, e.g. "json"
  std::string content;
};

enum class Reasoning { low, medium, high };
std::optional<Reasoning> parse_reasoning(std::string_view name);

// Today's date, YYYY-MM-DD, for the system message.
std::string today();
// The system message GPT-OSS was trained with: identity, knowledge cutoff, date (YYYY-MM-DD),
// reasoning effort and the valid channels.
std::string harmony_system_content(Reasoning reasoning, const std::string& date);
// A developer message carrying a user's system prompt.
std::string harmony_developer_content(const std::string& instructions);

class HarmonyRenderer {
 public:
  HarmonyRenderer(const ModelText& text, const HarmonyTokens& tokens) : text_(text), t_(tokens) {}
  // <|start|>role<|channel|>channel<|message|>content<|end|>, with " to=recipient" and
  // <|constrain|>type where set; an assistant's tool call ends with <|call|>.
  bool message(const HarmonyMessage& m, std::vector<uint32_t>& out, std::string& error) const;
  // <|start|>assistant: where the model starts writing.
  bool reply_prompt(std::vector<uint32_t>& out, std::string& error) const;

 private:
  const ModelText& text_;
  HarmonyTokens t_;
};

// Reads a reply token by token, as it is generated after reply_prompt().
class HarmonyParser {
 public:
  enum class Stop { none, end_of_reply, tool_call, end_of_text };
  explicit HarmonyParser(const HarmonyTokens& tokens) : t_(tokens) { current_.role = "assistant"; }

  // `bytes` is the token's text. Returns the bytes of message content it adds (nothing while
  // a header is read); current() tells which channel they belong to.
  std::string_view push(uint32_t token, std::string_view bytes);
  Stop stop() const { return stop_; }
  const HarmonyMessage& current() const { return current_; }
  const std::vector<HarmonyMessage>& messages() const { return done_; }
  // The finished messages plus the one cut short, if it has content.
  std::vector<HarmonyMessage> all() const;

 private:
  // A model that strays from the format is shown as plain text rather than swallowed. Real
  // headers ("assistant<|channel|>commentary to=functions.name <|constrain|>json") are shorter.
  static constexpr size_t kMaxHeaderBytes = 160;
  void begin_content();
  void finish();

  HarmonyTokens t_;
  enum class State { header, content, between } state_ = State::header;
  std::string segment_[3];  // header text before <|channel|>, after it, after <|constrain|>
  int part_ = 0;
  std::string raw_header_;
  HarmonyMessage current_;
  std::vector<HarmonyMessage> done_;
  Stop stop_ = Stop::none;
};

}  // namespace ossvk_cli
