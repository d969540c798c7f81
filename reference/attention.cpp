#include "reference/attention.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace ossvk::reference {

Rope yarn_rope(const RopeParams& p, uint32_t head_dim) {
  Rope r;
  const uint32_t half = head_dim / 2;
  r.inv_freq.resize(half);
  r.concentration = p.factor > 1.0 ? 0.1 * std::log(p.factor) + 1.0 : 1.0;
  const double d = head_dim;
  const double two_pi = 2.0 * std::numbers::pi;
  const double low =
      d / 2 * std::log(p.original_context / (p.beta_fast * two_pi)) / std::log(p.theta);
  const double high =
      d / 2 * std::log(p.original_context / (p.beta_slow * two_pi)) / std::log(p.theta);
  for (uint32_t i = 0; i < half; ++i) {
    double base = std::pow(p.theta, 2.0 * i / d);
    double extrapolated = 1.0 / base;
    double interpolated = 1.0 / (p.factor * base);
    double ramp = p.factor > 1.0 ? std::clamp((i - low) / (high - low), 0.0, 1.0) : 0.0;
    r.inv_freq[i] = (1.0 - ramp) * extrapolated + ramp * interpolated;
  }
  return r;
}

void apply_rope(const Rope& rope, uint32_t head_dim, double pos, double* x) {
  const uint32_t half = head_dim / 2;
  for (uint32_t i = 0; i < half; ++i) {
    double c = std::cos(pos * rope.inv_freq[i]) * rope.concentration;
    double s = std::sin(pos * rope.inv_freq[i]) * rope.concentration;
    double a = x[i], b = x[i + half];
    x[i] = a * c - b * s;
    x[i + half] = b * c + a * s;
  }
}

void rmsnorm(const float* x, const float* gain, uint32_t n, double eps, double* out) {
  double ss = 0;
  for (uint32_t i = 0; i < n; ++i) ss += static_cast<double>(x[i]) * x[i];
  double scale = 1.0 / std::sqrt(ss / n + eps);
  for (uint32_t i = 0; i < n; ++i) out[i] = x[i] * scale * gain[i];
}

// The bound an fp32 kernel is held to, per output element, derived from its arithmetic:
// - each logit s_j = q.k_j / sqrt(d) is a d-term fp32 dot product of q and k values that were
//   themselves rounded after RoPE (and, in an f16 cache, to f16): |ds_j| <= delta_j =
//   (d + 4) u sum_i |q_i k_ji| / sqrt(d) + kv_unit sum_i |q_i k_ji| / sqrt(d);
// - perturbing every logit by at most delta changes each softmax weight w_j by a factor within
//   e^(+-2 delta), so the output moves by at most (e^(2 delta) - 1) sum_j w_j |v_j|;
// - exp() is accurate to (3 + 2|x|) ulp (the Vulkan GLSL bound), the online softmax rescales
//   and accumulates with about 4 roundings per key, and an f16 V adds kv_unit per term.
AttentionResult attention(const AttentionShape& sh, const std::vector<double>& q, uint32_t tokens,
                          uint32_t first_pos, const std::vector<double>& k,
                          const std::vector<double>& v, const std::vector<float>& sinks,
                          double kv_unit) {
  const uint32_t d = sh.head_dim, group = sh.n_heads / sh.n_kv_heads;
  const uint32_t q_width = sh.n_heads * d, kv_width = sh.n_kv_heads * d;
  const double u = std::ldexp(1.0, -24), scale = 1.0 / std::sqrt(static_cast<double>(d));
  AttentionResult r;
  r.out.assign(static_cast<size_t>(tokens) * q_width, 0.0);
  r.bound.assign(r.out.size(), 0.0);
  std::vector<double> s, w, delta;
  for (uint32_t t = 0; t < tokens; ++t) {
    const uint32_t pos = first_pos + t;
    const uint32_t first_key = sh.window && pos + 1 > sh.window ? pos + 1 - sh.window : 0;
    const uint32_t keys = pos + 1 - first_key;
    for (uint32_t h = 0; h < sh.n_heads; ++h) {
      const double* qh = &q[static_cast<size_t>(t) * q_width + h * d];
      const uint32_t g = h / group;
      s.assign(keys, 0.0);
      delta.assign(keys, 0.0);
      double m = sinks[h];
      for (uint32_t j = 0; j < keys; ++j) {
        const double* kj = &k[static_cast<size_t>(first_key + j) * kv_width + g * d];
        double dot = 0, mag = 0;
        for (uint32_t i = 0; i < d; ++i) dot += qh[i] * kj[i], mag += std::fabs(qh[i] * kj[i]);
        s[j] = dot * scale;
        delta[j] = ((d + 4) * u + kv_unit) * mag * scale;
        m = std::max(m, s[j]);
      }
      double l = std::exp(sinks[h] - m);
      w.assign(keys, 0.0);
      for (uint32_t j = 0; j < keys; ++j) l += (w[j] = std::exp(s[j] - m));
      const double max_delta = keys ? *std::max_element(delta.begin(), delta.end()) : 0.0;
      for (uint32_t j = 0; j < keys; ++j) {
        const double wj = w[j] / l;
        const double rel = std::expm1(2 * max_delta) + (5 + 2 * std::fabs(s[j] - m)) * u +
                           4.0 * (keys + 1) * u + kv_unit;
        const double* vj = &v[static_cast<size_t>(first_key + j) * kv_width + g * d];
        for (uint32_t i = 0; i < d; ++i) {
          size_t o = static_cast<size_t>(t) * q_width + h * d + i;
          r.out[o] += wj * vj[i];
          r.bound[o] += rel * wj * std::fabs(vj[i]);
        }
      }
      for (uint32_t i = 0; i < d; ++i)
        r.bound[static_cast<size_t>(t) * q_width + h * d + i] += 1e-30;
    }
  }
  return r;
}

}  // namespace ossvk::reference
