#include "reference/attention.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "reference/matmul.h"

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
// On tile products (operand_rounding rho > 0) each product a b of q.k and p.v is off by at most
// (3 rho + rho^2)|a b| + 2^-35 (|a| + |b|) + 2^-49 (testing::mma_error_bound's term); the fp32
// sums see terms up to 2^-9 larger (the cross products' sum) and one more rounding where the
// two accumulators join; the weights p = exp(s - m) <= 1 are divided by a sum l >= 1.
AttentionResult attention(const AttentionShape& sh, const std::vector<double>& q, uint32_t tokens,
                          uint32_t first_pos, const std::vector<double>& k,
                          const std::vector<double>& v, const std::vector<float>& sinks,
                          double kv_unit, const AttentionInputErrors& errors,
                          double operand_rounding) {
  const uint32_t d = sh.head_dim, group = sh.n_heads / sh.n_kv_heads;
  const uint32_t q_width = sh.n_heads * d, kv_width = sh.n_kv_heads * d;
  const double u = std::ldexp(1.0, -24), scale = 1.0 / std::sqrt(static_cast<double>(d));
  const bool tiles = operand_rounding > 0;
  const double term = 3 * operand_rounding + operand_rounding * operand_rounding;
  const double tiny = tiles ? 0x1p-35 : 0.0, tinier = tiles ? 0x1p-49 : 0.0;
  const double sums = tiles ? 1 + 0x1p-9 : 1.0;
  const double dot_roundings = tiles ? d + 5.0 : d + 4.0;
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
        double dot = 0, mag = 0, carried = 0, abs_q = 0, abs_k = 0;
        for (uint32_t i = 0; i < d; ++i) {
          dot += qh[i] * kj[i], mag += std::fabs(qh[i] * kj[i]);
          abs_q += std::fabs(qh[i]), abs_k += std::fabs(kj[i]);
        }
        if (errors.q && errors.k) {
          const double* dq = &(*errors.q)[static_cast<size_t>(t) * q_width + h * d];
          const double* dk = &(*errors.k)[static_cast<size_t>(first_key + j) * kv_width + g * d];
          for (uint32_t i = 0; i < d; ++i)
            carried += std::fabs(qh[i]) * dk[i] + dq[i] * std::fabs(kj[i]);
        }
        s[j] = dot * scale;
        delta[j] = (dot_roundings * u * sums + term + kv_unit) * mag * scale + carried * scale +
                   tiny * (abs_q * scale + abs_k) + tinier * d;
        m = std::max(m, s[j]);
      }
      double l = std::exp(sinks[h] - m);
      w.assign(keys, 0.0);
      for (uint32_t j = 0; j < keys; ++j) l += (w[j] = std::exp(s[j] - m));
      const double max_delta = keys ? *std::max_element(delta.begin(), delta.end()) : 0.0;
      for (uint32_t j = 0; j < keys; ++j) {
        const double wj = w[j] / l;
        const double rel = std::expm1(2 * max_delta) + (5 + 2 * std::fabs(s[j] - m)) * u +
                           4.0 * (keys + 1) * u * sums + kv_unit + term;
        const double* vj = &v[static_cast<size_t>(first_key + j) * kv_width + g * d];
        for (uint32_t i = 0; i < d; ++i) {
          size_t o = static_cast<size_t>(t) * q_width + h * d + i;
          r.out[o] += wj * vj[i];
          r.bound[o] += rel * wj * std::fabs(vj[i]) + tiny * std::fabs(vj[i]);
          if (errors.v)
            r.bound[o] +=
                wj * (*errors.v)[static_cast<size_t>(first_key + j) * kv_width + g * d + i];
        }
      }
      for (uint32_t i = 0; i < d; ++i)
        r.bound[static_cast<size_t>(t) * q_width + h * d + i] += tiny + tinier * keys + 1e-30;
    }
  }
  return r;
}

// Each step's fp32 error, carried into the next: RMSNorm (D + 8) u relative; the QKV matvec
// (D/32 + 32) u of its |terms| plus the norm's error through |W|; RoPE |C| da + |S| db plus 4u of
// its |terms|; q's 1/sqrt(d) scale one more u; attention as above with those q, k, v errors; the
// output projection (HD/32 + 32) u of its |terms| plus the attention error through |W_o|; the
// residual add one u.
BlockResult attention_block(const AttentionBlockWeights& w, const std::vector<float>& x,
                            uint32_t positions, double kv_unit) {
  const AttentionShape& sh = w.shape;
  const uint32_t D = w.hidden, d = sh.head_dim, qw = sh.n_heads * d, kvw = sh.n_kv_heads * d,
                 width = qw + 2 * kvw;
  const double u = std::ldexp(1.0, -24);
  const Rope rope = yarn_rope(w.rope, d);
  std::vector<double> q(static_cast<size_t>(positions) * qw),
      k(static_cast<size_t>(positions) * kvw), v(k.size());
  std::vector<double> dq(q.size()), dk(k.size()), dv(v.size()), t(D), c(width), dc(width);
  std::vector<float> wrow(D), wmag(D);
  auto rotate = [&](double* val, double* err, uint32_t heads, uint32_t p) {
    for (uint32_t h = 0; h < heads; ++h) {
      double* a = val + h * d;
      double* e = err + h * d;
      const std::vector<double> before(a, a + d), eb(e, e + d);
      apply_rope(rope, d, p, a);
      for (uint32_t i = 0; i < d / 2; ++i) {
        const double cs = std::cos(p * rope.inv_freq[i]) * rope.concentration;
        const double sn = std::sin(p * rope.inv_freq[i]) * rope.concentration;
        const double x0 = before[i], x1 = before[i + d / 2];
        const double r4 =
            4 * u *
            (std::fabs(x0 * cs) + std::fabs(x1 * sn) + std::fabs(x1 * cs) + std::fabs(x0 * sn));
        e[i] = std::fabs(cs) * eb[i] + std::fabs(sn) * eb[i + d / 2] + r4;
        e[i + d / 2] = std::fabs(cs) * eb[i + d / 2] + std::fabs(sn) * eb[i] + r4;
      }
    }
  };
  for (uint32_t p = 0; p < positions; ++p) {
    rmsnorm(&x[static_cast<size_t>(p) * D], w.norm_gain.data(), D, w.eps, t.data());
    for (uint32_t r = 0; r < width; ++r) {
      decode_row(w.qkv, r, wrow.data(), wmag.data());
      double s = w.qkv_bias[r], m = std::fabs(w.qkv_bias[r]);
      for (uint32_t i = 0; i < D; ++i) s += wrow[i] * t[i], m += wmag[i] * std::fabs(t[i]);
      c[r] = s;
      dc[r] = ((D / 32 + 32) + (D + 8)) * u * m;
    }
    const size_t qo = static_cast<size_t>(p) * qw, ko = static_cast<size_t>(p) * kvw;
    std::copy(c.begin(), c.begin() + qw, q.begin() + qo);
    std::copy(dc.begin(), dc.begin() + qw, dq.begin() + qo);
    std::copy(c.begin() + qw, c.begin() + qw + kvw, k.begin() + ko);
    std::copy(dc.begin() + qw, dc.begin() + qw + kvw, dk.begin() + ko);
    std::copy(c.begin() + qw + kvw, c.end(), v.begin() + ko);
    std::copy(dc.begin() + qw + kvw, dc.end(), dv.begin() + ko);
    rotate(&q[qo], &dq[qo], sh.n_heads, p);
    rotate(&k[ko], &dk[ko], sh.n_kv_heads, p);
    for (uint32_t i = 0; i < qw; ++i) dq[qo + i] += u * std::fabs(q[qo + i]);
  }
  const AttentionResult a = attention(sh, q, positions, 0, k, v, w.sinks, kv_unit, {&dq, &dk, &dv});

  BlockResult r;
  r.out.resize(static_cast<size_t>(positions) * D);
  r.bound.resize(r.out.size());
  std::vector<float> orow(qw), omag(qw);
  for (uint32_t i = 0; i < D; ++i) {
    decode_row(w.out, i, orow.data(), omag.data());
    for (uint32_t p = 0; p < positions; ++p) {
      const double* ap = &a.out[static_cast<size_t>(p) * qw];
      const double* bp = &a.bound[static_cast<size_t>(p) * qw];
      double s = w.out_bias[i], m = std::fabs(w.out_bias[i]), carried = 0;
      for (uint32_t j = 0; j < qw; ++j)
        s += orow[j] * ap[j], m += omag[j] * std::fabs(ap[j]), carried += omag[j] * bp[j];
      const double xi = x[static_cast<size_t>(p) * D + i];
      r.out[static_cast<size_t>(p) * D + i] = xi + s;
      r.bound[static_cast<size_t>(p) * D + i] =
          carried + (qw / 32 + 32) * u * m + u * (std::fabs(xi) + std::fabs(s)) + 1e-30;
    }
  }
  return r;
}

}  // namespace ossvk::reference
