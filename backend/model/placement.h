// Where a model's weights go on its device: all in the device's own memory, or, when that is too
// small, some in system memory that the device's kernels read across the bus: first the token
// embedding table (a token reads one row of it), then the MoE experts of the first layers (a
// token reads only its top-k experts, the least bandwidth per byte moved off the device).
// Decided before anything is uploaded, from the file's sizes alone.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "host/device_info.h"
#include "host/status.h"
#include "reference/model.h"

namespace ossvk {

// other: on another device (experts_device), which runs them and sends their output back.
enum class ExpertsOn { automatic, device, host, other };

struct PlacementRequest {
  ExpertsOn experts = ExpertsOn::automatic;
  // ExpertsOn::host and other: the experts of the model's first this many blocks (0: every
  // block; on a split model, those of them on this device); host moves the embedding table too
  uint32_t expert_layers = 0;
  const host::DeviceInfo* experts_device = nullptr;  // ExpertsOn::other
  uint64_t device_limit = 0;  // device memory for weights and the reserve; 0: usable_bytes
  uint32_t context = 4096;    // positions of each session's K/V cache kept free on the device
  uint32_t sessions = 1;      // sessions of `context` positions kept room for
  uint32_t top_k = 0;         // the sessions' experts per token; 0: the model's
  uint32_t lora_rank = 0;     // the largest LoRA side path's (the sessions' scratch holds it)
  uint64_t lora_bytes = 0;    // LoRA side paths (always on the device)
  // The blocks this device holds, for a model split across devices: the first also holds the
  // embedding table, the last the output norm and unembedding.
  uint32_t layer_begin = 0, layer_end = UINT32_MAX;
};

struct Placement {
  std::string device;
  uint64_t device_available = 0;  // the limit given, or what the device can hold
  bool limited = false;           // device_available is a limit the caller gave
  uint64_t host_available = 0;    // system memory available for weights
  // Bytes as stored, by group (vectors with their matrices).
  uint64_t embedding = 0, output = 0, lora = 0;
  uint64_t dense = 0;        // every layer's attention, router, norms and biases (the experts' too)
  uint32_t first_layer = 0;  // of the blocks placed here
  std::vector<uint64_t> experts;    // per block placed here
  bool embedding_on_host = false;   // the token embedding table in system memory
  uint32_t host_expert_layers = 0;  // layers 0 .. this - 1 keep their experts in system memory
  // ExpertsOn::other: layers 0 .. experts_device_layers - 1 keep their experts on this device
  // instead, which offers experts_device_available (the limit given applies to it too)
  std::string experts_device;
  uint32_t experts_device_layers = 0;
  uint64_t experts_device_available = 0;
  uint64_t experts_device_work = 0;  // the sessions' working buffers there (RemoteExperts)
  uint64_t cache = 0;                // the K/V caches and RoPE tables of cache_sessions sessions
  uint32_t cache_context = 0, cache_sessions = 1;
  // Those sessions' working buffers (session_work_bytes) and, for several on a model on one
  // device, the batches that step them (batch_work_bytes).
  uint64_t work = 0;

  uint64_t reserve() const { return cache + work; }  // kept free for the sessions

  uint64_t expert_bytes() const;
  uint64_t host_bytes() const;            // weights in system memory
  uint64_t experts_device_bytes() const;  // weights on experts_device
  uint64_t device_bytes() const;          // weights on the device
};

// One session's K/V cache of blocks [begin, end) (sliding layers keep a ring of window + step
// positions) and RoPE table.
uint64_t kv_cache_bytes(const ModelConfig& c, uint32_t context, uint32_t max_step_tokens,
                        bool f16_kv, uint32_t begin = 0, uint32_t end = UINT32_MAX);

// Fails, naming the sizes needed and available, when no placement the request allows fits.
host::Result<Placement> plan_placement(const ModelTensors& t, const host::DeviceInfo& device,
                                       const PlacementRequest& request);

}  // namespace ossvk
