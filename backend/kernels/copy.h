// Launcher of f32_copy: dst = src, used to measure the device's streaming bandwidth.
#pragma once
#include "host/commands.h"

namespace ossvk {

// Copies `bytes` (a multiple of 16) from src to dst.
host::Status encode_f32_copy(host::Device& device, host::CommandStream& stream,
                             const host::Buffer& src, const host::Buffer& dst, uint64_t bytes);

}  // namespace ossvk
