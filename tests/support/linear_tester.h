// Runs one Y = X W^T + b case on the GPU (matvec or matmul launcher) and on the reference, and
// compares every output:
//   LinearTester(TensorFormat::mxfp4).m(33).k(64).n(3).bias(true).data(Data::exact).run();
// Data::exact demands bit-identical results; Data::realistic demands each output within the
// derived bound of support/weights.h. With rope(), the matvec's outputs are a decode step's q, k
// and v, rotated and written to q and a K/V cache by its epilogue, and those are checked.
#pragma once
#include <gtest/gtest.h>

#include <optional>

#include "backend/device_matrix.h"
#include "backend/kernels/kv_cache.h"
#include "support/gpu.h"
#include "testdata/weights.h"

namespace ossvk::testing {

enum class Op { matvec, matmul };

// The matvec's RoPE epilogue (backend/kernels/matvec.h, MatvecRope): W's M rows are the q, k, v
// stack of `dims` (gpt-oss's YaRN), column t the token at first_pos + t; with `replay` the
// position comes from a device word holding first_pos and the pushed one is 0.
struct RopeCase {
  AttentionDims dims;
  uint32_t first_pos = 0;
  bool f16 = false;
  bool replay = false;
  uint32_t capacity = 0;  // the cache's positions; 0: first_pos + n (a ring wraps below it)
};
class LinearTester {
 public:
  explicit LinearTester(TensorFormat format) : format_(format) {}
  LinearTester& op(Op v) {
    op_ = v;
    return *this;
  }
  LinearTester& m(uint32_t v) {
    m_ = v;
    return *this;
  }
  LinearTester& k(uint32_t v) {
    k_ = v;
    return *this;
  }
  LinearTester& n(uint32_t v) {
    n_ = v;
    return *this;
  }
  LinearTester& bias(bool v) {
    bias_ = v;
    return *this;
  }
  LinearTester& data(Data v) {
    data_ = v;
    return *this;
  }
  LinearTester& seed(uint64_t v) {
    seed_ = v;
    return *this;
  }
  LinearTester& group(uint32_t v) {
    group_ = v;
    return *this;
  }
  LinearTester& scales(ScaleDtype v) {
    scale_dtype_ = v;
    return *this;
  }
  LinearTester& max_part_bytes(uint64_t v) {
    max_part_bytes_ = v;
    return *this;
  }
  // Adds the result to a y that starts with random values (a residual stream).
  LinearTester& accumulate(bool v) {
    accumulate_ = v;
    return *this;
  }
  LinearTester& access(host::BufferAccess v) {
    access_ = v;
    return *this;
  }
  // Runs the matvec with `v` subgroups sharing each run of rows (0: the device's choice).
  LinearTester& matvec_split(uint32_t v) {
    matvec_split_ = v;
    return *this;
  }
  // Runs the matmul on tile products (support/gpu.h, gpu_with_tile_products): operands in two
  // fp16 parts each, checked against mma_error_bound.
  LinearTester& tile_products(bool v) {
    tile_products_ = v;
    return *this;
  }
  // The matvec normalises each column of x (RMSNorm with a random gain) as it reads it.
  LinearTester& norm(bool v) {
    norm_ = v;
    return *this;
  }
  // Sets M to the stack's rows; accumulate(true) then gives the epilogue an addend.
  LinearTester& rope(const RopeCase& v) {
    rope_ = v;
    m_ = (v.dims.heads + 2 * v.dims.kv_heads) * v.dims.head_dim;
    return *this;
  }
  // Overrides the generated weights or activations ([n][k]).
  LinearTester& weights(HostMatrix w) {
    weights_ = std::move(w);
    return *this;
  }
  LinearTester& x(std::vector<float> v) {
    x_ = std::move(v);
    return *this;
  }

  // Runs on the GPU and checks against the reference with gtest assertions; returns the GPU y
  // ([n][m]), empty if the case could not run.
  std::vector<float> run();

 private:
  TensorFormat format_;
  Op op_ = Op::matvec;
  uint32_t m_ = 1, k_ = 32, n_ = 1;
  bool bias_ = false;
  Data data_ = Data::realistic;
  uint64_t seed_ = 1;
  uint32_t group_ = 32;
  ScaleDtype scale_dtype_ = ScaleDtype::bf16;
  uint64_t max_part_bytes_ = 0;
  host::BufferAccess access_ = host::BufferAccess::automatic;
  bool accumulate_ = false;
  uint32_t matvec_split_ = 0;
  bool tile_products_ = false;
  bool norm_ = false;
  std::optional<RopeCase> rope_;
  std::optional<HostMatrix> weights_;
  std::vector<float> x_;
};

}  // namespace ossvk::testing
