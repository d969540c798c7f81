#include "support/gguf_random.h"

#include <cmath>
#include <cstring>

namespace ossvk::testing {
namespace {

int uniform_int(Rng& rng, int lo, int hi) {
  return std::uniform_int_distribution<int>(lo, hi)(rng);
}

}  // namespace

std::vector<uint8_t> random_gguf_matrix(reference::GgufType type, uint64_t m, uint64_t k, Data data,
                                        Rng& rng) {
  std::vector<uint8_t> out(reference::gguf_matrix_bytes(type, m, k));
  const uint64_t blocks = m * (k / 32);
  switch (type) {
    case reference::GgufType::mxfp4:
      for (uint64_t b = 0; b < blocks; ++b) {
        uint8_t* p = out.data() + b * 17;
        // Real gpt-oss expert scales sit around 2^-11 .. 2^0; exact data uses 2^-2 .. 2^2.
        p[0] = static_cast<uint8_t>(data == Data::exact ? uniform_int(rng, 125, 129)
                                                        : uniform_int(rng, 116, 127));
        for (int j = 1; j < 17; ++j) p[j] = static_cast<uint8_t>(uniform_int(rng, 0, 255));
      }
      break;
    case reference::GgufType::q8_0:
      for (uint64_t b = 0; b < blocks; ++b) {
        uint8_t* p = out.data() + b * 34;
        // fp16 d: exact data uses 2^-2 .. 2^1 with |q| <= 16; realistic d lies in 2^-9 .. 2^-6.
        uint16_t d = data == Data::exact
                         ? static_cast<uint16_t>((uniform_int(rng, -2, 1) + 15) << 10)
                         : static_cast<uint16_t>(((uniform_int(rng, -9, -7) + 15) << 10) |
                                                 uniform_int(rng, 0, 1023));
        p[0] = static_cast<uint8_t>(d & 0xFF);
        p[1] = static_cast<uint8_t>(d >> 8);
        for (int j = 2; j < 34; ++j)
          p[j] = static_cast<uint8_t>(static_cast<int8_t>(
              data == Data::exact ? uniform_int(rng, -16, 16) : uniform_int(rng, -127, 127)));
      }
      break;
    case reference::GgufType::f32: {
      auto x = random_vector(m * k, data, rng);
      std::memcpy(out.data(), x.data(), out.size());
      break;
    }
  }
  return out;
}

std::vector<float> random_vector(uint64_t n, Data data, Rng& rng) {
  std::vector<float> v(n);
  static constexpr float kExact[] = {0.0f, 0.5f, -0.5f, 1.0f, -1.0f, 2.0f, -2.0f};
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (auto& x : v) x = data == Data::exact ? kExact[uniform_int(rng, 0, 6)] : dist(rng);
  return v;
}

double matvec_error_bound(uint64_t k, double abs_dot) {
  const double u = std::ldexp(1.0, -24);
  // Plus one smallest normal for results that underflow.
  return static_cast<double>(k / 32 + 16) * u * abs_dot + 1.2e-38;
}

}  // namespace ossvk::testing
