// OpenAI's HTTP API over Harmony, for `ossvk serve`: a chat or completion request's JSON read
// into the tokens and settings of one generation, and the generated tokens written back as
// OpenAI's JSON (whole or as stream chunks). No I/O: the server and the tests drive it.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ossvk.h"
#include "ossvk/harmony.h"
#include "ossvk/json_output.h"
#include "ossvk/text.h"

namespace ossvk_cli {

// An error as OpenAI reports it: the HTTP status and {"error": {message, type, param, code}}.
struct ApiError {
  int status = 400;
  std::string message;
  std::string param;  // the request field at fault, or ""
  std::string type = "invalid_request_error";
};
Json error_json(const ApiError& e);

// What the server fixes for every request.
struct ApiLimits {
  uint32_t context;     // positions per slot: prompt plus reply
  uint32_t max_tokens;  // the longest reply; a request asking more gets this many
  std::string date;     // Harmony's "Current date"
  Reasoning reasoning = Reasoning::medium;  // when the request names no reasoning_effort
};

// One generation: the prompt's tokens and how to continue it.
struct Generation {
  std::vector<uint32_t> prompt;
  std::vector<uint32_t> stop_tokens;  // a token of these ends the reply
  ossvk_sampler sampler{};
  uint32_t max_tokens = 0;
  std::vector<std::string> stop;  // strings that end the reply (not returned)
  bool stream = false;
  bool ignore_eos = false;  // llama-server's extension: run to max_tokens
  bool chat = true;         // chat.completion or text_completion
  bool tools = false;       // tools were offered: tool calls are read from the reply
};

// POST /v1/chat/completions: messages rendered in Harmony (system and developer messages as
// developer instructions, tools in the functions namespace, assistant tool calls and tool
// results as Harmony's commentary messages). nullopt with `error` for a request to refuse.
std::optional<Generation> read_chat_request(const Json& body, const ModelText& text,
                                            const HarmonyTokens& tokens, const ApiLimits& limits,
                                            ApiError& error);
// POST /v1/completions: `prompt` as raw text (special-token text recognised) or token ids.
std::optional<Generation> read_completion_request(const Json& body, const ModelText& text,
                                                  const HarmonyTokens& tokens,
                                                  const ApiLimits& limits, uint32_t vocab,
                                                  ApiError& error);

// A reply read token by token: text split into content and reasoning, tool calls, stop strings.
class Reply {
 public:
  Reply(const ModelText& text, const HarmonyTokens& tokens, const Generation& g);

  struct Delta {
    std::string content, reasoning;
    std::vector<size_t> calls;  // indices into calls() that completed with this token
    bool empty() const { return content.empty() && reasoning.empty() && calls.empty(); }
  };
  struct ToolCall {
    std::string id, name, arguments;
  };

  // One generated token; false with `error` if it cannot be decoded.
  bool push(uint32_t token, Delta& delta, std::string& error);
  // The bytes held back at the end (an unfinished character, a partial stop string).
  Delta finish();
  // A stop string was met: the caller stops generating.
  bool stopped() const { return stopped_; }

  const std::string& content() const { return content_; }
  const std::string& reasoning() const { return reasoning_; }
  const std::vector<ToolCall>& calls() const { return calls_; }

 private:
  std::string take_content(const std::string& bytes, bool last);

  ModelText text_;
  const Generation& g_;  // outlives the reply
  HarmonyParser parser_;
  Utf8Stream content_stream_, reasoning_stream_;
  std::string held_;  // content not yet returned: it may begin a stop string
  std::string content_, reasoning_;
  std::vector<ToolCall> calls_;
  size_t messages_seen_ = 0;
  bool stopped_ = false;
};

// "stop", "length" or "tool_calls".
std::string finish_reason(const Reply& r, bool length);
Json usage_json(uint32_t prompt, uint32_t cached, uint32_t completion);

// `prefix` and 24 random letters and digits: response and tool call ids.
std::string random_id(const char* prefix);

// Whole responses and stream chunks. `id`, `created` and `model` repeat in every chunk.
struct ResponseHead {
  std::string id, model;
  int64_t created;
  bool chat;
};
Json response_json(const ResponseHead& h, const Reply& r, const std::string& finish,
                   const Json& usage);
Json delta_json(const ResponseHead& h, const Reply& r, const Reply::Delta& d, bool first);
Json final_chunk_json(const ResponseHead& h, const std::string& finish, const Json& usage);

}  // namespace ossvk_cli
