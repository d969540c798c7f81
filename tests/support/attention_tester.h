// Runs a sequence of attention steps (a prefill, then decode steps, ...) on the GPU through
// f32_rope_kv_write + f32_attention (or f32_attention_mma) and checks every step's output against
// the reference, element by element, within the bound reference::attention derives:
//   AttentionTester().heads(64, 8).window(128).steps({129, 1, 1}).run();
#pragma once
#include <vector>

#include "backend/kernels/attention.h"
#include "backend/kernels/rope_kv_write.h"

namespace ossvk::testing {

enum class Sinks { moderate, large_positive, large_negative };

// Plain RoPE (no YaRN) for the small configurations.
inline constexpr YarnParams kTinyRope{10000.0, 1.0, 4096.0, 32.0, 1.0};

class AttentionTester {
 public:
  AttentionTester& heads(uint32_t q, uint32_t kv) {
    dims_.heads = q;
    dims_.kv_heads = kv;
    return *this;
  }
  AttentionTester& head_dim(uint32_t d) {
    dims_.head_dim = d;
    return *this;
  }
  AttentionTester& window(uint32_t w) {
    dims_.window = w;
    return *this;
  }
  AttentionTester& yarn(const YarnParams& y) {
    yarn_ = y;
    return *this;
  }
  AttentionTester& f16_cache() {
    f16_ = true;
    return *this;
  }
  AttentionTester& sinks(Sinks s) {
    sinks_ = s;
    return *this;
  }
  // Token counts of consecutive steps starting at position 0.
  AttentionTester& steps(std::vector<uint32_t> s) {
    steps_ = std::move(s);
    return *this;
  }
  // Runs on gpu_with_tile_products(): prefill steps on f32_attention_mma (or its emulation)
  // where the dims allow it, checked against the bound widened for its fp16 operand parts.
  AttentionTester& tile_products() {
    tile_products_ = true;
    return *this;
  }
  AttentionTester& seed(uint64_t s) {
    seed_ = s;
    return *this;
  }

  // The GPU output of the last step, [tokens][heads * head_dim].
  std::vector<float> run();

 private:
  AttentionDims dims_;
  YarnParams yarn_;
  bool f16_ = false;
  bool tile_products_ = false;
  Sinks sinks_ = Sinks::moderate;
  std::vector<uint32_t> steps_{1};
  uint64_t seed_ = 1;
};

}  // namespace ossvk::testing
