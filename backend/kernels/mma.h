// The host side of the tile products (shaders/mma.glsl) that the prefill matmuls
// (matmul_mma.h) and attention (attention_mma.h) are written over: which of a kernel's two builds
// the device runs, and its pipeline.
#pragma once
#include <string>
#include <vector>

#include "host/device.h"

namespace ossvk {

// `kernel` on the device's matrix units, or `emulated` where host::Device::mma() emulates them.
std::string mma_kernel(const host::Device& device, std::string_view kernel,
                       std::string_view emulated);

// The pipeline of a tile-product kernel using `shared_bytes` of shared memory: refused, naming
// the kernel, on a device running no tile products or with less shared memory; on matrix units
// it runs in whole subgroups of 32 (host::DeviceInfo::matrix_units).
host::Result<const host::Pipeline*> mma_pipeline(host::Device& device, const std::string& kernel,
                                                 std::vector<uint32_t> spec, uint32_t push_bytes,
                                                 uint32_t shared_bytes);

}  // namespace ossvk
