#include "ossvk/model_open.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <vector>

#include "ossvk/plan.h"

namespace ossvk_cli {
namespace {

// Bytes, rate and time left on stderr while weights upload, when stderr is a terminal.
void progress(uint64_t done, uint64_t total, void* user) {
  auto* start = static_cast<Clock::time_point*>(user);
  const double t = seconds_since(*start), rate = done / std::max(t, 1e-3);
  std::fprintf(stderr, "\rloading %7.1f / %.1f MB  %7.1f MB/s  ETA %4.0f s ", done / 1e6,
               total / 1e6, rate / 1e6, done ? (total - done) / rate : 0.0);
  if (done >= total) std::fprintf(stderr, "\n");
}

}  // namespace

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

int error(const std::string& command, const std::string& message) {
  std::fprintf(stderr, "ossvk %s: %s\n", command.c_str(), message.c_str());
  return 1;
}

const std::set<std::string> kModelOptions = {
    "--model",       "--preset",     "--layers",
    "--expert-type", "--dense-type", "--seed",
    "--device",      "--devices",    "--experts-per-token",
    "--lora",        "--lora-scale", "--device-memory-limit",
    "--experts-on"};

// --experts-on auto|device|host[:N]|SEL[:N] into the options, SEL into `selector` (which
// o.experts_device then points to); false when it is none of them.
bool parse_experts_on(const std::string& v, ossvk_model_options& o, std::string& selector) {
  if (v.empty() || v == "auto") return o.experts_on = OSSVK_EXPERTS_AUTO, true;
  if (v == "device") return o.experts_on = OSSVK_EXPERTS_DEVICE, true;
  // WHERE or WHERE:N, N a positive count of layers.
  const size_t colon = v.rfind(':');
  std::string where = v;
  if (colon != std::string::npos) {
    const std::string n = v.substr(colon + 1);
    if (n.empty() || n.size() > 9 ||
        !std::all_of(n.begin(), n.end(), [](char c) { return std::isdigit(uint8_t(c)); }))
      return false;
    o.host_expert_layers = static_cast<uint32_t>(std::stoul(n));
    if (o.host_expert_layers == 0) return false;
    where = v.substr(0, colon);
  }
  if (where.empty()) return false;
  if (where == "host") return o.experts_on = OSSVK_EXPERTS_HOST, true;
  selector = where;
  o.experts_on = OSSVK_EXPERTS_OTHER;
  o.experts_device = selector.c_str();
  return true;
}

// Loads --model PATH, or builds --preset NAME in memory.
bool open_model(const ossvk_api& api, Args& a, const std::string& command, ModelHandle& m,
                Open open, Sessions sessions) {
  if (a.has("--model") == a.has("--preset")) {
    error(command, "give exactly one of --model PATH or --preset tiny|small|20b|120b");
    return false;
  }
  const std::string device = a.str("--device");
  static Clock::time_point start;
  start = Clock::now();
  ossvk_model_options o{};
  o.device = device.empty() ? nullptr : device.c_str();
  o.experts_per_token = static_cast<uint32_t>(a.uint("--experts-per-token", 0, 256));
  // --devices SEL,SEL,...: the model split across them by whole blocks.
  if (a.has("--devices") && a.has("--device")) {
    error(command, "give --device SEL or --devices SEL,SEL,..., not both");
    return false;
  }
  std::vector<std::string> devices;
  for (size_t from = 0, comma = 0; a.has("--devices") && comma != std::string::npos;
       from = comma + 1) {
    comma = a.str("--devices").find(',', from);
    devices.push_back(a.str("--devices").substr(from, comma - from));
    if (devices.back().empty()) {
      error(command, "--devices '" + a.str("--devices") + "': an empty selector");
      return false;
    }
  }
  std::vector<const char*> device_selectors;
  for (const std::string& d : devices) device_selectors.push_back(d.c_str());
  o.devices = device_selectors.data();
  o.device_count = static_cast<uint32_t>(device_selectors.size());
  o.vocab_only = open == Open::vocab_only;
  o.plan_only = open == Open::plan_only;
  o.memory_limit = a.bytes("--device-memory-limit", 0);
  o.plan_context = sessions.context;
  o.plan_sessions = sessions.count;
  static std::string experts_selector;
  if (!parse_experts_on(a.str("--experts-on"), o, experts_selector)) {
    error(command, "--experts-on '" + a.str("--experts-on") +
                       "': expected auto, device, host, a device selector, or host:N or SEL:N "
                       "(the first N layers)");
    return false;
  }
  uint32_t experts_index = 0;
  if (o.experts_device && !o.plan_only &&
      api.device_select(o.experts_device, &experts_index) != OSSVK_OK) {
    error(command, "--experts-on '" + a.str("--experts-on") + "': " + api.last_error());
    return false;
  }
  // --lora may repeat; --lora-scale multiplies every adapter's own scale.
  const std::vector<std::string> lora = a.all("--lora");
  std::vector<const char*> lora_paths;
  for (const std::string& p : lora) lora_paths.push_back(p.c_str());
  const std::vector<float> lora_scales(lora.size(),
                                       static_cast<float>(a.real("--lora-scale", 1.0)));
  o.lora_paths = lora_paths.data();
  o.lora_scales = lora_scales.data();
  o.lora_count = static_cast<uint32_t>(lora.size());
  if (isatty(STDERR_FILENO) && open == Open::upload)
    o.progress = progress, o.progress_user = &start;
  Synthetic s(a);
  if (!a.ok()) {
    error(command, a.error());
    return false;
  }
  ossvk_status st = a.has("--model") ? api.model_load(a.str("--model").c_str(), &o, &m.model)
                                     : api.model_create_synthetic(&s.options, &o, &m.model);
  ossvk_model_info info;
  if (st == OSSVK_OK && api.model_get_info(m.model, &info) == OSSVK_OK && info.non_finite_weights)
    std::fprintf(stderr, "ossvk %s: warning: %llu weights decode to NaN or Inf (%s)\n",
                 command.c_str(), (unsigned long long)info.non_finite_weights,
                 info.non_finite_tensors);
  if (st != OSSVK_OK) {
    error(command, api.last_error());
    return false;
  }
  if (open == Open::upload)
    for (const ossvk_placement& p : placements(api, m.model))
      std::fprintf(stderr, "ossvk %s: %s\n", command.c_str(), plan_line(p).c_str());
  return true;
}

bool open_session(const ossvk_api& api, ossvk_model* model, uint32_t context,
                  const std::string& command, SessionHandle& s) {
  ossvk_session_options o{};
  o.context = context;
  if (api.session_create(model, &o, &s.session) != OSSVK_OK) {
    error(command, api.last_error());
    return false;
  }
  return true;
}

}  // namespace ossvk_cli
