// Runs one f32_<fmt>w_matvec case on the GPU and on the reference and compares every output:
//   MatvecTester(reference::GgufType::mxfp4).m(33).k(64).bias(true).data(Data::exact).run();
// Data::exact demands bit-identical results; Data::realistic demands each output within
// matvec_error_bound() (see support/gguf_random.h for the derivation).
#pragma once
#include <gtest/gtest.h>

#include "reference/matvec.h"
#include "support/gguf_random.h"
#include "support/gpu.h"

namespace ossvk::testing {

class MatvecTester {
 public:
  explicit MatvecTester(reference::GgufType type) : type_(type) {}
  MatvecTester& m(uint32_t v) {
    m_ = v;
    return *this;
  }
  MatvecTester& k(uint32_t v) {
    k_ = v;
    return *this;
  }
  MatvecTester& bias(bool v) {
    bias_ = v;
    return *this;
  }
  MatvecTester& data(Data v) {
    data_ = v;
    return *this;
  }
  MatvecTester& seed(uint64_t v) {
    seed_ = v;
    return *this;
  }
  // Overrides the generated weights (GGUF bytes) or x.
  MatvecTester& weights(std::vector<uint8_t> w) {
    weights_ = std::move(w);
    return *this;
  }
  MatvecTester& x(std::vector<float> v) {
    x_ = std::move(v);
    return *this;
  }

  // Runs on the GPU and checks against the reference with gtest assertions; returns the GPU y.
  std::vector<float> run();

 private:
  reference::GgufType type_;
  uint32_t m_ = 1, k_ = 32;
  bool bias_ = false;
  Data data_ = Data::realistic;
  uint64_t seed_ = 1;
  std::vector<uint8_t> weights_;
  std::vector<float> x_;
};

}  // namespace ossvk::testing
