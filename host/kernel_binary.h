// One compute kernel's SPIR-V, by name: what a device's pipelines are built from. host/ holds no
// kernels of its own; its caller gives the device its table (DeviceOptions::kernels).
#pragma once
#include <cstddef>
#include <cstdint>

namespace ossvk::host {

struct KernelBinary {
  const char* name;  // e.g. "f32_mxfp4w_matvec"
  const uint32_t* words;
  size_t word_count;
};

}  // namespace ossvk::host
