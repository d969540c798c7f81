// Where the experts that do not fit a GPU should go, measured on the machine rather than guessed:
// the GPU's own kernels reading them from system memory across the bus (ExpertsOn::host), or a
// CPU's Vulkan device running them with the router's top-k handed across (ExpertsOn::other).
// Which wins depends on the bus and on the CPU: a PCIe 5.0 card reads 50 GB/s, a 2-core VM's
// lavapipe computes far below that, a 32-core workstation's may not.
#pragma once
#include "backend/model/placement.h"
#include "host/device.h"

namespace ossvk {

// One decode token through one block's experts, in milliseconds (medians): `host_ms` the
// device running the whole MoE block from system memory; `other_ms` the device's router in a
// submission of its own plus `other` running the experts from its own memory.
struct ExpertsProbe {
  double host_ms = 0, other_ms = 0;
};

// Times both with the model's first block (its real format and sizes; the input is random),
// uploading that block's experts to each device for the duration.
host::Result<ExpertsProbe> probe_expert_places(host::Device& device, host::Device& other,
                                               const ModelTensors& t, uint32_t top_k);

// `automatic`'s plan on `device` spilling experts to system memory: `other` running the experts
// of as few leading blocks as make the rest fit, where that measured faster (`probe`, filled in
// when it ran); otherwise `automatic` unchanged.
host::Result<PlacementRequest> choose_expert_place(host::Device& device, host::Device& other,
                                                   const ModelTensors& t,
                                                   const PlacementRequest& automatic,
                                                   uint32_t top_k, ExpertsProbe* probe = nullptr);

}  // namespace ossvk
