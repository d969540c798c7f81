#include "reference/moe.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "reference/attention.h"
#include "reference/matmul.h"

namespace ossvk::reference {
namespace {

constexpr double kU = 0x1p-24;  // fp32 unit roundoff

struct Dot {
  double value = 0;
  double magnitude = 0;  // sum of |terms|
  double weighted = 0;   // sum_i |w_i| dv_i, for a given error vector dv
  double abs_w = 0;      // sum_i |w_i|
  double abs_v = 0;      // sum_i |v_i|
};

Dot dot_row(const TensorData& w, uint64_t row, const std::vector<double>& v,
            const std::vector<double>* dv) {
  std::vector<float> values(w.k), mags(w.k);
  decode_row(w, row, values.data(), mags.data());
  Dot d;
  for (uint64_t i = 0; i < w.k; ++i) {
    d.value += values[i] * v[i];
    d.magnitude += mags[i] * std::fabs(v[i]);
    if (dv) d.weighted += mags[i] * (*dv)[i];
    d.abs_w += mags[i];
    d.abs_v += std::fabs(v[i]);
  }
  return d;
}

// What tile products (shaders/mma.glsl) add to a dot product's error: both operands of each
// term within `rho` relative of their values (2^-13 rho absolute near zero) and the dropped
// lo x lo product, another rho of the term, with the input errors carried through weights that
// grew by up to rho: |w'v' - wv| <= (3 rho + rho^2)|w v| + 2^-13 rho (|w| + |v|) + 2^-49; and
// their fp32 sums run along all k terms (up to 2^-9 larger with the cross products), not the
// matvec's chain.
double operand_error(const Dot& d, double rho, uint64_t k) {
  if (rho == 0) return 0;
  const double kd = static_cast<double>(k);
  return (3 * rho + rho * rho) * d.magnitude + rho * d.weighted +
         0x1p-13 * rho * (d.abs_w + d.abs_v) + 0x1p-49 * kd +
         (kd + 3) * kU * (1 + 0x1p-9) * d.magnitude;
}

// fp32 roundings along the longest chain of a length-k matvec dot product
// (testdata/weights.h).
double matvec_chain(uint64_t k) {
  return static_cast<double>(k / 32 + 32);
}

}  // namespace

Route route(const double* logits, uint32_t experts, uint32_t k) {
  std::vector<uint32_t> order(experts);
  for (uint32_t e = 0; e < experts; ++e) order[e] = e;
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return logits[a] > logits[b]; });
  Route r;
  r.ids.assign(order.begin(), order.begin() + k);
  r.margin = k < experts ? logits[order[k - 1]] - logits[order[k]]
                         : std::numeric_limits<double>::infinity();
  double sum = 0;
  for (uint32_t e : r.ids) sum += std::exp(logits[e] - logits[r.ids[0]]);
  for (uint32_t e : r.ids) r.weights.push_back(std::exp(logits[e] - logits[r.ids[0]]) / sum);
  return r;
}

// The bound follows the error of an fp32 kernel chain through each step:
// - RMSNorm: each t_i is off by at most (D + 8) u relative (D-term sum of squares, rsqrt, scale);
// - a matvec row (router, gate, up, down) adds matvec_chain(K) u of its |terms| on top of the
//   error its inputs carry through |W|;
// - router logits off by delta move each softmax weight by a factor within e^(+-2 delta), plus
//   exp's (3 + 2|x|) ulp and 4k roundings;
// - SwiGLU passes gate and up errors through its derivatives, plus about 8 roundings of |a|;
// - the combine adds k + 1 roundings of |x| + sum_s w_s |y_s|.
MoeResult moe(const MoeWeights& w, const std::vector<float>& x, uint32_t tokens, uint32_t k,
              double operand_rounding) {
  const double rho = operand_rounding;
  const uint32_t E = w.experts, D = w.hidden, F = w.ff;
  MoeResult r;
  r.ids.resize(static_cast<size_t>(tokens) * k);
  r.weights.resize(r.ids.size());
  r.router_margin.resize(tokens);
  r.logit_bound.resize(tokens);
  r.out.resize(static_cast<size_t>(tokens) * D);
  r.bound.resize(r.out.size());
  std::vector<double> t(D), dt(D), logits(E), act(F), dact(F), y(D), dy(D);
  for (uint32_t tok = 0; tok < tokens; ++tok) {
    const float* xt = &x[static_cast<size_t>(tok) * D];
    rmsnorm(xt, w.norm_gain.data(), D, w.eps, t.data());
    for (uint32_t i = 0; i < D; ++i) dt[i] = (D + 8) * kU * std::fabs(t[i]);

    double logit_err = 0;
    for (uint32_t e = 0; e < E; ++e) {
      Dot d = dot_row(w.router, e, t, &dt);
      logits[e] = d.value + w.router_bias[e];
      logit_err = std::max(logit_err,
                           d.weighted + operand_error(d, rho, D) +
                               matvec_chain(D) * kU * (d.magnitude + std::fabs(w.router_bias[e])));
    }
    r.logit_bound[tok] = logit_err;
    const Route chosen = route(logits.data(), E, k);
    r.router_margin[tok] = chosen.margin;

    double* out = &r.out[static_cast<size_t>(tok) * D];
    double* bound = &r.bound[static_cast<size_t>(tok) * D];
    std::vector<double> size(D);  // |x| + sum_s w_s |y_s|
    for (uint32_t i = 0; i < D; ++i) out[i] = xt[i], size[i] = std::fabs(xt[i]), bound[i] = 0;
    for (uint32_t s = 0; s < k; ++s) {
      const uint32_t e = chosen.ids[s];
      const double xw = logits[e] - logits[chosen.ids[0]];
      const double weight = chosen.weights[s];
      const double dweight =
          weight * (std::expm1(2 * logit_err) + (5 + 2 * std::fabs(xw)) * kU + 4.0 * k * kU);
      r.ids[static_cast<size_t>(tok) * k + s] = e;
      r.weights[static_cast<size_t>(tok) * k + s] = weight;
      for (uint32_t j = 0; j < F; ++j) {
        const size_t b = static_cast<size_t>(e) * F + j;
        Dot g = dot_row(w.gate, uint64_t{e} * F + j, t, &dt),
            u = dot_row(w.up, uint64_t{e} * F + j, t, &dt);
        const double gate = g.value + w.gate_bias[b], up = u.value + w.up_bias[b];
        const double dgate = g.weighted + operand_error(g, rho, D) +
                             matvec_chain(D) * kU * (g.magnitude + std::fabs(w.gate_bias[b]));
        const double dup = u.weighted + operand_error(u, rho, D) +
                           matvec_chain(D) * kU * (u.magnitude + std::fabs(w.up_bias[b]));
        const double gc = std::min(gate, w.swiglu_limit),
                     uc = std::clamp(up, -w.swiglu_limit, w.swiglu_limit);
        const double sig = 1.0 / (1.0 + std::exp(-w.swiglu_alpha * gc));
        act[j] = gc * sig * (uc + 1.0);
        // Derivatives at the clamped values; a clamp only shrinks an error.
        const double da_dg =
            std::fabs(sig + w.swiglu_alpha * gc * sig * (1 - sig)) * std::fabs(uc + 1.0);
        const double da_du = std::fabs(gc * sig);
        dact[j] = da_dg * dgate + da_du * dup + 8 * kU * std::fabs(act[j]);
      }
      for (uint32_t i = 0; i < D; ++i) {
        const size_t b = static_cast<size_t>(e) * D + i;
        Dot d = dot_row(w.down, uint64_t{e} * D + i, act, &dact);
        y[i] = d.value + w.down_bias[b];
        dy[i] = d.weighted + operand_error(d, rho, F) +
                matvec_chain(F) * kU * (d.magnitude + std::fabs(w.down_bias[b]));
        out[i] += weight * y[i];
        size[i] += weight * std::fabs(y[i]);
        bound[i] += weight * dy[i] + dweight * std::fabs(y[i]);
      }
    }
    for (uint32_t i = 0; i < D; ++i) bound[i] += (k + 1) * kU * size[i] + 1e-30;
  }
  return r;
}

}  // namespace ossvk::reference
