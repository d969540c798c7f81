#include "ossvk/serve.h"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "ossvk/args.h"
#include "ossvk/client_connection.h"
#include "ossvk/harmony.h"
#include "ossvk/json_output.h"
#include "ossvk/model_open.h"
#include "ossvk/openai.h"
#include "ossvk/plan.h"
#include "ossvk/serve_engine.h"
#include "ossvk/text.h"

namespace ossvk_cli {
namespace {

using namespace std::chrono_literals;

volatile std::sig_atomic_t g_signals = 0;
void on_signal(int) {
  g_signals = g_signals + 1;
}

std::string dump(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}
std::string event(const Json& j) {
  return "data: " + dump(j) + "\n\n";
}

void send(httplib::Response& res, int status, const Json& j) {
  res.status = status;
  res.set_content(dump(j), "application/json");
}
void send_error(httplib::Response& res, const ApiError& e) {
  send(res, e.status, error_json(e));
}

// What the request handlers share.
struct Context {
  const ModelText& text;
  const HarmonyTokens& tokens;
  ApiLimits limits;
  uint32_t vocab;
  Engine& engine;
  std::string model;
  std::chrono::seconds timeout;
  int64_t started;
};

// One request's generation as its handler reads it.
struct Generating {
  Generating(const Context& c, Generation gen)
      : g(std::move(gen)), reply(c.text, c.tokens, g), job(std::make_shared<Job>()) {
    job->prompt = g.prompt;
    job->stop_tokens = g.stop_tokens;
    job->sampler = g.sampler;
    job->max_tokens = g.max_tokens;
    job->deadline = std::chrono::steady_clock::now() + c.timeout;
    head = {random_id(g.chat ? "chatcmpl-" : "cmpl-"), c.model,
            static_cast<int64_t>(std::time(nullptr)), g.chat};
  }

  // Waits up to `wait` for tokens, feeds them to the reply and returns what they add; `over`
  // once the job ended or a stop string ended the reply.
  bool step(std::chrono::milliseconds wait, std::vector<Reply::Delta>& deltas, bool& over,
            std::string& why) {
    std::vector<uint32_t> fresh;
    {
      std::unique_lock lock(job->mutex);
      job->changed.wait_for(
          lock, wait, [&] { return job->tokens.size() > read || job->end != Job::End::none; });
      fresh.assign(job->tokens.begin() + read, job->tokens.end());
      read = job->tokens.size();
      end = job->end;  // every token is read with it
      error = job->error;
      cached = job->cached;
    }
    for (uint32_t t : fresh) {
      if (reply.stopped()) break;
      ++used;
      Reply::Delta d;
      if (!reply.push(t, d, why)) {
        job->cancelled = true;
        return false;
      }
      if (!d.empty()) deltas.push_back(std::move(d));
    }
    if (reply.stopped()) job->cancelled = true;
    over = reply.stopped() || end != Job::End::none;
    return true;
  }

  // The error that ended the job, if one did.
  std::optional<ApiError> failure() const {
    if (reply.stopped()) return std::nullopt;
    switch (end) {
      case Job::End::error:
        return ApiError{500, "generation failed: " + error, "", "server_error"};
      case Job::End::timeout:
        return ApiError{504, "the request ran past the server's --timeout", "", "timeout"};
      case Job::End::cancelled:
        return ApiError{503, "the server is shutting down", "", "server_error"};
      default:
        return std::nullopt;
    }
  }
  Json usage() const { return usage_json(static_cast<uint32_t>(g.prompt.size()), cached, used); }
  std::string finish() const { return finish_reason(reply, end == Job::End::length); }

  Generation g;
  Reply reply;
  std::shared_ptr<Job> job;
  ResponseHead head;
  size_t read = 0;
  uint32_t used = 0, cached = 0;
  Job::End end = Job::End::none;
  std::string error;
  bool first = true;
};

void generate(const Context& c, const httplib::Request& http, httplib::Response& res, bool chat) {
  const Json body = Json::parse(http.body, nullptr, false);
  if (body.is_discarded()) return send_error(res, {400, "the request body is not valid JSON"});
  ApiError err;
  std::optional<Generation> g;
  try {
    g = chat ? read_chat_request(body, c.text, c.tokens, c.limits, err)
             : read_completion_request(body, c.text, c.tokens, c.limits, c.vocab, err);
  } catch (const Json::exception& e) {
    return send_error(res, {400, std::string("malformed request: ") + e.what()});
  }
  if (!g) return send_error(res, err);
  auto r = std::make_shared<Generating>(c, std::move(*g));
  switch (c.engine.submit(r->job)) {
    case Engine::Admit::queue_full:
      return send_error(res, {429,
                              "every slot is busy and the queue is full (ossvk serve "
                              "--parallel, --queue); try again later",
                              "", "rate_limit_error"});
    case Engine::Admit::draining:
      return send_error(res, {503, "the server is shutting down", "", "server_error"});
    case Engine::Admit::ok:
      break;
  }

  if (!r->g.stream) {
    // A client that hangs up frees its slot at once: nobody would read the reply.
    const ClientConnection client(http);
    std::vector<Reply::Delta> deltas;
    std::string why;
    for (bool over = false; !over;) {
      if (!r->step(1000ms, deltas, over, why))
        return send_error(res, {500, why, "", "server_error"});
      if (!over && client.closed()) {
        r->job->cancelled = true;
        return;
      }
    }
    if (auto f = r->failure()) return send_error(res, *f);
    r->reply.finish();
    return send(res, 200, response_json(r->head, r->reply, r->finish(), r->usage()));
  }

  // Server-sent events, one per delta; a failed write is a client gone: its slot is freed.
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider(
      "text/event-stream",
      [r](size_t, httplib::DataSink& sink) {
        auto write = [&](const std::string& s) {
          if (sink.write(s.data(), s.size())) return true;
          r->job->cancelled = true;
          return false;
        };
        if (r->first && !write(event(delta_json(r->head, r->reply, {}, true)))) return false;
        r->first = false;
        std::vector<Reply::Delta> deltas;
        std::string why;
        bool over = false;
        const size_t before = r->read;
        const bool ok = r->step(1000ms, deltas, over, why);
        for (const Reply::Delta& d : deltas)
          if (!write(event(delta_json(r->head, r->reply, d, false)))) return false;
        // A second without a token (a long prompt, a queue) writes a comment: a client gone
        // is found by the write that fails.
        if (ok && !over) return r->read == before ? write(": keep-alive\n\n") : true;
        if (auto f = ok ? r->failure() : ApiError{500, why, "", "server_error"}) {
          if (!write(event(error_json(*f)))) return false;
        } else {
          const Reply::Delta d = r->reply.finish();
          if (!d.empty() && !write(event(delta_json(r->head, r->reply, d, false)))) return false;
          if (!write(event(final_chunk_json(r->head, r->finish(), r->usage())))) return false;
        }
        if (!write("data: [DONE]\n\n")) return false;
        sink.done();
        return true;
      },
      [r](bool) { r->job->cancelled = true; });  // the response is over: nothing reads on
}

std::string status_message(int status) {
  switch (status) {
    case 404:
      return "no such endpoint";
    case 405:
      return "method not allowed";
    case 413:
      return "the request body is larger than this server takes (ossvk serve --max-body)";
    default:
      return "HTTP " + std::to_string(status);
  }
}

}  // namespace

int run_serve(const ossvk_api& api, int argc, char** argv) {
  auto opts = kModelOptions;
  opts.insert({"--host", "--port", "--parallel", "--context", "--max-tokens", "--queue",
               "--timeout", "--max-body", "--date", "--reasoning", "--alias"});
  Args a(argc, argv, opts, {});
  const std::string host = a.str("--host", "127.0.0.1");
  const int port = static_cast<int>(a.uint("--port", 8080, 65535));
  Engine::Options eo{};
  eo.parallel = static_cast<uint32_t>(a.uint("--parallel", 4, 8));
  eo.context = static_cast<uint32_t>(a.uint("--context", 8192));
  eo.queue = static_cast<uint32_t>(a.uint("--queue", 16, 1024));
  const uint64_t max_tokens = a.uint("--max-tokens", 4096);
  const auto timeout = std::chrono::seconds(a.uint("--timeout", 600, 86400));
  const uint64_t max_body = a.bytes("--max-body", 16u << 20);
  const auto reasoning = parse_reasoning(a.str("--reasoning", "medium"));
  if (!a.ok()) return error("serve", a.error());
  if (eo.parallel == 0) return error("serve", "--parallel must be 1 to 8");
  if (!reasoning) return error("serve", "--reasoning must be low, medium or high");
  if (eo.context < 2 || max_tokens == 0 || timeout.count() == 0 || max_body == 0)
    return error("serve",
                 "--context must be at least 2; --max-tokens, --timeout and --max-body "
                 "at least 1");

  // The address is taken before the model loads: a port in use fails at once, not after minutes.
  httplib::Server svr;
  const int bound =
      port == 0 ? svr.bind_to_any_port(host) : (svr.bind_to_port(host, port) ? port : -1);
  if (bound < 0)
    return error("serve", "cannot listen on " + host + ":" + std::to_string(port) +
                              " (in use, or not an address of this machine)");

  ModelHandle m{api};
  if (!open_model(api, a, "serve", m, Open::upload, {eo.context, eo.parallel})) return 1;
  ossvk_model_info info;
  if (api.model_get_info(m.model, &info) != OSSVK_OK) return error("serve", api.last_error());
  eo.context = std::min(eo.context, std::max(info.context_length, 2u));
  const ModelText text(api, m.model);
  std::string why;
  const auto tokens = HarmonyTokens::find(text, why);
  if (!tokens) return error("serve", why);
  const std::vector<ossvk_placement> places = placements(api, m.model);
  eo.batched = places.size() == 1 && places[0].experts_device_layers == 0;
  auto engine = Engine::create(api, m.model, eo, why);
  if (!engine) return error("serve", why);

  std::string model = a.str("--alias");
  if (model.empty() && a.has("--model"))
    model = std::filesystem::path(a.str("--model")).filename().replace_extension().string();
  if (model.empty()) model = info.name;
  const Context c{
      text,
      *tokens,
      {eo.context, static_cast<uint32_t>(std::min<uint64_t>(max_tokens, eo.context - 1)),
       a.str("--date", today()), *reasoning},
      info.vocab,
      *engine,
      model,
      timeout,
      static_cast<int64_t>(std::time(nullptr))};

  // A thread per open request: every slot's, every queued one's, and a few to refuse more.
  const size_t threads = eo.parallel + eo.queue + 4;
  svr.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  svr.set_payload_max_length(max_body);
  svr.set_read_timeout(30, 0);
  svr.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty())
      send_error(res, {res.status, status_message(res.status), "",
                       res.status >= 500 ? "server_error" : "invalid_request_error"});
  });
  svr.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        send_error(res, {500, "internal error", "", "server_error"});
      });
  svr.Get("/health", [&](const httplib::Request&, httplib::Response& res) {
    const Engine::Load load = engine->load();
    const bool stopping = g_signals > 0;
    send(res, stopping ? 503 : 200,
         {{"status", stopping ? "shutting down" : "ok"},
          {"slots", eo.parallel},
          {"running", load.running},
          {"queued", load.queued}});
  });
  svr.Get("/v1/models", [&](const httplib::Request&, httplib::Response& res) {
    send(res, 200,
         {{"object", "list"},
          {"data", Json::array({{{"id", c.model},
                                 {"object", "model"},
                                 {"created", c.started},
                                 {"owned_by", "ossvk"}}})}});
  });
  svr.Post("/v1/chat/completions", [&](const httplib::Request& req, httplib::Response& res) {
    generate(c, req, res, true);
  });
  svr.Post("/v1/completions", [&](const httplib::Request& req, httplib::Response& res) {
    generate(c, req, res, false);
  });

  struct sigaction sa = {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::fprintf(stderr,
               "ossvk serve: %s on http://%s:%d (%u slots of %u positions%s); Ctrl-C stops\n",
               model.c_str(), host.c_str(), bound, eo.parallel, eo.context,
               eo.batched ? ", decoded together" : "");

  // Ctrl-C: no new requests, the running ones finish; a second Ctrl-C cancels them.
  std::atomic<bool> listening{true};
  std::thread watcher([&] {
    while (g_signals == 0 && listening) std::this_thread::sleep_for(50ms);
    if (!listening) return;
    const Engine::Load load = engine->load();
    std::fprintf(stderr, "ossvk serve: finishing %zu requests (Ctrl-C again cancels them)\n",
                 load.running + load.queued);
    engine->refuse_new();
    while (!engine->idle()) {
      if (g_signals > 1) engine->cancel_all();
      std::this_thread::sleep_for(50ms);
    }
    svr.stop();
  });
  const bool ok = svr.listen_after_bind();
  listening = false;
  watcher.join();
  if (!ok && g_signals == 0) return error("serve", "the server stopped: cannot accept connections");
  std::fprintf(stderr, "ossvk serve: stopped\n");
  return 0;
}

}  // namespace ossvk_cli
