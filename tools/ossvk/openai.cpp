#include "ossvk/openai.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace ossvk_cli {
namespace {

// Reading a request: each reader fails with the field's name.
class Reader {
 public:
  Reader(const Json& body, ApiError& error) : body_(body), error_(error) {}

  bool fail(const std::string& param, const std::string& message) {
    error_ = {400, message, param};
    return false;
  }
  const Json* find(const char* name) const {
    auto it = body_.find(name);
    return it == body_.end() || it->is_null() ? nullptr : &*it;
  }
  // A number in [lo, hi] into `out`; absent leaves `out`.
  bool number(const char* name, double lo, double hi, double& out) {
    const Json* v = find(name);
    if (!v) return true;
    if (!v->is_number() || !(v->get<double>() >= lo && v->get<double>() <= hi))
      return fail(
          name, std::string("'") + name + "' must be a number from " + fmt(lo) + " to " + fmt(hi));
    out = v->get<double>();
    return true;
  }
  bool integer(const char* name, int64_t lo, int64_t hi, int64_t& out) {
    const Json* v = find(name);
    if (!v) return true;
    if (!v->is_number_integer() || v->get<int64_t>() < lo || v->get<int64_t>() > hi)
      return fail(name, std::string("'") + name + "' must be an integer from " +
                            std::to_string(lo) + " to " + std::to_string(hi));
    out = v->get<int64_t>();
    return true;
  }
  bool boolean(const char* name, bool& out) {
    const Json* v = find(name);
    if (!v) return true;
    if (!v->is_boolean()) return fail(name, std::string("'") + name + "' must be true or false");
    out = v->get<bool>();
    return true;
  }

 private:
  static std::string fmt(double v) {
    std::string s = std::to_string(v);
    s.erase(s.find_last_not_of('0') + 1);
    if (s.back() == '.') s.pop_back();
    return s;
  }
  const Json& body_;
  ApiError& error_;
};

// The settings chat and completion requests share.
bool read_common(const Json& body, const ApiLimits& limits, Generation& g, ApiError& error) {
  Reader r(body, error);
  double temperature = 1.0, top_p = 1.0, min_p = 0.0;
  int64_t top_k = 0, n = 1, seed = -1;
  int64_t max_tokens = limits.max_tokens;
  const char* max_name =
      body.contains("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
  if (!r.number("temperature", 0, 2, temperature) || !r.number("top_p", 0, 1, top_p) ||
      !r.number("min_p", 0, 1, min_p) || !r.integer("top_k", 0, 1 << 20, top_k) ||
      !r.integer("n", 1, 1, n) || !r.integer("seed", INT64_MIN, INT64_MAX, seed) ||
      !r.integer(max_name, 1, INT32_MAX, max_tokens) || !r.boolean("stream", g.stream) ||
      !r.boolean("ignore_eos", g.ignore_eos))
    return false;
  g.sampler.temperature = static_cast<float>(temperature);
  g.sampler.top_p = static_cast<float>(top_p);
  g.sampler.min_p = static_cast<float>(min_p);
  g.sampler.top_k = static_cast<uint32_t>(top_k);
  // Without a seed each request draws its own.
  g.sampler.state = r.find("seed")
                        ? static_cast<uint64_t>(seed)
                        : (uint64_t{std::random_device{}()} << 32) ^ std::random_device{}();
  g.max_tokens = static_cast<uint32_t>(std::min<int64_t>(max_tokens, limits.max_tokens));
  if (const Json* stop = r.find("stop")) {
    const bool list = stop->is_array();
    if (!stop->is_string() && !(list && stop->size() <= 4))
      return r.fail("stop", "'stop' must be a string or an array of at most 4 strings");
    for (const Json& s : list ? *stop : Json::array({*stop})) {
      if (!s.is_string() || s.get<std::string>().empty())
        return r.fail("stop", "'stop' must hold non-empty strings");
      g.stop.push_back(s.get<std::string>());
    }
  }
  return true;
}

// The prompt must leave room for one generated token in a slot's context.
bool fits(const Generation& g, const ApiLimits& limits, ApiError& error) {
  if (g.prompt.size() < limits.context) return true;
  error = {400,
           "the prompt is " + std::to_string(g.prompt.size()) +
               " tokens; this server's context is " + std::to_string(limits.context) +
               " (ossvk serve --context)",
           g.chat ? "messages" : "prompt"};
  return false;
}

// The tokens that end a reply: Harmony's <|return|> and <|call|>, and <|endoftext|>.
std::vector<uint32_t> end_tokens(const HarmonyTokens& t) {
  std::vector<uint32_t> out = {t.return_, t.call};
  if (t.endoftext) out.push_back(*t.endoftext);
  return out;
}

// A message's text: a string or an array of {"type": "text", "text": ...} parts.
bool content_text(const Json& m, size_t i, std::string& out, ApiError& error) {
  const std::string param = "messages[" + std::to_string(i) + "].content";
  auto it = m.find("content");
  if (it == m.end() || it->is_null()) return true;
  if (it->is_string()) {
    out = it->get<std::string>();
    return true;
  }
  if (it->is_array()) {
    for (const Json& part : *it) {
      if (!part.is_object() || part.value("type", "") != "text" || !part.contains("text") ||
          !part["text"].is_string()) {
        error = {400, param + ": only text parts ({\"type\": \"text\", \"text\": ...}) are read",
                 param};
        return false;
      }
      out += part["text"].get<std::string>();
    }
    return true;
  }
  error = {400, param + " must be a string or an array of text parts", param};
  return false;
}

// A JSON schema as the TypeScript-like type Harmony's functions namespace uses.
std::string ts_type(const Json& s, const std::string& indent);

std::string ts_object(const Json& s, const std::string& indent) {
  auto props = s.find("properties");
  if (props == s.end() || !props->is_object() || props->empty()) return "object";
  std::vector<std::string> required;
  if (auto r = s.find("required"); r != s.end() && r->is_array())
    for (const Json& name : *r)
      if (name.is_string()) required.push_back(name.get<std::string>());
  std::string out = "{\n";
  for (auto& [name, p] : props->items()) {
    if (p.is_object() && p.contains("description") && p["description"].is_string())
      out += indent + "// " + p["description"].get<std::string>() + "\n";
    const bool needed = std::find(required.begin(), required.end(), name) != required.end();
    out += indent + name + (needed ? ": " : "?: ") + ts_type(p, indent) + ",";
    if (p.is_object() && p.contains("default"))
      out += " // default: " + p["default"].dump(-1, ' ', false, Json::error_handler_t::replace);
    out += "\n";
  }
  return out + "}";
}

std::string ts_type(const Json& s, const std::string& indent) {
  if (!s.is_object()) return "any";
  if (auto e = s.find("enum"); e != s.end() && e->is_array() && !e->empty()) {
    std::string out;
    for (const Json& v : *e)
      out += (out.empty() ? "" : " | ") + v.dump(-1, ' ', false, Json::error_handler_t::replace);
    return out;
  }
  auto t = s.find("type");
  if (t == s.end()) return "any";
  if (t->is_array()) {
    std::string out;
    for (const Json& one : *t) {
      Json copy = s;
      copy["type"] = one;
      out += (out.empty() ? "" : " | ") + ts_type(copy, indent);
    }
    return out.empty() ? "any" : out;
  }
  const std::string type = t->is_string() ? t->get<std::string>() : "";
  if (type == "string" || type == "boolean" || type == "null") return type;
  if (type == "number" || type == "integer") return "number";
  if (type == "array") return ts_type(s.value("items", Json::object()), indent) + "[]";
  if (type == "object") return ts_object(s, indent);
  return "any";
}

// Harmony's developer-message section for the request's function tools.
bool tools_section(const Json& tools, std::string& out, ApiError& error) {
  if (!tools.is_array()) {
    error = {400, "'tools' must be an array", "tools"};
    return false;
  }
  out = "# Tools\n\n## functions\n\nnamespace functions {\n\n";
  for (size_t i = 0; i < tools.size(); ++i) {
    const std::string param = "tools[" + std::to_string(i) + "]";
    const Json& t = tools[i];
    if (!t.is_object() || t.value("type", "") != "function" || !t.contains("function") ||
        !t["function"].is_object() || !t["function"].contains("name") ||
        !t["function"]["name"].is_string() || t["function"]["name"].get<std::string>().empty()) {
      error = {400, param + " must be {\"type\": \"function\", \"function\": {\"name\": ...}}",
               param};
      return false;
    }
    const Json& f = t["function"];
    if (f.contains("description") && f["description"].is_string())
      out += "// " + f["description"].get<std::string>() + "\n";
    const std::string params = ts_type(f.value("parameters", Json::object()), "");
    out += "type " + f["name"].get<std::string>() + " = " +
           (params == "object" || params == "any" ? "()" : "(_: " + params + ")") + " => any;\n\n";
  }
  out += "} // namespace functions";
  return true;
}

bool is_stop_token(const Generation& g, uint32_t token) {
  return std::find(g.stop_tokens.begin(), g.stop_tokens.end(), token) != g.stop_tokens.end();
}

}  // namespace

std::string random_id(const char* prefix) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string id = prefix;
  for (int i = 0; i < 24; ++i) id += digits[rng() % 36];
  return id;
}

Json error_json(const ApiError& e) {
  Json err = {{"message", e.message}, {"type", e.type}};
  err["param"] = e.param.empty() ? Json(nullptr) : Json(e.param);
  err["code"] = nullptr;
  return {{"error", err}};
}

std::optional<Generation> read_chat_request(const Json& body, const ModelText& text,
                                            const HarmonyTokens& tokens, const ApiLimits& limits,
                                            ApiError& error) {
  Generation g;
  if (!body.is_object()) {
    error = {400, "the request body must be a JSON object", ""};
    return std::nullopt;
  }
  if (!read_common(body, limits, g, error)) return std::nullopt;
  Reasoning reasoning = limits.reasoning;
  if (auto it = body.find("reasoning_effort"); it != body.end() && !it->is_null()) {
    auto r = it->is_string() ? parse_reasoning(it->get<std::string>()) : std::nullopt;
    if (!r) {
      error = {400, "'reasoning_effort' must be low, medium or high", "reasoning_effort"};
      return std::nullopt;
    }
    reasoning = *r;
  }
  auto messages = body.find("messages");
  if (messages == body.end() || !messages->is_array() || messages->empty()) {
    error = {400, "'messages' must be a non-empty array", "messages"};
    return std::nullopt;
  }
  std::string tools;
  if (auto it = body.find("tools"); it != body.end() && !it->is_null() && !it->empty()) {
    const Json choice = body.value("tool_choice", Json("auto"));
    if (choice != "auto" && choice != "none") {
      error = {400, "'tool_choice' must be \"auto\" or \"none\"", "tool_choice"};
      return std::nullopt;
    }
    if (!tools_section(*it, tools, error)) return std::nullopt;
    if (choice == "none") tools.clear();
  }
  g.tools = !tools.empty();

  // System and developer messages become the developer message's instructions; the rest is
  // the conversation, tool calls matched to their results by id.
  std::string instructions;
  std::vector<HarmonyMessage> conversation;
  std::vector<std::pair<std::string, std::string>> call_names;  // id -> function name
  for (size_t i = 0; i < messages->size(); ++i) {
    const Json& m = (*messages)[i];
    const std::string param = "messages[" + std::to_string(i) + "]";
    if (!m.is_object() || !m.contains("role") || !m["role"].is_string()) {
      error = {400, param + " must be an object with a 'role'", param};
      return std::nullopt;
    }
    const std::string role = m["role"].get<std::string>();
    std::string content;
    if (!content_text(m, i, content, error)) return std::nullopt;
    if (role == "system" || role == "developer") {
      instructions += (instructions.empty() ? "" : "\n\n") + content;
    } else if (role == "user") {
      conversation.push_back({"user", "", "", "", content});
    } else if (role == "assistant") {
      auto calls = m.find("tool_calls");
      const bool has_calls = calls != m.end() && calls->is_array() && !calls->empty();
      if (has_calls && m.contains("reasoning_content") && m["reasoning_content"].is_string())
        conversation.push_back(
            {"assistant", "analysis", "", "", m["reasoning_content"].get<std::string>()});
      if (!content.empty() || !has_calls)
        conversation.push_back({"assistant", has_calls ? "commentary" : "final", "", "", content});
      for (size_t c = 0; has_calls && c < calls->size(); ++c) {
        const Json& call = (*calls)[c];
        const std::string cp = param + ".tool_calls[" + std::to_string(c) + "]";
        if (!call.is_object() || !call.contains("function") || !call["function"].is_object() ||
            !call["function"].contains("name") || !call["function"]["name"].is_string()) {
          error = {400, cp + " must hold function.name and function.arguments", cp};
          return std::nullopt;
        }
        const Json& f = call["function"];
        const std::string name = f["name"].get<std::string>();
        std::string args = "{}";
        if (f.contains("arguments"))
          args = f["arguments"].is_string() ? f["arguments"].get<std::string>()
                                            : f["arguments"].dump();
        conversation.push_back({"assistant", "commentary", "functions." + name, "json", args});
        if (call.contains("id") && call["id"].is_string())
          call_names.emplace_back(call["id"].get<std::string>(), name);
      }
    } else if (role == "tool") {
      std::string name = m.value("name", "");
      if (auto id = m.find("tool_call_id"); id != m.end() && id->is_string())
        for (const auto& [call_id, call_name] : call_names)
          if (call_id == id->get<std::string>()) name = call_name;
      if (name.empty()) {
        error = {400, param + ": a tool message needs a tool_call_id of an earlier tool call",
                 param};
        return std::nullopt;
      }
      conversation.push_back({"functions." + name, "commentary", "assistant", "", content});
    } else {
      error = {400, param + ": unknown role '" + role + "'", param + ".role"};
      return std::nullopt;
    }
  }

  const HarmonyRenderer render(text, tokens);
  std::string system = harmony_system_content(reasoning, limits.date);
  if (g.tools) system += "\nCalls to these tools must go to the commentary channel: 'functions'.";
  std::string developer;
  if (!instructions.empty()) developer = harmony_developer_content(instructions);
  if (g.tools) developer += (developer.empty() ? "" : "\n\n") + tools;
  std::string why;
  bool ok = render.message({"system", "", "", "", system}, g.prompt, why);
  if (ok && !developer.empty())
    ok = render.message({"developer", "", "", "", developer}, g.prompt, why);
  for (size_t i = 0; ok && i < conversation.size(); ++i)
    ok = render.message(conversation[i], g.prompt, why);
  if (ok) ok = render.reply_prompt(g.prompt, why);
  if (!ok) {
    error = {400, "messages: " + why, "messages"};
    return std::nullopt;
  }
  if (!g.ignore_eos) g.stop_tokens = end_tokens(tokens);
  if (!fits(g, limits, error)) return std::nullopt;
  return g;
}

std::optional<Generation> read_completion_request(const Json& body, const ModelText& text,
                                                  const HarmonyTokens& tokens,
                                                  const ApiLimits& limits, uint32_t vocab,
                                                  ApiError& error) {
  Generation g;
  g.chat = false;
  if (!body.is_object()) {
    error = {400, "the request body must be a JSON object", ""};
    return std::nullopt;
  }
  if (!read_common(body, limits, g, error)) return std::nullopt;
  auto prompt = body.find("prompt");
  std::string why;
  if (prompt != body.end() && prompt->is_string()) {
    if (!text.encode(prompt->get<std::string>(),
                     OSSVK_TOKENIZE_SPECIAL | OSSVK_TOKENIZE_REQUIRE_UTF8, g.prompt, why)) {
      error = {400, "prompt: " + why, "prompt"};
      return std::nullopt;
    }
  } else if (prompt != body.end() && prompt->is_array()) {
    for (const Json& id : *prompt) {
      if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() >= vocab) {
        error = {
            400,
            "prompt: token ids must be integers below the vocabulary's " + std::to_string(vocab),
            "prompt"};
        return std::nullopt;
      }
      g.prompt.push_back(id.get<uint32_t>());
    }
  }
  if (g.prompt.empty()) {
    error = {400, "'prompt' must be a non-empty string or array of token ids", "prompt"};
    return std::nullopt;
  }
  if (!g.ignore_eos) g.stop_tokens = end_tokens(tokens);
  if (!fits(g, limits, error)) return std::nullopt;
  return g;
}

Reply::Reply(const ModelText& text, const HarmonyTokens& tokens, const Generation& g)
    : text_(text), g_(g), parser_(tokens) {}

std::string Reply::take_content(const std::string& bytes, bool last) {
  if (stopped_) return {};
  held_ += bytes;
  for (const std::string& s : g_.stop) {
    if (size_t at = held_.find(s); at != std::string::npos) {
      stopped_ = true;
      held_.resize(at);
    }
  }
  size_t keep = 0;  // the longest end of held_ that begins a stop string
  if (!stopped_ && !last)
    for (const std::string& s : g_.stop)
      for (size_t n = std::min(s.size() - 1, held_.size()); n > keep; --n)
        if (held_.compare(held_.size() - n, n, s, 0, n) == 0) {
          keep = n;
          break;
        }
  std::string out = held_.substr(0, held_.size() - keep);
  held_.erase(0, held_.size() - keep);
  content_ += out;
  return out;
}

bool Reply::push(uint32_t token, Delta& delta, std::string& error) {
  delta = {};
  if (stopped_) return true;
  std::string bytes;
  const bool stop = is_stop_token(g_, token);
  if (!stop && !text_.decode({&token, 1}, bytes, error)) return false;
  if (!g_.chat) {
    if (!stop) delta.content = take_content(content_stream_.push(bytes), false);
    return true;
  }
  const std::string shown(parser_.push(token, bytes));
  const HarmonyMessage& m = parser_.current();
  if (!shown.empty() && m.recipient.empty()) {
    if (m.channel == "analysis") {
      delta.reasoning = reasoning_stream_.push(shown);
      reasoning_ += delta.reasoning;
    } else {
      delta.content = take_content(content_stream_.push(shown), false);
    }
  }
  // Tool calls are returned whole once their message ends.
  const std::vector<HarmonyMessage>& done = parser_.messages();
  for (; messages_seen_ < done.size(); ++messages_seen_) {
    const HarmonyMessage& d = done[messages_seen_];
    if (d.recipient.empty() || !g_.tools) continue;
    const std::string name =
        d.recipient.rfind("functions.", 0) == 0 ? d.recipient.substr(10) : d.recipient;
    calls_.push_back({random_id("call_"), name, d.content});
    delta.calls.push_back(calls_.size() - 1);
  }
  return true;
}

Reply::Delta Reply::finish() {
  Delta d;
  d.reasoning = reasoning_stream_.flush();
  reasoning_ += d.reasoning;
  d.content = take_content(content_stream_.flush(), true);
  return d;
}

std::string finish_reason(const Reply& r, bool length) {
  if (!r.calls().empty()) return "tool_calls";
  return length && !r.stopped() ? "length" : "stop";
}

Json usage_json(uint32_t prompt, uint32_t cached, uint32_t completion) {
  return {{"prompt_tokens", prompt},
          {"completion_tokens", completion},
          {"total_tokens", prompt + completion},
          {"prompt_tokens_details", {{"cached_tokens", cached}}}};
}

namespace {

Json tool_call_json(const Reply::ToolCall& c, size_t index, bool chunk) {
  Json j = {{"id", c.id},
            {"type", "function"},
            {"function", {{"name", c.name}, {"arguments", c.arguments}}}};
  if (chunk) j["index"] = index;
  return j;
}

Json head_json(const ResponseHead& h, const char* object) {
  return {{"id", h.id}, {"object", object}, {"created", h.created}, {"model", h.model}};
}

}  // namespace

Json response_json(const ResponseHead& h, const Reply& r, const std::string& finish,
                   const Json& usage) {
  Json j = head_json(h, h.chat ? "chat.completion" : "text_completion");
  Json choice = {{"index", 0}};
  if (h.chat) {
    Json message = {{"role", "assistant"}};
    message["content"] =
        r.content().empty() && !r.calls().empty() ? Json(nullptr) : Json(r.content());
    if (!r.reasoning().empty()) message["reasoning_content"] = r.reasoning();
    if (!r.calls().empty()) {
      message["tool_calls"] = Json::array();
      for (size_t i = 0; i < r.calls().size(); ++i)
        message["tool_calls"].push_back(tool_call_json(r.calls()[i], i, false));
    }
    choice["message"] = message;
  } else {
    choice["text"] = r.content();
  }
  choice["finish_reason"] = finish;
  j["choices"] = Json::array({choice});
  j["usage"] = usage;
  return j;
}

Json delta_json(const ResponseHead& h, const Reply& r, const Reply::Delta& d, bool first) {
  Json j = head_json(h, h.chat ? "chat.completion.chunk" : "text_completion");
  Json choice = {{"index", 0}};
  if (h.chat) {
    Json delta = Json::object();
    if (first) delta["role"] = "assistant";
    if (!d.content.empty() || first) delta["content"] = d.content;
    if (!d.reasoning.empty()) delta["reasoning_content"] = d.reasoning;
    if (!d.calls.empty()) {
      delta["tool_calls"] = Json::array();
      for (size_t i : d.calls) delta["tool_calls"].push_back(tool_call_json(r.calls()[i], i, true));
    }
    choice["delta"] = delta;
  } else {
    choice["text"] = d.content;
  }
  choice["finish_reason"] = nullptr;
  j["choices"] = Json::array({choice});
  return j;
}

Json final_chunk_json(const ResponseHead& h, const std::string& finish, const Json& usage) {
  Json j = head_json(h, h.chat ? "chat.completion.chunk" : "text_completion");
  Json choice = {{"index", 0}};
  if (h.chat)
    choice["delta"] = Json::object();
  else
    choice["text"] = "";
  choice["finish_reason"] = finish;
  j["choices"] = Json::array({choice});
  j["usage"] = usage;
  return j;
}

}  // namespace ossvk_cli
