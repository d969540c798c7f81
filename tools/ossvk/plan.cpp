#include "ossvk/plan.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "ossvk/json_output.h"
#include "ossvk/model_open.h"

namespace ossvk_cli {
namespace {

std::string mib(uint64_t b) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", b / 1048576.0);
  return buf;
}

std::string layer_range(uint32_t first, uint32_t end) {
  return end - first == 1 ? "layer " + std::to_string(first)
                          : "layers " + std::to_string(first) + "-" + std::to_string(end - 1);
}

struct Group {
  std::string name, where;
  uint64_t bytes;
};

// The placement's groups in the order a step uses them; empty ones left out.
std::vector<Group> groups(const ossvk_placement& p) {
  const uint32_t first = p.first_layer, end = first + p.layers;
  const uint32_t host = first + p.host_expert_layers, other = first + p.experts_device_layers;
  const uint32_t moved = std::max(host, other);
  std::vector<Group> g = {
      {"token embedding", p.embedding_on_host ? "system memory" : "device", p.embedding_bytes},
      {"attention, router, norms and biases, " + layer_range(first, end), "device", p.dense_bytes},
      {"experts, " + layer_range(first, host), "system memory", p.host_expert_bytes},
      {"experts, " + layer_range(first, other), p.experts_device_name, p.experts_device_bytes},
      {"experts, " + layer_range(moved, end), "device",
       p.expert_bytes - p.host_expert_bytes - p.experts_device_bytes},
      {"LoRA side paths", "device", p.lora_bytes},
      {"output norm and unembedding", "device", p.output_bytes},
      {p.cache_sessions > 1
           ? std::to_string(p.cache_sessions) + " sessions' K/V caches and RoPE tables, " +
                 std::to_string(p.cache_context) + " positions each"
           : "K/V cache and RoPE table, " + std::to_string(p.cache_context) + " positions",
       "device", p.cache_bytes},
      {p.cache_sessions > 1
           ? "working buffers of the sessions and their batches (activations, scratch, logits)"
           : "its working buffers (activations, scratch, logits)",
       "device", p.work_bytes},
      {"the experts' working buffers (rows handed across, scratch)", p.experts_device_name,
       p.experts_device_work_bytes}};
  std::erase_if(g, [](const Group& x) { return x.bytes == 0; });
  return g;
}

}  // namespace

std::string plan_line(const ossvk_placement& p) {
  std::string s =
      std::string("plan: ") + p.device_name +
      (p.parts > 1 ? " (" + layer_range(p.first_layer, p.first_layer + p.layers) + ")" : "") +
      ": weights " + mib(p.device_bytes) + " + K/V cache " + mib(p.cache_bytes) + " (" +
      (p.cache_sessions > 1 ? std::to_string(p.cache_sessions) + " sessions x " : "") +
      std::to_string(p.cache_context) + " positions) + working buffers " + mib(p.work_bytes) +
      " of " + mib(p.device_available) + (p.memory_limited ? " (--device-memory-limit)" : "");
  if (p.host_bytes)
    s += std::string("; ") + (p.embedding_on_host ? "token embedding" : "") +
         (p.embedding_on_host && p.host_expert_layers ? " and " : "") +
         (p.host_expert_layers
              ? "experts of " + layer_range(p.first_layer, p.first_layer + p.host_expert_layers)
              : "") +
         " in system memory (" + mib(p.host_bytes) + ")";
  if (p.experts_device_layers)
    s += "; experts of " + layer_range(p.first_layer, p.first_layer + p.experts_device_layers) +
         " on " + p.experts_device_name + " (" + mib(p.experts_device_bytes) +
         " + working buffers " + mib(p.experts_device_work_bytes) + " of " +
         mib(p.experts_device_available) + ")";
  return s;
}

std::vector<ossvk_placement> placements(const ossvk_api& api, const ossvk_model* model) {
  std::vector<ossvk_placement> parts(1);
  if (api.model_get_placement(model, 0, &parts[0]) != OSSVK_OK) return {};
  parts.resize(parts[0].parts);
  for (uint32_t i = 1; i < parts.size(); ++i)
    if (api.model_get_placement(model, i, &parts[i]) != OSSVK_OK) return {};
  return parts;
}

int run_plan(const ossvk_api& api, int argc, char** argv) {
  auto opts = kModelOptions;
  opts.insert({"--context", "--parallel"});
  Args a(argc, argv, opts, {"--json"});
  const Sessions sessions{static_cast<uint32_t>(a.uint("--context", 0)),
                          static_cast<uint32_t>(a.uint("--parallel", 1, 1024))};
  if (!a.ok()) return error("plan", a.error());
  if (sessions.count == 0) return error("plan", "--parallel must be at least 1");
  ModelHandle m{api};
  if (!open_model(api, a, "plan", m, Open::plan_only, sessions)) return 1;
  const std::vector<ossvk_placement> parts = placements(api, m.model);
  if (parts.empty()) return error("plan", api.last_error());
  if (a.has("--json")) {
    Json j = {{"parts", Json::array()}};
    for (const ossvk_placement& p : parts) {
      Json part = {{"device", p.device_name},
                   {"first_layer", p.first_layer},
                   {"layers", p.layers},
                   {"device_available", p.device_available},
                   {"memory_limited", p.memory_limited != 0},
                   {"host_available", p.host_available},
                   {"embedding_on_host", p.embedding_on_host != 0},
                   {"host_expert_layers", p.host_expert_layers},
                   {"experts_device", p.experts_device_name},
                   {"experts_device_layers", p.experts_device_layers},
                   {"experts_device_bytes", p.experts_device_bytes},
                   {"experts_device_work_bytes", p.experts_device_work_bytes},
                   {"device_bytes", p.device_bytes},
                   {"host_bytes", p.host_bytes},
                   {"cache_bytes", p.cache_bytes},
                   {"cache_context", p.cache_context},
                   {"cache_sessions", p.cache_sessions},
                   {"work_bytes", p.work_bytes},
                   {"groups", Json::array()}};
      for (const Group& g : groups(p))
        part["groups"].push_back({{"name", g.name}, {"where", g.where}, {"bytes", g.bytes}});
      j["parts"].push_back(part);
    }
    print_json(j);
    return 0;
  }
  for (const ossvk_placement& p : parts) {
    std::printf("%s\n", plan_line(p).c_str());
    int name = 5, where = 14;  // the widest group and place named
    for (const Group& g : groups(p)) {
      name = std::max(name, static_cast<int>(g.name.size()));
      where = std::max(where, static_cast<int>(g.where.size()));
    }
    std::printf("  %-*s %-*s %12s\n", name, "group", where, "where", "size");
    for (const Group& g : groups(p))
      std::printf("  %-*s %-*s %12s\n", name, g.name.c_str(), where, g.where.c_str(),
                  mib(g.bytes).c_str());
    std::printf("  device: %s of %s; system memory: %s of %s available\n",
                mib(p.device_bytes + p.cache_bytes + p.work_bytes).c_str(),
                mib(p.device_available).c_str(), mib(p.host_bytes).c_str(),
                mib(p.host_available).c_str());
  }
  return 0;
}

}  // namespace ossvk_cli
