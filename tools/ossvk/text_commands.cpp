#include "ossvk/text_commands.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iostream>
#include <string>
#include <vector>

#include "ossvk/args.h"
#include "ossvk/harmony.h"
#include "ossvk/model_open.h"
#include "ossvk/text.h"

namespace ossvk_cli {
namespace {

// Far above any prompt; keeps a runaway pipe from exhausting memory.
constexpr size_t kMaxInputBytes = size_t{1} << 30;

volatile std::sig_atomic_t g_interrupted = 0;
void on_interrupt(int) {
  g_interrupted = 1;
}

// Ctrl-C stops the reply being written, not the program.
void catch_interrupts() {
  struct sigaction sa = {};
  sa.sa_handler = on_interrupt;
  sa.sa_flags = SA_RESTART;  // reading the next line goes on
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
}

// The text of --file PATH, or of stdin for "-" (a terminal is refused: nothing would come).
bool read_input(const std::string& path, std::string& out, std::string& error) {
  const bool stdin_ = path == "-";
  if (stdin_ && isatty(STDIN_FILENO)) {
    error = "no input: give --text, --file PATH, or text on stdin";
    return false;
  }
  FILE* f = stdin_ ? stdin : std::fopen(path.c_str(), "rb");
  const std::string name = stdin_ ? "stdin" : path;
  if (!f) {
    error = name + ": " + std::strerror(errno);
    return false;
  }
  char buffer[1 << 16];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) {
    if (out.size() + n > kMaxInputBytes) {
      error = name + ": more than " + std::to_string(kMaxInputBytes >> 20) + " MiB of text";
      break;
    }
    out.append(buffer, n);
  }
  const bool ok = error.empty() && !std::ferror(f);
  if (error.empty() && !ok) error = name + ": " + std::strerror(errno);
  if (!stdin_) std::fclose(f);
  return ok;
}

// Token ids separated by commas and/or white space, as tokenize prints them.
bool parse_ids(const std::string& list, std::vector<uint32_t>& ids, std::string& error) {
  for (size_t at = 0; at < list.size();) {
    if (list[at] == ',' || std::isspace(static_cast<unsigned char>(list[at]))) {
      ++at;
      continue;
    }
    size_t end = at;
    uint64_t v = 0;
    while (end < list.size() && std::isdigit(static_cast<unsigned char>(list[end])) &&
           v <= UINT32_MAX)
      v = v * 10 + (list[end++] - '0');
    if (end == at || v > UINT32_MAX ||
        (end < list.size() && list[end] != ',' &&
         !std::isspace(static_cast<unsigned char>(list[end])))) {
      size_t word = at;
      while (word < list.size() && word < at + 20 && list[word] != ',' &&
             !std::isspace(static_cast<unsigned char>(list[word])))
        ++word;
      error.assign(1, '\'');
      error.append(list, at, word - at);
      error += "' at byte " + std::to_string(at) + " is not a token id";
      return false;
    }
    ids.push_back(static_cast<uint32_t>(v));
    at = end;
  }
  return true;
}

void print(const std::string& bytes) {
  std::fwrite(bytes.data(), 1, bytes.size(), stdout);
  std::fflush(stdout);
}

// A Harmony conversation over one session: messages kept canonical (earlier replies' analysis
// dropped, as GPT-OSS expects), and only the tokens that differ from what the session has seen
// are evaluated.
class Chat {
 public:
  Chat(const ossvk_api& api, ossvk_session* session, const ModelText& text,
       const HarmonyTokens& tokens)
      : api_(api), session_(session), text_(text), tokens_(tokens), render_(text, tokens) {}

  bool start(const std::vector<HarmonyMessage>& preamble, std::string& error) {
    history_.clear();
    for (const HarmonyMessage& m : preamble)
      if (!render_.message(m, history_, error)) return false;
    return true;
  }

  struct Options {
    uint32_t max_tokens;
    bool show_reasoning;
    bool ignore_eos;  // the reply runs past its end token to max_tokens (for timing)
    ossvk_sampler sampler;
  };

  // One user turn: the reply streams to stdout; false with `error` when the turn failed and
  // left the conversation as it was.
  bool turn(const std::string& line, Options& o, std::string& error) {
    // Bad text is reported before anything runs: invalid UTF-8, or "<|name|>" naming no token
    // (a typo of a special token). The line itself is sent as plain text, so typed special
    // tokens can never open or close a message.
    std::vector<uint32_t> probe;
    if (!text_.encode(line, OSSVK_TOKENIZE_REQUIRE_UTF8 | OSSVK_TOKENIZE_SPECIAL, probe, error))
      return false;
    std::vector<uint32_t> prompt = history_;
    if (!render_.message({"user", "", "", "", line}, prompt, error)) return false;
    const size_t with_user = prompt.size();
    if (!render_.reply_prompt(prompt, error)) return false;

    g_interrupted = 0;  // from here on Ctrl-C ends this reply (after the prompt, if it comes then)
    const auto t0 = Clock::now();
    uint32_t next = 0;  // drawn on the device from the logits of the prompt's end
    if (!evaluate(prompt, o.sampler, next, error)) return false;
    const double prefill = seconds_since(t0);

    HarmonyParser parser(tokens_);
    Utf8Stream out;
    std::string channel_shown;
    uint32_t generated = 0;
    const auto t1 = Clock::now();
    // A reply nobody can read (stdout closed or full) stops; main() reports it.
    while (generated < o.max_tokens && !g_interrupted && !std::ferror(stdout)) {
      ++generated;
      std::string bytes;
      if (!text_.decode({&next, 1}, bytes, error)) return false;
      const std::string_view shown = parser.push(next, bytes);
      const HarmonyMessage& m = parser.current();
      if (!shown.empty() && (m.channel != "analysis" || o.show_reasoning)) {
        if (m.channel != channel_shown && m.channel == "analysis") print("[analysis] ");
        if (channel_shown == "analysis" && m.channel != "analysis") print("\n[final] ");
        channel_shown = m.channel;
        print(out.push(shown));
      }
      if (parser.stop() != HarmonyParser::Stop::none && !o.ignore_eos) break;
      const uint32_t last = next;
      if (api_.session_eval_sample(session_, &last, 1, &o.sampler, &next) != OSSVK_OK)
        return fail(error);
      seen_.push_back(last);
    }
    print(out.flush() + "\n");
    const double decode = seconds_since(t1);
    if (g_interrupted) std::fprintf(stderr, "[stopped]\n");
    for (const HarmonyMessage& m : parser.all())
      if (!m.recipient.empty())
        std::fprintf(stderr, "[tool call to %s (%s): %s] ossvk chat runs no tools\n",
                     m.recipient.c_str(), m.content_type.c_str(), m.content.c_str());
    std::fprintf(stderr, "[prompt %zu tokens at %.1f t/s; reply %u tokens at %.1f t/s]\n",
                 prompt.size() - reused_, (prompt.size() - reused_) / std::max(prefill, 1e-9),
                 generated, generated / std::max(decode, 1e-9));

    // The conversation goes on from the user's message and the reply's final (or last) message;
    // a tool call is kept whole so a later turn can answer it.
    prompt.resize(with_user);
    std::vector<HarmonyMessage> reply = parser.all();
    auto keep = std::find_if(reply.rbegin(), reply.rend(), [](const HarmonyMessage& m) {
      return m.channel == "final" || !m.recipient.empty();
    });
    HarmonyMessage last = keep != reply.rend() ? *keep
                          : reply.empty()      ? HarmonyMessage{"assistant", "final", "", "", ""}
                                               : reply.back();
    if (last.channel.empty()) last.channel = "final";
    if (!render_.message(last, prompt, error)) return false;
    history_ = std::move(prompt);
    return true;
  }

 private:
  bool fail(std::string& error) {
    error = api_.last_error();
    return false;
  }

  // Evaluates `prompt`, reusing the longest prefix the session already holds, and draws `next`.
  bool evaluate(const std::vector<uint32_t>& prompt, ossvk_sampler& sampler, uint32_t& next,
                std::string& error) {
    size_t same = 0;
    while (same < seen_.size() && same < prompt.size() && seen_[same] == prompt[same]) ++same;
    if (same == prompt.size()) --same;  // the last token is evaluated again for its logits
    if (api_.session_rewind(session_, static_cast<uint32_t>(same)) != OSSVK_OK) {
      same = 0;  // the sliding-window ring lost what the kept prefix needs: start over
      if (api_.session_reset(session_) != OSSVK_OK) return fail(error);
    }
    seen_.resize(same);
    reused_ = same;
    if (api_.session_eval_sample(session_, prompt.data() + same,
                                 static_cast<uint32_t>(prompt.size() - same), &sampler,
                                 &next) != OSSVK_OK)
      return fail(error);
    seen_ = prompt;
    return true;
  }

  const ossvk_api& api_;
  ossvk_session* session_;
  const ModelText& text_;
  HarmonyTokens tokens_;
  HarmonyRenderer render_;
  std::vector<uint32_t> history_;  // the canonical conversation so far
  std::vector<uint32_t> seen_;     // what the session's cache holds
  size_t reused_ = 0;  // of the last prompt, the tokens the cache already held (fewer than all)
};

}  // namespace

int run_tokenize(const ossvk_api& api, int argc, char** argv) {
  auto opts = kModelOptions;
  opts.insert({"--text", "--file"});
  Args a(argc, argv, opts, {"--no-special"});
  if (!a.ok()) return error("tokenize", a.error());
  std::string input, why;
  if (a.has("--text") && a.has("--file"))
    return error("tokenize", "give --text or --file, not both");
  if (a.has("--text"))
    input = a.str("--text");
  else if (!read_input(a.str("--file", "-"), input, why))
    return error("tokenize", why);
  ModelHandle m{api};
  if (!open_model(api, a, "tokenize", m, Open::vocab_only)) return 1;
  const ModelText text(api, m.model);
  std::vector<uint32_t> ids;
  const uint32_t flags =
      OSSVK_TOKENIZE_REQUIRE_UTF8 | (a.has("--no-special") ? 0u : OSSVK_TOKENIZE_SPECIAL);
  if (!text.encode(input, flags, ids, why)) return error("tokenize", why);
  std::string out;
  out.reserve(ids.size() * 7 + 1);
  for (size_t i = 0; i < ids.size(); ++i) (out += i ? "," : "") += std::to_string(ids[i]);
  print(out + "\n");
  return 0;
}

int run_detokenize(const ossvk_api& api, int argc, char** argv) {
  auto opts = kModelOptions;
  opts.insert({"--tokens", "--file"});
  Args a(argc, argv, opts, {});
  if (a.has("--tokens") && a.has("--file"))
    return error("detokenize", "give --tokens or --file, not both");
  std::vector<uint32_t> ids;
  std::string why;
  if (a.has("--tokens")) {
    ids = a.ids("--tokens");
  } else {
    std::string list;
    if (!read_input(a.str("--file", "-"), list, why)) return error("detokenize", why);
    if (!parse_ids(list, ids, why))
      return error("detokenize", a.str("--file", "stdin") + ": " + why);
  }
  if (!a.ok()) return error("detokenize", a.error());
  ModelHandle m{api};
  if (!open_model(api, a, "detokenize", m, Open::vocab_only)) return 1;
  std::string bytes;
  if (!ModelText(api, m.model).decode(ids, bytes, why)) return error("detokenize", why);
  print(bytes);  // exactly the text, no newline added
  return 0;
}

int run_chat(const ossvk_api& api, int argc, char** argv) {
  auto opts = kModelOptions;
  opts.insert({"--system", "--reasoning", "--date", "-n", "--context", "--temp", "--top-k",
               "--top-p", "--min-p", "--sample-seed"});
  Args a(argc, argv, opts, {"--show-reasoning", "--ignore-eos"});
  Chat::Options o{};
  o.max_tokens = static_cast<uint32_t>(a.uint("-n", 2048, 1u << 20));
  o.show_reasoning = a.has("--show-reasoning");
  o.ignore_eos = a.has("--ignore-eos");
  o.sampler.temperature = static_cast<float>(a.real("--temp", 1.0));  // GPT-OSS's recommended
  o.sampler.top_k = static_cast<uint32_t>(a.uint("--top-k", 0));
  o.sampler.top_p = static_cast<float>(a.real("--top-p", 1.0));
  o.sampler.min_p = static_cast<float>(a.real("--min-p", 0.0));
  o.sampler.state = a.uint("--sample-seed", static_cast<uint64_t>(std::time(nullptr)), UINT64_MAX);
  const uint32_t context = static_cast<uint32_t>(a.uint("--context", 8192));
  const auto reasoning = parse_reasoning(a.str("--reasoning", "medium"));
  if (!a.ok()) return error("chat", a.error());
  if (!reasoning) return error("chat", "--reasoning must be low, medium or high");
  ModelHandle m{api};
  if (!open_model(api, a, "chat", m, Open::upload, {context})) return 1;
  ossvk_model_info info;
  if (api.model_get_info(m.model, &info) != OSSVK_OK) return error("chat", api.last_error());
  const ModelText text(api, m.model);
  std::string why;
  const auto tokens = HarmonyTokens::find(text, why);
  if (!tokens) return error("chat", why);
  SessionHandle s{api};
  if (!open_session(api, m.model, std::min(context, std::max(info.context_length, 1u)), "chat", s))
    return 1;

  std::vector<HarmonyMessage> preamble = {
      {"system", "", "", "", harmony_system_content(*reasoning, a.str("--date", today()))}};
  if (a.has("--system"))
    preamble.push_back({"developer", "", "", "", harmony_developer_content(a.str("--system"))});
  Chat chat(api, s.session, text, *tokens);
  if (!chat.start(preamble, why)) return error("chat", why);
  catch_interrupts();
  const bool tty = isatty(STDIN_FILENO);
  std::fprintf(stderr,
               "ossvk chat: %s on %s. Ctrl-C stops a reply; /reset starts over; /exit or Ctrl-D "
               "quits.\n",
               info.name, info.device_name);
  for (std::string line;;) {
    if (tty) print("> ");
    if (!std::getline(std::cin, line)) break;
    if (line == "/exit" || line == "/quit") break;
    if (line == "/reset") {
      if (!chat.start(preamble, why)) return error("chat", why);
      continue;
    }
    if (line.empty()) continue;
    if (std::ferror(stdout)) break;
    if (!chat.turn(line, o, why))  // the chat goes on
      std::fprintf(
          stderr, "ossvk chat: %s%s\n", why.c_str(),
          why.find("context overflow") != std::string::npos ? " (/reset starts over)" : "");
  }
  if (tty) print("\n");
  return 0;
}

}  // namespace ossvk_cli
