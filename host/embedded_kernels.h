// SPIR-V compiled from shaders/ at build time and embedded in the library (cmake/shaders.cmake).
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace ossvk::host {

struct EmbeddedKernel {
  const char* name;  // the shader file's stem, e.g. "f32_mxfp4w_matvec"
  const uint32_t* words;
  size_t word_count;
};

std::span<const EmbeddedKernel> embedded_kernels();

inline const EmbeddedKernel* find_embedded_kernel(std::string_view name) {
  for (const auto& k : embedded_kernels())
    if (name == k.name) return &k;
  return nullptr;
}

}  // namespace ossvk::host
