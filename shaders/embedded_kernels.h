// Every kernel of shaders/, compiled to SPIR-V at build time and embedded (cmake/shaders.cmake):
// the table the library gives its devices (host::DeviceOptions::kernels).
#pragma once
#include <span>

#include "host/kernel_binary.h"

namespace ossvk::shaders {

std::span<const host::KernelBinary> embedded_kernels();

}  // namespace ossvk::shaders
