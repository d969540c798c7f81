#include "backend/model/experts_probe.h"

#include <algorithm>
#include <chrono>
#include <random>
#include <vector>

#include "backend/kernels/moe.h"
#include "backend/model/model.h"

namespace ossvk {
namespace {

using host::Result;
using host::Status;

constexpr int kRuns = 5;  // after one warm-up run; the median is kept

// The median time of `record`'s command buffer, recorded once and submitted kRuns + 1 times.
template <class Record>
Result<double> median_ms(host::Device& device, Record record) {
  OSSVK_ASSIGN_OR_RETURN(auto cs, host::CommandStream::create(device));
  OSSVK_RETURN_IF_ERROR(cs->begin(/*reusable=*/true));
  OSSVK_RETURN_IF_ERROR(record(*cs));
  OSSVK_RETURN_IF_ERROR(cs->submit_and_wait());
  std::vector<double> ms;
  for (int i = 0; i < kRuns; ++i) {
    const auto start = std::chrono::steady_clock::now();
    OSSVK_RETURN_IF_ERROR(cs->resubmit_and_wait());
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
  }
  std::nth_element(ms.begin(), ms.begin() + kRuns / 2, ms.end());
  return ms[kRuns / 2];
}

// One block uploaded to `device` (experts in `memory`), a random token's hidden state and the
// scratch to run it.
struct Block {
  MoeLayer layer;
  MoeScratch scratch;
  host::Buffer x, out;
};

Result<Block> upload_block(host::Device& device, const ModelTensors& t, uint32_t top_k,
                           host::MemoryUse memory) {
  Block b;
  OSSVK_ASSIGN_OR_RETURN(auto transfer, host::Transfer::create(device));
  UploadOptions options;
  options.memory = memory;
  OSSVK_ASSIGN_OR_RETURN(
      b.layer, upload_moe_layer(device, *transfer, moe_layer_data(t, 0), "probe", options));
  b.layer.eps = static_cast<float>(t.config.eps);
  OSSVK_ASSIGN_OR_RETURN(b.scratch, create_moe_scratch(device, b.layer, 1, top_k));
  std::vector<float> x(t.config.hidden);
  std::mt19937 rng(1);
  std::normal_distribution<float> normal;
  for (float& v : x) v = normal(rng);
  OSSVK_ASSIGN_OR_RETURN(b.x, device.allocator().allocate(x.size() * 4, host::MemoryUse::device));
  OSSVK_ASSIGN_OR_RETURN(b.out, device.allocator().allocate(x.size() * 4, host::MemoryUse::device));
  OSSVK_RETURN_IF_ERROR(transfer->upload(b.x, 0, x.data(), x.size() * 4));
  return b;
}

}  // namespace

Result<ExpertsProbe> probe_expert_places(host::Device& device, host::Device& other,
                                         const ModelTensors& t, uint32_t top_k) {
  if (t.layers.empty()) return Status::bad_argument("the model has no blocks to probe");
  ExpertsProbe p;
  double router_ms = 0;
  {
    OSSVK_ASSIGN_OR_RETURN(Block b, upload_block(device, t, top_k, host::MemoryUse::system));
    OSSVK_ASSIGN_OR_RETURN(p.host_ms, median_ms(device, [&](host::CommandStream& cs) {
                             return encode_moe(device, cs, b.layer, b.x, 1, top_k, b.scratch, b.out,
                                               "probe");
                           }));
    OSSVK_ASSIGN_OR_RETURN(router_ms, median_ms(device, [&](host::CommandStream& cs) {
                             return encode_moe_router(device, cs, b.layer, b.x, 1, top_k, b.scratch,
                                                      "probe");
                           }));
  }
  OSSVK_ASSIGN_OR_RETURN(Block b, upload_block(other, t, top_k, host::MemoryUse::device));
  {  // the router once on `other` too, so that the experts it picks are the usual kind
    OSSVK_ASSIGN_OR_RETURN(auto cs, host::CommandStream::create(other));
    OSSVK_RETURN_IF_ERROR(cs->begin());
    OSSVK_RETURN_IF_ERROR(
        encode_moe_router(other, *cs, b.layer, b.x, 1, top_k, b.scratch, "probe"));
    OSSVK_RETURN_IF_ERROR(cs->submit_and_wait());
  }
  OSSVK_ASSIGN_OR_RETURN(const double experts_ms, median_ms(other, [&](host::CommandStream& cs) {
                           return encode_moe_experts(other, cs, b.layer, b.x, 1, top_k, b.scratch,
                                                     b.out, "probe");
                         }));
  p.other_ms = router_ms + experts_ms;
  return p;
}

Result<PlacementRequest> choose_expert_place(host::Device& device, host::Device& other,
                                             const ModelTensors& t,
                                             const PlacementRequest& automatic, uint32_t top_k,
                                             ExpertsProbe* probe) {
  OSSVK_ASSIGN_OR_RETURN(const Placement spill, plan_placement(t, device.info(), automatic));
  if (automatic.experts != ExpertsOn::automatic || spill.host_expert_layers == 0) return automatic;
  // The fewest leading blocks on `other` that leave the rest fitting the device.
  PlacementRequest moved = automatic;
  moved.experts = ExpertsOn::other;
  moved.experts_device = &other.info();
  const uint32_t layers = static_cast<uint32_t>(t.layers.size());
  for (moved.expert_layers = 1; moved.expert_layers < layers; ++moved.expert_layers)
    if (plan_placement(t, device.info(), moved).ok()) break;
  if (!plan_placement(t, device.info(), moved).ok()) return automatic;
  OSSVK_ASSIGN_OR_RETURN(const ExpertsProbe p, probe_expert_places(device, other, t, top_k));
  if (probe) *probe = p;
  // Per token, each moved block costs its time; the spill moves spill.host_expert_layers blocks,
  // `other` moved.expert_layers (more where the embedding table no longer moves with them).
  return p.other_ms * moved.expert_layers < p.host_ms * spill.host_expert_layers ? moved
                                                                                 : automatic;
}

}  // namespace ossvk
