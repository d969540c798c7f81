#include "backend/kernels/decode_layout.h"

namespace ossvk {

bool gpu_layout(const host::Device& device) {
  return device.tuning(kTuneMatvecSplit) || device.info().type != VK_PHYSICAL_DEVICE_TYPE_CPU;
}

uint32_t matvec_split(const host::Device& device) {
  if (uint32_t split = device.tuning(kTuneMatvecSplit)) return split;
  return gpu_layout(device) ? 2 : 1;
}

uint32_t stage_blocks(const host::Device& device, uint32_t blocks) {
  const uint32_t bytes = 8 * (blocks + 1) * 16;  // x_stage: eight parts, an odd stride apart
  return gpu_layout(device) && bytes <= device.info().max_shared_memory / 2 ? blocks : 0;
}

bool lane_tables(const host::Device& device, uint32_t invocations) {
  return !gpu_layout(device) && device.info().max_subgroups(invocations) * 8 <= invocations;
}

bool spread_rows(const host::Device& device) {
  return !gpu_layout(device);
}

bool expert_row_tiles(const host::Device& device) {
  return !gpu_layout(device);
}

}  // namespace ossvk
