#include "ossvk/model_commands.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "backend/loader/output_file.h"
#include "ossvk/args.h"
#include "ossvk/json_output.h"
#include "ossvk/model_open.h"
#include "ossvk/plan.h"
#include "ossvk/text.h"

namespace ossvk_cli {
namespace {

std::string human_bytes(uint64_t b) {
  char buf[32];
  if (b >= (1ull << 30))
    std::snprintf(buf, sizeof buf, "%.2f GiB", b / double(1ull << 30));
  else
    std::snprintf(buf, sizeof buf, "%.2f MiB", b / double(1ull << 20));
  return buf;
}

}  // namespace

int run_info(const ossvk_api& api, int argc, char** argv) {
  auto opts = kModelOptions;
  Args a(argc, argv, opts, {"--json", "--upload"});
  if (!a.ok()) return error("info", a.error());
  // The file alone unless --upload: a model larger than the device can still be listed.
  const bool upload = a.has("--upload");
  ModelHandle m{api};
  if (!open_model(api, a, "info", m, upload ? Open::upload : Open::vocab_only)) return 1;
  ossvk_model_info i;
  if (api.model_get_info(m.model, &i) != OSSVK_OK) return error("info", api.last_error());
  std::vector<ossvk_tensor_info> tensors(i.tensor_count);
  uint64_t file_bytes = 0;
  for (uint32_t t = 0; t < i.tensor_count; ++t) {
    if (api.model_get_tensor(m.model, t, &tensors[t]) != OSSVK_OK)
      return error("info", api.last_error());
    file_bytes += tensors[t].bytes;
  }
  if (a.has("--json")) {
    Json j = {{"name", i.name},
              {"device", upload ? Json(i.device_name) : Json(nullptr)},
              {"layers", i.layers},
              {"hidden", i.hidden},
              {"vocab", i.vocab},
              {"heads", i.heads},
              {"kv_heads", i.kv_heads},
              {"head_dim", i.head_dim},
              {"experts", i.experts},
              {"experts_per_token", i.experts_per_token},
              {"expert_ff", i.expert_ff},
              {"sliding_window", i.sliding_window},
              {"context_length", i.context_length},
              {"rope_theta", i.rope_theta},
              {"rope_factor", i.rope_factor},
              {"file_bytes", file_bytes},
              {"weight_bytes", upload ? Json(i.weight_bytes) : Json(nullptr)},
              {"decode_bytes", upload ? Json(i.decode_bytes) : Json(nullptr)},
              {"tensors", Json::array()}};
    for (const ossvk_tensor_info& ti : tensors)
      j["tensors"].push_back({{"name", ti.name},
                              {"type", ti.type},
                              {"shape", std::vector<uint64_t>(ti.dims, ti.dims + ti.n_dims)},
                              {"bytes", ti.bytes}});
    print_json(j);
    return 0;
  }
  std::printf("%s%s%s\n", i.name, upload ? " on " : "", upload ? i.device_name : "");
  std::printf(
      "  layers %u, hidden %u, vocab %u, heads %u/%u x %u, experts %u (top %u) x %u, window "
      "%u, context %u, rope theta %g factor %g\n",
      i.layers, i.hidden, i.vocab, i.heads, i.kv_heads, i.head_dim, i.experts, i.experts_per_token,
      i.expert_ff, i.sliding_window, i.context_length, i.rope_theta, i.rope_factor);
  if (upload)
    std::printf("  weights on the device %s; one decode step reads %s\n",
                human_bytes(i.weight_bytes).c_str(), human_bytes(i.decode_bytes).c_str());
  else
    std::printf("  %u tensors, %s in the file (--upload: bytes on the device and per step)\n",
                i.tensor_count, human_bytes(file_bytes).c_str());
  std::printf("  %-40s %-8s %-24s %12s\n", "tensor", "type", "shape", "bytes");
  for (const ossvk_tensor_info& ti : tensors) {
    std::string shape;
    for (uint32_t d = 0; d < ti.n_dims; ++d) shape += (d ? " x " : "") + std::to_string(ti.dims[d]);
    std::printf("  %-40s %-8s %-24s %12llu\n", ti.name, ti.type, shape.c_str(),
                (unsigned long long)ti.bytes);
  }
  return 0;
}

int run_logits(const ossvk_api& api, int argc, char** argv) {
  auto opts = kModelOptions;
  opts.insert({"--tokens", "--out"});
  Args a(argc, argv, opts, {});
  std::vector<uint32_t> tokens = a.ids("--tokens");
  if (!a.ok()) return error("logits", a.error());
  const std::string out = a.str("--out");
  if (out.empty()) return error("logits", "--out FILE is required");
  const std::vector<std::string> inputs = ossvk::model_input_files(a.str("--model"));
  if (std::string refused = ossvk::check_output_file(out, inputs); !refused.empty())
    return error("logits", "--out " + refused);
  ModelHandle m{api};
  if (!open_model(api, a, "logits", m)) return 1;
  ossvk_model_info info;
  if (api.model_get_info(m.model, &info) != OSSVK_OK) return error("logits", api.last_error());
  SessionHandle s{api};
  const uint32_t context = std::max<uint32_t>(static_cast<uint32_t>(tokens.size()), 16);
  if (!open_session(api, m.model, context, "logits", s)) return 1;
  std::vector<float> logits(tokens.size() * uint64_t{info.vocab});
  if (api.session_eval(s.session, tokens.data(), static_cast<uint32_t>(tokens.size()),
                       logits.data(), OSSVK_EVAL_ALL_LOGITS) != OSSVK_OK)
    return error("logits", api.last_error());
  // Written whole or not at all, never over the model or a non-regular file.
  const std::string failed = ossvk::write_output_file(
      out,
      [&](FILE* f) { return std::fwrite(logits.data(), 4, logits.size(), f) == logits.size(); },
      inputs);
  if (!failed.empty()) return error("logits", "--out " + failed);
  std::fprintf(stderr, "wrote %zu x %u logits to %s\n", tokens.size(), info.vocab, out.c_str());
  return 0;
}

int run_generate(const ossvk_api& api, int argc, char** argv) {
  auto opts = kModelOptions;
  opts.insert({"--tokens", "--prompt", "-n", "--temp", "--top-k", "--top-p", "--min-p",
               "--sample-seed", "--context"});
  Args a(argc, argv, opts, {"--ignore-eos"});
  std::vector<uint32_t> tokens;
  if (a.has("--tokens")) tokens = a.ids("--tokens");
  const uint32_t n = static_cast<uint32_t>(a.uint("-n", 32, 1u << 20));
  ossvk_sampler sampler{};
  sampler.temperature = static_cast<float>(a.real("--temp", 0.0));
  sampler.top_k = static_cast<uint32_t>(a.uint("--top-k", 0));
  sampler.top_p = static_cast<float>(a.real("--top-p", 1.0));
  sampler.min_p = static_cast<float>(a.real("--min-p", 0.0));
  sampler.state = a.uint("--sample-seed", 0, UINT64_MAX);
  const uint32_t context_arg = static_cast<uint32_t>(a.uint("--context", 0));
  if (!a.ok()) return error("generate", a.error());
  const bool text_mode = a.has("--prompt");
  if (text_mode == a.has("--tokens"))
    return error("generate", "give exactly one of --prompt TEXT or --tokens LIST");
  ModelHandle m{api};
  if (!open_model(api, a, "generate", m, Open::upload, {context_arg})) return 1;
  ossvk_model_info info;
  api.model_get_info(m.model, &info);
  const ModelText text(api, m.model);
  std::string why;
  // Special-token text is allowed in a raw prompt, so a Harmony conversation can be typed out.
  if (text_mode && !text.encode(a.str("--prompt"),
                                OSSVK_TOKENIZE_SPECIAL | OSSVK_TOKENIZE_REQUIRE_UTF8, tokens, why))
    return error("generate", why);
  if (tokens.empty()) return error("generate", "the prompt is empty");
  const uint32_t stop = text_mode && !a.has("--ignore-eos") ? info.eos_token : OSSVK_NO_TOKEN;
  SessionHandle s{api};
  const uint32_t context = context_arg ? context_arg : static_cast<uint32_t>(tokens.size()) + n;
  if (!open_session(api, m.model, context, "generate", s)) return 1;
  // Each step draws the next token on the device (ossvk_session_eval_sample).
  uint32_t next = 0;
  auto t0 = Clock::now();
  if (api.session_eval_sample(s.session, tokens.data(), static_cast<uint32_t>(tokens.size()),
                              &sampler, &next) != OSSVK_OK)
    return error("generate", api.last_error());
  const double prefill = seconds_since(t0);
  t0 = Clock::now();
  Utf8Stream out;
  uint32_t made = 0;
  for (; made < n; ++made) {
    if (next == stop) break;
    if (text_mode) {
      std::string bytes;
      if (!text.decode({&next, 1}, bytes, why)) return error("generate", why);
      const std::string shown = out.push(bytes);
      std::fwrite(shown.data(), 1, shown.size(), stdout);
    } else {
      std::printf("%s%u", made ? "," : "", next);
    }
    if (std::fflush(stdout) != 0) return error("generate", "cannot write to standard output");
    const uint32_t last = next;
    if (made + 1 < n && api.session_eval_sample(s.session, &last, 1, &sampler, &next) != OSSVK_OK)
      return error("generate", api.last_error());
  }
  const double decode = seconds_since(t0);
  const std::string rest = out.flush() + "\n";
  std::fwrite(rest.data(), 1, rest.size(), stdout);
  std::fflush(stdout);
  std::fprintf(stderr, "prompt %zu tokens: %.1f tokens/s; generated %u tokens: %.1f tokens/s\n",
               tokens.size(), tokens.size() / prefill, made, made > 1 ? (made - 1) / decode : 0.0);
  return 0;
}

int run_make_model(const ossvk_api& api, int argc, char** argv) {
  Args a(argc, argv, {"--preset", "--layers", "--expert-type", "--dense-type", "--seed", "--out"},
         {});
  const std::string out = a.str("--out");
  Synthetic s(a);
  if (!a.ok()) return error("make-model", a.error());
  if (out.empty()) return error("make-model", "--out FILE.gguf is required");
  if (std::string refused = ossvk::check_output_file(out); !refused.empty())
    return error("make-model", "--out " + refused);
  if (api.write_synthetic_model(&s.options, out.c_str()) != OSSVK_OK)
    return error("make-model", api.last_error());
  std::fprintf(stderr, "wrote %s\n", out.c_str());
  return 0;
}

int run_bench_model(const ossvk_api& api, int argc, char** argv) {
  auto opts = kModelOptions;
  opts.insert({"-p", "-n", "--runs", "--parallel"});
  Args a(argc, argv, opts, {"--json"});
  const uint32_t p = static_cast<uint32_t>(a.uint("-p", 512, 1u << 16));
  const uint32_t n = static_cast<uint32_t>(a.uint("-n", 128, 1u << 16));
  const uint32_t runs = static_cast<uint32_t>(a.uint("--runs", 3, 100));
  if (!a.ok()) return error("bench", a.error());
  if (!runs) return error("bench", "--runs must be at least 1");
  // --parallel 1,2,4,8: aggregate decode of that many sessions stepped together.
  std::vector<uint32_t> parallel;
  for (size_t from = 0, comma = 0; a.has("--parallel") && comma != std::string::npos;
       from = comma + 1) {
    const std::string& list = a.str("--parallel");
    comma = list.find(',', from);
    const std::string item = list.substr(from, comma - from);
    char* end = nullptr;
    const unsigned long v = std::strtoul(item.c_str(), &end, 10);
    if (item.empty() || *end || v < 1 || v > 8)
      return error("bench", "--parallel '" + list +
                                "': expected counts of 1 to 8 sessions, "
                                "comma-separated");
    parallel.push_back(static_cast<uint32_t>(v));
  }
  ModelHandle m{api};
  const uint32_t sessions =
      parallel.empty() ? 1 : *std::max_element(parallel.begin(), parallel.end());
  if (!open_model(api, a, "bench", m, Open::upload, {0, sessions})) return 1;
  ossvk_model_info info;
  api.model_get_info(m.model, &info);
  // Bytes in system memory and blocks whose experts are there or on a device of their own,
  // over every device.
  uint64_t system_bytes = 0;
  uint32_t host_expert_layers = 0, experts_device_layers = 0;
  std::string experts_device;
  for (const ossvk_placement& part : placements(api, m.model)) {
    system_bytes += part.host_bytes;
    host_expert_layers += part.host_expert_layers;
    experts_device_layers += part.experts_device_layers;
    if (part.experts_device_layers) experts_device = part.experts_device_name;
  }
  SessionHandle s{api};
  if (!open_session(api, m.model, std::max(p, n) + 1, "bench", s)) return 1;
  std::vector<float> logits(info.vocab);
  std::vector<uint32_t> prompt(std::max(p, 1u));
  for (uint32_t i = 0; i < prompt.size(); ++i) prompt[i] = (i * 7919u + 13) % info.vocab;

  // One warm-up step, then the median of `runs` timings of each test, llama-bench style.
  auto eval = [&](const uint32_t* t, uint32_t count) {
    return api.session_eval(s.session, t, count, logits.data(), 0) == OSSVK_OK;
  };
  if (!eval(prompt.data(), 1)) return error("bench", api.last_error());
  std::vector<double> pp, tg;
  for (uint32_t r = 0; r < runs; ++r) {
    if (p) {
      api.session_reset(s.session);
      auto t0 = Clock::now();
      if (!eval(prompt.data(), p)) return error("bench", api.last_error());
      pp.push_back(p / seconds_since(t0));
    }
    if (n) {
      api.session_reset(s.session);
      uint32_t token = prompt[0];
      auto t0 = Clock::now();
      for (uint32_t i = 0; i < n; ++i) {  // greedy, chosen on the device as generate does
        ossvk_sampler greedy{};
        const uint32_t last = token;
        if (api.session_eval_sample(s.session, &last, 1, &greedy, &token) != OSSVK_OK)
          return error("bench", api.last_error());
      }
      tg.push_back(n / seconds_since(t0));
    }
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
  };
  const double pp_ts = median(pp), tg_ts = median(tg);
  const double gbs = tg_ts * info.decode_bytes / 1e9;
  // Each count: that many sessions, session i after i + 1 prompt tokens, stepped together n
  // times (greedy); tokens of all of them per second.
  std::vector<std::pair<uint32_t, double>> aggregate;
  for (uint32_t count : parallel) {
    std::vector<std::unique_ptr<SessionHandle>> handles;
    std::vector<ossvk_session*> sessions;
    for (uint32_t i = 0; i < count; ++i) {
      handles.push_back(std::make_unique<SessionHandle>(api));
      if (!open_session(api, m.model, n + count + 2, "bench", *handles.back())) return 1;
      sessions.push_back(handles.back()->session);
    }
    std::vector<double> rates;
    for (uint32_t r = 0; r <= runs; ++r) {  // the first a warm-up
      std::vector<uint32_t> tokens(count);
      for (uint32_t i = 0; i < count; ++i) {
        api.session_reset(sessions[i]);
        if (api.session_eval(sessions[i], prompt.data(), std::min<uint32_t>(i + 1, prompt.size()),
                             nullptr, 0) != OSSVK_OK)
          return error("bench", api.last_error());
        tokens[i] = prompt[0];
      }
      std::vector<ossvk_sampler> greedy(count);
      auto t0 = Clock::now();
      for (uint32_t k = 0; k < n; ++k) {
        const std::vector<uint32_t> last = tokens;
        if (api.batch_eval_sample(sessions.data(), last.data(), count, greedy.data(),
                                  tokens.data()) != OSSVK_OK)
          return error("bench", api.last_error());
      }
      if (r) rates.push_back(static_cast<double>(count) * n / seconds_since(t0));
    }
    aggregate.emplace_back(count, median(rates));
  }
  if (a.has("--json")) {
    print_json({{"model", info.name},
                {"device", info.device_name},
                {"layers", info.layers},
                {"experts", info.experts},
                {"experts_per_token", info.experts_per_token},
                {"weight_bytes", info.weight_bytes},
                {"decode_bytes", info.decode_bytes},
                {"system_memory_bytes", system_bytes},
                {"host_expert_layers", host_expert_layers},
                {"experts_device", experts_device},
                {"experts_device_layers", experts_device_layers},
                {"pp", p},
                {"pp_tokens_per_s", pp_ts},
                {"tg", n},
                {"tg_tokens_per_s", tg_ts},
                {"tg_gb_per_s", gbs},
                {"parallel", [&] {
                   Json j = Json::array();
                   for (const auto& [count, rate] : aggregate)
                     j.push_back({{"sessions", count}, {"tg_tokens_per_s", rate}});
                   return j;
                 }()}});
    return 0;
  }
  std::printf("model: %s (%u layers, %u experts, top %u), %s of weights\n", info.name, info.layers,
              info.experts, info.experts_per_token, human_bytes(info.weight_bytes).c_str());
  std::printf("device: %s\n\n", info.device_name);
  std::printf("| test   |        t/s | weight GB/s |\n|--------|-----------:|------------:|\n");
  if (p) std::printf("| pp%-4u | %10.2f |           - |\n", p, pp_ts);
  if (n) std::printf("| tg%-4u | %10.2f | %11.1f |\n", n, tg_ts, gbs);
  std::printf(
      "\ntg GB/s: bytes of weights one decode step reads (%s: dense, unembedding, the selected "
      "experts) x tokens/s.\n",
      human_bytes(info.decode_bytes).c_str());
  if (!aggregate.empty())
    std::printf(
        "\n| sessions | tg t/s, all | per session |\n|---------:|------------:|"
        "------------:|\n");
  for (const auto& [count, rate] : aggregate)
    std::printf("| %8u | %11.2f | %11.2f |\n", count, rate, rate / count);
  return 0;
}

int run_selftest(const ossvk_api& api, int argc, char** argv) {
  Args a(argc, argv, {"--device", "--seed"}, {});
  const uint64_t seed = a.uint("--seed", 1, UINT64_MAX);
  if (!a.ok()) return error("selftest", a.error());
  const std::string device = a.str("--device");
  ossvk_synthetic_options s{};
  s.preset = "tiny";
  s.seed = seed;
  ossvk_model_options o{};
  o.device = device.empty() ? nullptr : device.c_str();
  ModelHandle m{api};
  if (api.model_create_synthetic(&s, &o, &m.model) != OSSVK_OK)
    return error("selftest", api.last_error());
  ossvk_model_info info;
  api.model_get_info(m.model, &info);
  std::printf(
      "selftest: a tiny GPT-OSS (%u layers, hidden %u, %u/%u heads x %u, %u experts top "
      "%u, vocab %u) on %s\n",
      info.layers, info.hidden, info.heads, info.kv_heads, info.head_dim, info.experts,
      info.experts_per_token, info.vocab, info.device_name);
  std::vector<uint32_t> tokens(24);
  for (uint32_t i = 0; i < tokens.size(); ++i) tokens[i] = (i * 37u + 11) % info.vocab;
  const uint32_t T = static_cast<uint32_t>(tokens.size());
  std::vector<float> gpu(T * uint64_t{info.vocab}), ref(gpu.size());
  SessionHandle sess{api};
  if (!open_session(api, m.model, 256, "selftest", sess)) return 1;
  if (api.session_eval(sess.session, tokens.data(), T, gpu.data(), OSSVK_EVAL_ALL_LOGITS) !=
          OSSVK_OK ||
      api.model_reference_logits(m.model, tokens.data(), T, 0, ref.data()) != OSSVK_OK)
    return error("selftest", api.last_error());
  double worst = 0, largest = 0;
  uint32_t top1 = 0;
  for (size_t i = 0; i < gpu.size(); ++i) {
    worst = std::max(worst, double(std::fabs(gpu[i] - ref[i])));
    largest = std::max(largest, double(std::fabs(ref[i])));
  }
  for (uint32_t t = 0; t < T; ++t) {
    const float* g = &gpu[t * uint64_t{info.vocab}];
    const float* r = &ref[t * uint64_t{info.vocab}];
    top1 += std::max_element(g, g + info.vocab) - g == std::max_element(r, r + info.vocab) - r;
  }
  // The bar the public cases set: within 1e-3 of the largest |logit|.
  const bool pass = worst <= 1e-3 * largest;
  std::printf(
      "  %u positions: max |gpu - reference| = %.3g (%.2g of the largest |logit| %.3g), "
      "top-1 agrees at %u/%u -> %s\n",
      T, worst, worst / largest, largest, top1, T, pass ? "PASS" : "FAIL");

  api.session_reset(sess.session);
  auto t0 = Clock::now();
  if (api.session_eval(sess.session, tokens.data(), T, gpu.data(), 0) != OSSVK_OK)
    return error("selftest", api.last_error());
  const double prefill = T / seconds_since(t0);
  uint32_t token = tokens.back();
  const uint32_t steps = 64;
  t0 = Clock::now();
  for (uint32_t i = 0; i < steps; ++i) {
    if (api.session_eval(sess.session, &token, 1, gpu.data(), 0) != OSSVK_OK)
      return error("selftest", api.last_error());
    ossvk_sampler greedy{};
    api.sample(gpu.data(), info.vocab, &greedy, &token);
  }
  std::printf("  prefill %u tokens: %.1f tokens/s; greedy decode %u tokens: %.1f tokens/s\n", T,
              prefill, steps, steps / seconds_since(t0));
  return pass ? 0 : 1;
}

}  // namespace ossvk_cli
