#include "backend/model/placement.h"

#include <algorithm>
#include <numeric>

#include "backend/model/batch.h"
#include "backend/model/session.h"

namespace ossvk {
namespace {

using host::Result;
using host::Status;

uint64_t bytes(const TensorData& t) {
  return t.data.size() + t.scales.size() + t.biases.size();
}

uint64_t floats(std::initializer_list<const std::vector<float>*> vs) {
  uint64_t n = 0;
  for (const auto* v : vs) n += v->size() * 4;
  return n;
}

std::string mib(uint64_t b) {
  return std::to_string((b + (1 << 20) - 1) >> 20) + " MiB";
}

}  // namespace

uint64_t Placement::expert_bytes() const {
  return std::accumulate(experts.begin(), experts.end(), uint64_t{0});
}

uint64_t Placement::host_bytes() const {
  return std::accumulate(experts.begin(), experts.begin() + host_expert_layers,
                         embedding_on_host ? embedding : 0);
}

uint64_t Placement::experts_device_bytes() const {
  return std::accumulate(experts.begin(), experts.begin() + experts_device_layers, uint64_t{0});
}

uint64_t Placement::device_bytes() const {
  return embedding + output + dense + lora + expert_bytes() - host_bytes() - experts_device_bytes();
}

uint64_t kv_cache_bytes(const ModelConfig& c, uint32_t context, uint32_t max_step_tokens,
                        bool f16_kv, uint32_t begin, uint32_t end) {
  uint64_t n = uint64_t{context} * c.head_dim / 2 * 8;  // the RoPE table
  const uint32_t step = std::min(max_step_tokens, context);
  for (uint32_t l = begin; l < std::min(end, c.layers); ++l) {
    const uint64_t ring =
        c.sliding(l) ? std::min<uint64_t>(context, uint64_t{c.window} + step) : context;
    n += 2 * ring * c.kv_heads * c.head_dim * (f16_kv ? 2 : 4);
  }
  return n;
}

Result<Placement> plan_placement(const ModelTensors& t, const host::DeviceInfo& device,
                                 const PlacementRequest& r) {
  const ModelConfig& c = t.config;
  Placement p;
  p.device = device.name;
  p.limited = r.device_limit != 0;
  p.device_available = p.limited ? r.device_limit : device.usable_bytes();
  const uint32_t layers_in_file = static_cast<uint32_t>(t.layers.size());
  const uint32_t begin = r.layer_begin, end = std::min(r.layer_end, layers_in_file);
  if (begin >= end)
    return Status::bad_argument("blocks " + std::to_string(begin) + " to " + std::to_string(end) +
                                " placed on " + device.name + ": the model has " +
                                std::to_string(layers_in_file));
  p.first_layer = begin;
  if (begin == 0) p.embedding = bytes(t.embedding);
  if (end == layers_in_file) p.output = bytes(t.output) + floats({&t.output_norm});
  p.lora = r.lora_bytes;
  for (uint32_t i = begin; i < end; ++i) {
    const LayerTensors& l = t.layers[i];
    p.dense += bytes(l.q) + bytes(l.k) + bytes(l.v) + bytes(l.out) + bytes(l.router) +
               floats({&l.attn_norm, &l.q_bias, &l.k_bias, &l.v_bias, &l.sinks, &l.out_bias,
                       &l.post_norm, &l.router_bias, &l.gate_bias, &l.up_bias, &l.down_bias});
    p.experts.push_back(bytes(l.gate) + bytes(l.up) + bytes(l.down));
  }
  p.cache_context = r.context;
  p.cache_sessions = std::max(r.sessions, 1u);
  p.cache = p.cache_sessions * kv_cache_bytes(c, r.context, 512, false, begin, end);
  const uint32_t layers = end - begin;
  if (r.experts == ExpertsOn::host && r.expert_layers > layers_in_file)
    return Status::bad_argument("experts of " + std::to_string(r.expert_layers) +
                                " layers asked for system memory; the model has " +
                                std::to_string(layers_in_file));
  // The model's first expert_layers blocks: those of them on this device.
  const uint32_t moved =
      r.expert_layers ? std::clamp(r.expert_layers, begin, end) - begin : end - begin;
  if (r.experts == ExpertsOn::other) {
    if (!r.experts_device) return Status::bad_argument("no device named for the experts");
    if (r.expert_layers > layers_in_file)
      return Status::bad_argument("experts of " + std::to_string(r.expert_layers) +
                                  " layers asked for " + r.experts_device->name +
                                  "; the model has " + std::to_string(layers_in_file));
    p.experts_device = r.experts_device->name;
    p.experts_device_available = p.limited ? r.device_limit : r.experts_device->usable_bytes();
    p.experts_device_layers = moved;
  }
  SessionOptions so;
  so.context = r.context;
  const uint32_t top_k = r.top_k ? r.top_k : c.top_k;
  const bool elsewhere = p.experts_device_layers > 0;
  p.work = p.cache_sessions *
           session_work_bytes(c, device, so, top_k, r.lora_rank, begin, end, elsewhere);
  if (elsewhere)
    p.experts_device_work =
        p.cache_sessions * RemoteExperts::work_bytes(c, *r.experts_device,
                                                     std::min(so.max_step_tokens, r.context), top_k,
                                                     r.lora_rank);
  // Several sessions on a model that lies on one device are stepped together (ossvk_batch_*):
  // by a batch of one token each and by one that takes a prompt's chunk beside them.
  if (p.cache_sessions > 1 && begin == 0 && end == layers_in_file && !elsewhere)
    for (uint32_t tokens : {kMaxMatvecColumns, kBatchMaxTokens})
      p.work += batch_work_bytes(c, device, kMaxMatvecColumns, tokens, top_k, r.lora_rank);

  auto fits = [&](bool embedding, uint32_t host_layers) {
    p.embedding_on_host = embedding && p.embedding;
    p.host_expert_layers = host_layers;
    return p.device_bytes() + p.reserve() <= p.device_available;
  };
  switch (r.experts) {
    case ExpertsOn::device:
    case ExpertsOn::other:
      fits(false, 0);
      break;
    case ExpertsOn::host:
      fits(true, moved);
      break;
    case ExpertsOn::automatic:
      if (fits(false, 0)) break;
      for (uint32_t n = 0; n <= layers; ++n)
        if (fits(true, n)) break;
      break;
  }
  // On a CPU device the device's memory is the system's: what the device takes, the host lacks.
  uint64_t taken = 0;
  if (device.type == VK_PHYSICAL_DEVICE_TYPE_CPU) taken += p.device_bytes() + p.reserve();
  if (r.experts_device && r.experts_device->type == VK_PHYSICAL_DEVICE_TYPE_CPU)
    taken += p.experts_device_bytes() + p.experts_device_work;
  const uint64_t system = device.system_available_bytes;
  const uint64_t device_side = p.device_bytes() + p.reserve();
  p.host_available = system > taken ? system - taken : 0;

  const std::string offers = p.device + " offers " + mib(p.device_available) +
                             (p.limited ? " (the memory limit given)" : "");
  if (device_side > p.device_available) {
    std::string msg =
        "the model needs " + mib(device_side) + " of device memory (weights " +
        mib(p.device_bytes()) + ", " +
        (p.cache_sessions > 1 ? std::to_string(p.cache_sessions) + " sessions' K/V caches"
                              : std::string("one session's K/V cache")) +
        " of " + std::to_string(p.cache_context) + " positions " + mib(p.cache) +
        ", working buffers " + mib(p.work) +
        (p.embedding_on_host ? ", the embedding table and the experts of " +
                                   std::to_string(p.host_expert_layers) + " layers in system memory"
                             : "") +
        "); " + offers;
    if (r.experts != ExpertsOn::automatic && p.host_expert_layers < layers) {
      Placement all = p;
      all.embedding_on_host = true;
      all.host_expert_layers = layers;
      msg +=
          "; with the embedding table and every layer's experts in system memory it would "
          "need " +
          mib(all.device_bytes() + all.reserve());
    }
    return Status::error(msg, VK_ERROR_OUT_OF_DEVICE_MEMORY);
  }
  if (p.experts_device_bytes() + p.experts_device_work > p.experts_device_available)
    return Status::error(
        "the experts of " + std::to_string(p.experts_device_layers) + " layers need " +
            mib(p.experts_device_bytes()) + " and the sessions' working buffers beside them " +
            mib(p.experts_device_work) + "; " + p.experts_device + " offers " +
            mib(p.experts_device_available) + (p.limited ? " (the memory limit given)" : ""),
        VK_ERROR_OUT_OF_DEVICE_MEMORY);
  if (p.host_bytes() > p.host_available)
    return Status::error("the embedding table and the experts of " +
                             std::to_string(p.host_expert_layers) + " layers need " +
                             mib(p.host_bytes()) + " of system memory; the system has " +
                             mib(p.host_available) + " available (and " + offers + ")",
                         VK_ERROR_OUT_OF_HOST_MEMORY);
  return p;
}

}  // namespace ossvk
