// OpenAI's API over Harmony (tools/ossvk/openai): requests rendered into the prompt GPT-OSS
// expects, replies read back into content, reasoning and tool calls, and refusals that name the
// field, on the synthetic model's tokenizer.
#include <gtest/gtest.h>

#include "ossvk/openai.h"
#include "support/text_model.h"

namespace ossvk_cli {
namespace {

class OpenAi : public TextModel {
 protected:
  ApiLimits limits() const { return {4096, 100, "2026-01-01", Reasoning::medium}; }
  std::optional<Generation> chat(const std::string& body, ApiError& e) {
    return read_chat_request(Json::parse(body), text(), tokens_, limits(), e);
  }
  std::string rendered(const Generation& g) {
    std::string out, error;
    EXPECT_TRUE(text().decode(g.prompt, out, error)) << error;
    return out;
  }
  // Feeds the reply's tokens as generated; returns the deltas' content and reasoning.
  std::pair<std::string, std::string> feed(Reply& r, const std::string& reply) {
    std::string content, reasoning, error;
    for (uint32_t id : special(reply)) {
      Reply::Delta d;
      EXPECT_TRUE(r.push(id, d, error)) << error;
      content += d.content;
      reasoning += d.reasoning;
      if (r.stopped()) break;
    }
    const Reply::Delta d = r.finish();
    return {content + d.content, reasoning + d.reasoning};
  }
};

TEST_F(OpenAi, renders_system_and_developer_messages_as_harmony_instructions) {
  ApiError e;
  auto g = chat(R"({"messages":[{"role":"system","content":"Be brief."},
      {"role":"user","content":[{"type":"text","text":"Hi "},{"type":"text","text":"there"}]},
      {"role":"assistant","content":"Hello."},{"role":"user","content":"Again"}],
      "reasoning_effort":"low","temperature":0.5,"top_k":40,"seed":7,"max_tokens":1000})",
                e);
  ASSERT_TRUE(g) << e.message;
  EXPECT_EQ(rendered(*g), "<|start|>system<|message|>" +
                              harmony_system_content(Reasoning::low, "2026-01-01") +
                              "<|end|><|start|>developer<|message|># Instructions\n\nBe brief."
                              "<|end|><|start|>user<|message|>Hi there<|end|>"
                              "<|start|>assistant<|channel|>final<|message|>Hello.<|end|>"
                              "<|start|>user<|message|>Again<|end|><|start|>assistant");
  EXPECT_EQ(g->sampler.temperature, 0.5f);
  EXPECT_EQ(g->sampler.top_k, 40u);
  EXPECT_EQ(g->sampler.state, 7u);
  EXPECT_EQ(g->max_tokens, 100u);        // the server's limit
  EXPECT_EQ(g->stop_tokens.size(), 3u);  // <|return|>, <|call|>, <|endoftext|>
}

TEST_F(OpenAi, renders_tools_calls_and_results_in_the_functions_namespace) {
  ApiError e;
  auto g = chat(R"({"messages":[{"role":"user","content":"Weather in Paris?"},
      {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
        "function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
      {"role":"tool","tool_call_id":"call_1","content":"{\"t\":20}"}],
      "tools":[{"type":"function","function":{"name":"get_weather","description":"Current weather",
        "parameters":{"type":"object","properties":{
          "city":{"type":"string","description":"A city"},
          "unit":{"type":"string","enum":["c","f"],"default":"c"},
          "days":{"type":"array","items":{"type":"integer"}}},"required":["city"]}}},
        {"type":"function","function":{"name":"now"}}]})",
                e);
  ASSERT_TRUE(g) << e.message;
  EXPECT_TRUE(g->tools);
  const std::string p = rendered(*g);
  EXPECT_NE(p.find("Calls to these tools must go to the commentary channel: 'functions'."
                   "<|end|><|start|>developer<|message|># Tools\n\n## functions\n\n"
                   "namespace functions {\n\n// Current weather\ntype get_weather = (_: {\n"
                   "// A city\ncity: string,\nunit?: \"c\" | \"f\", // default: \"c\"\n"
                   "days?: number[],\n}) => any;\n\ntype now = () => any;\n\n"
                   "} // namespace functions<|end|>"),
            std::string::npos)
      << p;
  EXPECT_NE(p.find("<|start|>assistant<|channel|>commentary to=functions.get_weather "
                   "<|constrain|>json<|message|>{\"city\":\"Paris\"}<|call|>"
                   "<|start|>functions.get_weather to=assistant<|channel|>commentary"
                   "<|message|>{\"t\":20}<|end|><|start|>assistant"),
            std::string::npos)
      << p;
}

TEST_F(OpenAi, refusals_name_the_field) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"messages":[{"role":"user","content":"x"}],"temperature":3})", "temperature"},
      {R"({"messages":[{"role":"user","content":"x"}],"max_tokens":0})", "max_tokens"},
      {R"({"messages":[{"role":"user","content":"x"}],"n":2})", "n"},
      {R"({"messages":[{"role":"user","content":"x"}],"stop":[1]})", "stop"},
      {R"({"messages":[{"role":"user","content":"x"}],"reasoning_effort":"max"})",
       "reasoning_effort"},
      {R"({"messages":[]})", "messages"},
      {R"({"messages":[{"role":"wizard","content":"x"}]})", "messages[0].role"},
      {R"({"messages":[{"role":"user","content":[{"type":"image_url"}]}]})", "messages[0].content"},
      {R"({"messages":[{"role":"tool","tool_call_id":"nope","content":"x"}]})", "messages[0]"},
      {R"({"messages":[{"role":"user","content":"x"}],"tools":[{"type":"web"}]})", "tools[0]"},
      {R"({"messages":[{"role":"user","content":"x"}],"tools":[{"type":"function",
         "function":{"name":"f"}}],"tool_choice":"required"})",
       "tool_choice"},
  };
  for (auto [body, param] : cases) {
    ApiError e;
    EXPECT_FALSE(chat(body, e)) << body;
    EXPECT_EQ(e.status, 400) << body;
    EXPECT_EQ(e.param, param) << body << ": " << e.message;
    const Json j = error_json(e);
    EXPECT_EQ(j["error"]["type"], "invalid_request_error");
    EXPECT_EQ(j["error"]["message"], e.message);
  }
}

TEST_F(OpenAi, a_prompt_longer_than_the_context_is_refused) {
  ApiError e;
  ApiLimits small = limits();
  small.context = 50;
  EXPECT_FALSE(read_chat_request(Json::parse(R"({"messages":[{"role":"user","content":"x"}]})"),
                                 text(), tokens_, small, e));
  EXPECT_NE(e.message.find("context is 50"), std::string::npos) << e.message;
  // Completions: token ids must lie in the vocabulary.
  EXPECT_FALSE(read_completion_request(Json::parse(R"({"prompt":[1,2,99999999]})"), text(), tokens_,
                                       limits(), 1000, e));
  EXPECT_EQ(e.param, "prompt");
  auto g = read_completion_request(Json::parse(R"({"prompt":"a<|start|>b"})"), text(), tokens_,
                                   limits(), 1000, e);
  ASSERT_TRUE(g) << e.message;
  EXPECT_EQ(g->prompt, special("a<|start|>b"));  // a raw prompt may hold special tokens
}

TEST_F(OpenAi, a_reply_splits_into_reasoning_content_and_usage) {
  ApiError e;
  auto g = chat(R"({"messages":[{"role":"user","content":"x"}]})", e);
  ASSERT_TRUE(g);
  Reply r(text(), tokens_, *g);
  auto [content, reasoning] = feed(r,
                                   "<|channel|>analysis<|message|>Think.<|end|><|start|>assistant"
                                   "<|channel|>final<|message|>Hello 😀<|return|>");
  EXPECT_EQ(content, "Hello 😀");
  EXPECT_EQ(reasoning, "Think.");
  EXPECT_EQ(finish_reason(r, false), "stop");
  const Json j = response_json({"chatcmpl-1", "m", 1, true}, r, "stop", usage_json(10, 4, 7));
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_EQ(j["choices"][0]["message"]["content"], "Hello 😀");
  EXPECT_EQ(j["choices"][0]["message"]["reasoning_content"], "Think.");
  EXPECT_EQ(j["usage"]["total_tokens"], 17);
  EXPECT_EQ(j["usage"]["prompt_tokens_details"]["cached_tokens"], 4);
}

TEST_F(OpenAi, a_tool_call_becomes_tool_calls) {
  ApiError e;
  auto g = chat(R"({"messages":[{"role":"user","content":"x"}],
      "tools":[{"type":"function","function":{"name":"get_weather"}}]})",
                e);
  ASSERT_TRUE(g);
  Reply r(text(), tokens_, *g);
  auto [content, reasoning] =
      feed(r,
           "<|channel|>analysis<|message|>Need weather.<|end|><|start|>assistant<|channel|>"
           "commentary to=functions.get_weather <|constrain|>json<|message|>{\"city\":\"Paris\"}"
           "<|call|>");
  EXPECT_EQ(content, "");  // the call's arguments are not content
  ASSERT_EQ(r.calls().size(), 1u);
  EXPECT_EQ(r.calls()[0].name, "get_weather");
  EXPECT_EQ(r.calls()[0].arguments, "{\"city\":\"Paris\"}");
  EXPECT_EQ(r.calls()[0].id.rfind("call_", 0), 0u);
  EXPECT_EQ(finish_reason(r, false), "tool_calls");
  const Json j = response_json({"chatcmpl-1", "m", 1, true}, r, "tool_calls", usage_json(1, 0, 1));
  EXPECT_TRUE(j["choices"][0]["message"]["content"].is_null());
  EXPECT_EQ(j["choices"][0]["message"]["tool_calls"][0]["function"]["name"], "get_weather");
  Reply::Delta d;
  d.calls = {0};
  EXPECT_EQ(delta_json({"chatcmpl-1", "m", 1, true}, r, d,
                       false)["choices"][0]["delta"]["tool_calls"][0]["index"],
            0);
}

TEST_F(OpenAi, a_stop_string_ends_the_reply_even_across_tokens) {
  ApiError e;
  auto g = chat(R"({"messages":[{"role":"user","content":"x"}],"stop":["lo wor","zzz"]})", e);
  ASSERT_TRUE(g);
  Reply r(text(), tokens_, *g);
  auto [content, reasoning] = feed(r, "<|channel|>final<|message|>Hello world and more<|return|>");
  EXPECT_TRUE(r.stopped());
  EXPECT_EQ(content, "Hel");
  EXPECT_EQ(r.content(), "Hel");
  EXPECT_EQ(finish_reason(r, true), "stop");  // the stop string, not the length, ended it
  // Held-back bytes that turn out not to start a stop string come out at the end.
  auto g2 = chat(R"({"messages":[{"role":"user","content":"x"}],"stop":"d!"})", e);
  Reply r2(text(), tokens_, *g2);
  EXPECT_EQ(feed(r2, "<|channel|>final<|message|>odd<|return|>").first, "odd");
  EXPECT_EQ(finish_reason(r2, true), "length");
}

TEST_F(OpenAi, a_completion_is_raw_text) {
  ApiError e;
  auto g = read_completion_request(Json::parse(R"({"prompt":"Hi","max_tokens":3})"), text(),
                                   tokens_, limits(), 1000, e);
  ASSERT_TRUE(g);
  Reply r(text(), tokens_, *g);
  EXPECT_EQ(feed(r, "<|channel|>x y<|return|>").first, "<|channel|>x y");
  const Json j = response_json({"cmpl-1", "m", 1, false}, r, "stop", usage_json(1, 0, 4));
  EXPECT_EQ(j["object"], "text_completion");
  EXPECT_EQ(j["choices"][0]["text"], "<|channel|>x y");
}

}  // namespace
}  // namespace ossvk_cli
