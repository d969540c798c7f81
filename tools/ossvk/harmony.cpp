#include "ossvk/harmony.h"

#include <ctime>
#include <sstream>
#include <utility>

namespace ossvk_cli {
namespace {

// The whitespace-separated words of a header segment.
std::vector<std::string> words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

}  // namespace

std::optional<HarmonyTokens> HarmonyTokens::find(const ModelText& text, std::string& error) {
  HarmonyTokens t{};
  const std::pair<const char*, uint32_t*> needed[] = {{"<|start|>", &t.start},
                                                      {"<|end|>", &t.end},
                                                      {"<|message|>", &t.message},
                                                      {"<|channel|>", &t.channel},
                                                      {"<|constrain|>", &t.constrain},
                                                      {"<|return|>", &t.return_},
                                                      {"<|call|>", &t.call}};
  for (auto [name, slot] : needed) {
    auto id = text.find(name);
    if (!id) {
      error = std::string("the model's vocabulary has no ") + name +
              " token, so it cannot speak Harmony (GPT-OSS's chat format)";
      return std::nullopt;
    }
    *slot = *id;
  }
  t.endoftext = text.find("<|endoftext|>");
  return t;
}

std::optional<Reasoning> parse_reasoning(std::string_view name) {
  if (name == "low") return Reasoning::low;
  if (name == "medium") return Reasoning::medium;
  if (name == "high") return Reasoning::high;
  return std::nullopt;
}

std::string today() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &local);
  return buf;
}

std::string harmony_system_content(Reasoning reasoning, const std::string& date) {
  const char* effort = reasoning == Reasoning::low    ? "low"
                       : reasoning == Reasoning::high ? "high"
                                                      : "medium";
  return "You are ChatGPT, a large language model trained by OpenAI.\n"
         "Knowledge cutoff: 2024-06\n"
         "Current date: " +
         date + "\n\nReasoning: " + effort +
         "\n\n# Valid channels: analysis, commentary, final. Channel must be included for every "
         "message.";
}

std::string harmony_developer_content(const std::string& instructions) {
  return "# Instructions\n\n" + instructions;
}

bool HarmonyRenderer::message(const HarmonyMessage& m, std::vector<uint32_t>& out,
                              std::string& error) const {
  const bool call = m.role == "assistant" && !m.recipient.empty();
  std::string role = m.role;
  if (!call && !m.recipient.empty()) role += " to=" + m.recipient;  // a tool's answer
  out.push_back(t_.start);
  if (!text_.encode(role, 0, out, error)) return false;
  if (!m.channel.empty()) {
    std::string channel = m.channel;
    if (call) channel += " to=" + m.recipient;
    if (!m.content_type.empty()) channel += " ";
    out.push_back(t_.channel);
    if (!text_.encode(channel, 0, out, error)) return false;
  }
  if (!m.content_type.empty()) {
    out.push_back(t_.constrain);
    if (!text_.encode(m.content_type, 0, out, error)) return false;
  }
  out.push_back(t_.message);
  if (!text_.encode(m.content, 0, out, error)) return false;
  out.push_back(call ? t_.call : t_.end);
  return true;
}

bool HarmonyRenderer::reply_prompt(std::vector<uint32_t>& out, std::string& error) const {
  out.push_back(t_.start);
  return text_.encode("assistant", 0, out, error);
}

std::string_view HarmonyParser::push(uint32_t token, std::string_view bytes) {
  if (stop_ != Stop::none) return {};
  if (token == t_.return_ || token == t_.call || (t_.endoftext && token == *t_.endoftext)) {
    if (state_ == State::header && !raw_header_.empty()) begin_content();
    finish();
    stop_ = token == t_.return_ ? Stop::end_of_reply
            : token == t_.call  ? Stop::tool_call
                                : Stop::end_of_text;
    return {};
  }
  if (token == t_.end) {
    if (state_ == State::header && !raw_header_.empty()) begin_content();
    finish();
    state_ = State::between;
    return {};
  }
  if (token == t_.start) {  // a new message; one left open is finished
    if (state_ == State::content) finish();
    const std::string role = current_.role;
    current_ = {};
    current_.role = role;  // kept when the header names none
    segment_[0] = segment_[1] = segment_[2] = raw_header_ = {};
    part_ = 0;
    state_ = State::header;
    return {};
  }
  if (state_ == State::between) {  // text without <|start|>: read it as another header
    segment_[0] = segment_[1] = segment_[2] = raw_header_ = {};
    part_ = 0;
    state_ = State::header;
  }
  if (state_ == State::header) {
    raw_header_ += bytes;
    if (token == t_.channel) {
      part_ = 1;
    } else if (token == t_.constrain) {
      part_ = 2;
    } else if (token == t_.message) {
      // segment 0: "[role] [to=recipient]"; 1: "channel [to=recipient] [type]"; 2: "type".
      for (int p = 0; p < 3; ++p) {
        int plain = 0;
        for (const std::string& w : words(segment_[p])) {
          if (w.rfind("to=", 0) == 0) {
            current_.recipient = w.substr(3);
          } else if (p == 0) {
            current_.role = w;
          } else if (p == 1 && plain++ == 0) {
            current_.channel = w;
          } else {
            current_.content_type = w;
          }
        }
      }
      state_ = State::content;
      return {};
    } else {
      segment_[part_] += bytes;
    }
    if (raw_header_.size() > kMaxHeaderBytes) {
      begin_content();
      return current_.content;
    }
    return {};
  }
  const size_t at = current_.content.size();
  current_.content += bytes;
  return std::string_view(current_.content).substr(at);
}

void HarmonyParser::begin_content() {
  current_.content = std::exchange(raw_header_, {});
  state_ = State::content;
}

void HarmonyParser::finish() {
  if (state_ == State::content) done_.push_back(current_);
  const std::string role = current_.role;
  current_ = {};
  current_.role = role;
}

std::vector<HarmonyMessage> HarmonyParser::all() const {
  std::vector<HarmonyMessage> out = done_;
  if (state_ == State::content && stop_ == Stop::none && !current_.content.empty())
    out.push_back(current_);
  return out;
}

}  // namespace ossvk_cli
