// Runs the MoE block on the GPU and the reference and compares the selected expert ids, the
// routing weights and every output:
//   MoeTester().experts(32).hidden(64).ff(96).tokens(7).top_k(2).format(TensorFormat::q8_0).run();
#pragma once
#include <functional>
#include <optional>
#include <vector>

#include "backend/kernels/moe.h"
#include "reference/moe.h"
#include "testdata/weights.h"

namespace ossvk::testing {

class MoeTester {
 public:
  MoeTester& experts(uint32_t v) { return set(experts_, v); }
  MoeTester& hidden(uint32_t v) { return set(hidden_, v); }
  MoeTester& ff(uint32_t v) { return set(ff_, v); }
  MoeTester& tokens(uint32_t v) { return set(tokens_, v); }
  MoeTester& top_k(uint32_t v) { return set(top_k_, v); }
  MoeTester& format(TensorFormat v) { return set(format_, v); }
  // The up experts' format, where it differs from the others' (format).
  MoeTester& up_format(TensorFormat v) { return set(up_format_, std::optional<TensorFormat>(v)); }
  MoeTester& router_format(TensorFormat v) { return set(router_format_, v); }
  MoeTester& seed(uint64_t v) { return set(seed_, v); }
  // Multiplies every expert bias and the activations' scale, to push SwiGLU inputs past +-7.
  MoeTester& gain(float v) { return set(gain_, v); }
  MoeTester& max_part_bytes(uint64_t v) { return set(max_part_bytes_, v); }
  // Edits the router (logits per token follow from it) before the run, e.g. to force ties.
  MoeTester& router_bias(std::function<void(std::vector<float>&)> f) {
    edit_bias_ = std::move(f);
    return *this;
  }
  MoeTester& router_zero() { return set(router_zero_, true); }
  // Grouped matmuls or per-pair kernels, whatever the device would choose.
  MoeTester& path(MoePath v) { return set(path_, v); }
  // Device addresses or descriptors forced (default: whatever the device prefers).
  MoeTester& access(host::BufferAccess v) { return set(access_, v); }
  // The GPUs' decode layout (activations staged in shared memory) forced on any device, through
  // device addresses.
  MoeTester& gpu_layout() { return set(gpu_layout_, true); }
  // Prefill's matmuls on tile products: the device's matrix units, or their emulation where it
  // has none (support/gpu.h, gpu_with_tile_products).
  MoeTester& tile_products() { return set(tile_products_, true); }

  // Returns the GPU expert ids [tokens][k].
  std::vector<uint32_t> run();

 private:
  template <class T>
  MoeTester& set(T& field, T v) {
    field = v;
    return *this;
  }
  uint32_t experts_ = 32, hidden_ = 64, ff_ = 96, tokens_ = 1, top_k_ = 4;
  TensorFormat format_ = TensorFormat::mxfp4;
  std::optional<TensorFormat> up_format_;
  TensorFormat router_format_ = TensorFormat::f32;
  uint64_t seed_ = 1;
  float gain_ = 1.0f;
  uint64_t max_part_bytes_ = 0;
  bool router_zero_ = false;
  MoePath path_ = MoePath::automatic;
  host::BufferAccess access_ = host::BufferAccess::automatic;
  bool gpu_layout_ = false;
  bool tile_products_ = false;
  std::function<void(std::vector<float>&)> edit_bias_;
};

}  // namespace ossvk::testing
