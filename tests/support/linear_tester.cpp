#include "support/linear_tester.h"

#include <cmath>
#include <sstream>

#include "backend/kernels/matmul.h"
#include "backend/kernels/matvec.h"
#include "backend/kernels/rope_kv_write.h"
#include "reference/attention.h"
#include "reference/blocks.h"
#include "reference/matmul.h"

namespace ossvk::testing {
namespace {

// What the matvec's RoPE epilogue writes to, NaN until it does, and where that is.
struct RopeOutputs {
  RopeTable table;
  KvCache cache;
  host::Buffer q, target, position;
};

host::Result<RopeOutputs> make_rope_outputs(host::Device& device, host::Transfer& transfer,
                                            const RopeCase& rc, uint32_t n) {
  const AttentionDims& d = rc.dims;
  const uint32_t capacity = rc.capacity ? rc.capacity : rc.first_pos + n;
  RopeOutputs o;
  OSSVK_ASSIGN_OR_RETURN(o.table,
                         upload_rope_table(device, transfer, YarnParams{}, d.head_dim, capacity));
  OSSVK_ASSIGN_OR_RETURN(o.cache, create_kv_cache(device, d, capacity, n, rc.f16));
  auto alloc = [&](uint64_t bytes) {
    return device.allocator().allocate(bytes, host::MemoryUse::device);
  };
  const uint64_t q_floats = uint64_t{n} * d.heads * d.head_dim,
                 cache_values = uint64_t{o.cache.ring} * d.kv_heads * d.head_dim;
  OSSVK_ASSIGN_OR_RETURN(o.q, alloc(q_floats * 4));
  const std::vector<float> nan(std::max(q_floats, cache_values), std::nanf(""));
  const std::vector<uint16_t> nan16(cache_values, 0x7E00);
  OSSVK_RETURN_IF_ERROR(transfer.upload(o.q, 0, nan.data(), q_floats * 4));
  for (host::Buffer* cache : {&o.cache.k, &o.cache.v})
    OSSVK_RETURN_IF_ERROR(rc.f16 ? transfer.upload(*cache, 0, nan16.data(), cache_values * 2)
                                 : transfer.upload(*cache, 0, nan.data(), cache_values * 4));
  const shaders::RopeTarget target = rope_target(d, o.table, o.q, o.cache);
  OSSVK_ASSIGN_OR_RETURN(o.target, alloc(sizeof target));
  OSSVK_RETURN_IF_ERROR(transfer.upload(o.target, 0, &target, sizeof target));
  OSSVK_ASSIGN_OR_RETURN(o.position, alloc(4));
  OSSVK_RETURN_IF_ERROR(transfer.upload(o.position, 0, &rc.first_pos, 4));
  return o;
}

// The epilogue's q and cache against the reference outputs ref_y [n][m] rotated in double, each
// within its output's bound carried through the rotation plus the rotation's own rounding.
void check_rope_outputs(host::Transfer& transfer, const RopeCase& rc, RopeOutputs& o, uint32_t n,
                        uint32_t m, const std::vector<float>& ref_y,
                        const std::vector<double>& bounds) {
  const AttentionDims& d = rc.dims;
  auto read_back = [&]<class T>(const host::Buffer& b, uint64_t count, T) {
    std::vector<T> out(count);
    EXPECT_TRUE(transfer.download(b, 0, out.data(), count * sizeof(T)).ok());
    return out;
  };
  const uint32_t D = d.head_dim, half = D / 2, qw = d.heads * D, kvw = d.kv_heads * D;
  const uint64_t cache_values = uint64_t{o.cache.ring} * kvw;
  const auto q = read_back(o.q, uint64_t{n} * qw, 0.0f);
  std::vector<float> k(cache_values), v(cache_values);
  if (rc.f16) {
    const auto k16 = read_back(o.cache.k, cache_values, uint16_t{});
    const auto v16 = read_back(o.cache.v, cache_values, uint16_t{});
    for (uint64_t i = 0; i < cache_values; ++i)
      k[i] = reference::f16_to_f32(k16[i]), v[i] = reference::f16_to_f32(v16[i]);
  } else {
    k = read_back(o.cache.k, cache_values, 0.0f);
    v = read_back(o.cache.v, cache_values, 0.0f);
  }
  const YarnParams yarn;
  const reference::Rope ref = reference::yarn_rope(
      {yarn.theta, yarn.factor, yarn.original_context, yarn.beta_fast, yarn.beta_slow}, D);
  constexpr double u = 0x1p-24;  // fp32 unit roundoff
  // As tests/rope_kv_write_test.cpp derives it: the rotation within 4u of |a cos| + |b sin|, q's
  // scale 2u more, an f16 cache's rounding (2^-11 relative, 2^-25 absolute below its normal
  // range) of a value already off by the carried error.
  const double q_scale = 1.0 / std::sqrt(static_cast<double>(D));
  const double store = rc.f16 ? 0x1p-11 : 0.0, store_abs = rc.f16 ? 0x1p-25 : 0.0;
  int reported = 0;
  auto expect = [&](float got, double want, double bound, const char* what, uint32_t t,
                    uint32_t i) {
    if (!(std::fabs(got - want) <= bound) && reported++ < 5)
      ADD_FAILURE() << what << " element " << i << " of token " << t << ": gpu " << got
                    << ", reference " << want << ", bound " << bound;
  };
  for (uint32_t t = 0; t < n; ++t) {
    const uint32_t pos = rc.first_pos + t;
    const uint64_t slot = uint64_t{pos % o.cache.ring} * kvw, row = uint64_t{t} * m;
    for (uint32_t r = 0; r < qw + kvw; ++r) {  // q and k: r is one element of a pair
      const uint32_t j = r % D % half, first = r - r % D + j, second = first + half;
      const bool is_first = r == first;
      const double a = ref_y[row + first], b = ref_y[row + second];
      const double c0 = std::cos(pos * ref.inv_freq[j]) * ref.concentration;
      const double s0 = std::sin(pos * ref.inv_freq[j]) * ref.concentration;
      const double want = is_first ? a * c0 - b * s0 : b * c0 + a * s0;
      const double carried = std::fabs(is_first ? c0 : s0) * bounds[row + first] +
                             std::fabs(is_first ? s0 : c0) * bounds[row + second];
      const double size =
          is_first ? std::fabs(a * c0) + std::fabs(b * s0) : std::fabs(b * c0) + std::fabs(a * s0);
      if (r < qw) {
        expect(q[uint64_t{t} * qw + r], want * q_scale, (carried + 6 * u * size) * q_scale, "q", t,
               r);
      } else {
        const double bound =
            carried + 4 * u * size + store * (std::fabs(want) + carried) + store_abs;
        expect(k[slot + r - qw], want, bound, "k", t, r - qw);
      }
    }
    for (uint32_t i = 0; i < kvw; ++i) {
      const double want = ref_y[row + qw + kvw + i], carried = bounds[row + qw + kvw + i];
      expect(v[slot + i], want, carried + store * (std::fabs(want) + carried) + store_abs, "v", t,
             i);
    }
  }
}

}  // namespace

std::vector<float> LinearTester::run() {
  AccessDevice& g = tile_products_  ? gpu_with_tile_products()
                    : matvec_split_ ? gpu_with_matvec_split(matvec_split_)
                                    : gpu_with(access_);
  if (!g.transfer) {
    ADD_FAILURE() << "no GPU";
    return {};
  }
  host::Device& device = *g.device;
  host::Transfer& transfer = *g.transfer;
  if (!weights_) k_ = whole_blocks(format_, k_);
  Rng rng(seed_ * 1000003 + m_ * 31 + k_ * 7 + n_);
  if (!weights_) weights_ = random_matrix(format_, m_, k_, data_, rng, group_, scale_dtype_);
  if (x_.empty()) x_ = random_vector(uint64_t{n_} * k_, data_, rng);
  std::vector<float> bias = bias_ ? random_vector(m_, data_, rng) : std::vector<float>{};
  std::ostringstream what;
  what << tensor_format_info(format_).name << " " << (op_ == Op::matvec ? "matvec" : "matmul")
       << " M=" << m_ << " K=" << k_ << " N=" << n_ << (bias_ ? " +bias" : "")
       << (data_ == Data::exact ? " exact" : " random")
       << (device.prefers_descriptors() ? " (descriptors)" : " (addresses)")
       << (matvec_split_ ? " split " + std::to_string(matvec_split_) : std::string())
       << (norm_ ? " normalising x" : "") << mma_name(device.mma());
  if (rope_)
    what << " into q and a" << (rope_->f16 ? "n f16" : "n f32") << " cache from position "
         << rope_->first_pos << (rope_->replay ? " (replayed)" : "");
  SCOPED_TRACE(what.str());

  UploadOptions options;
  options.max_part_bytes = max_part_bytes_;
  auto w = upload_matrix(device, transfer, weights_->view(), "test weights", options);
  EXPECT_TRUE(w.ok()) << w.status().to_string();
  if (!w.ok()) return {};
  auto alloc = [&](uint64_t floats) {
    return device.allocator().allocate(floats * 4, host::MemoryUse::device);
  };
  auto xb = alloc(uint64_t{n_} * k_), yb = alloc(uint64_t{n_} * m_), bb = alloc(m_);
  EXPECT_TRUE(xb.ok() && yb.ok() && bb.ok());
  if (!xb.ok() || !yb.ok() || !bb.ok()) return {};
  EXPECT_TRUE(transfer.upload(xb.value(), 0, x_.data(), x_.size() * 4).ok());
  if (bias_) {
    EXPECT_TRUE(transfer.upload(bb.value(), 0, bias.data(), bias.size() * 4).ok());
  }
  // y starts as NaN so an output the kernel never writes cannot pass, or as a residual.
  std::vector<float> y(uint64_t{n_} * m_, std::nanf(""));
  if (accumulate_) y = random_vector(y.size(), data_, rng);
  const std::vector<float> residual = y;
  EXPECT_TRUE(transfer.upload(yb.value(), 0, y.data(), y.size() * 4).ok());

  auto stream = host::CommandStream::create(device);
  EXPECT_TRUE(stream.ok());
  if (!stream.ok()) return {};
  auto& cs = *stream.value();
  EXPECT_TRUE(cs.begin().ok());
  const host::Buffer* bias_buf = bias_ ? &bb.value() : nullptr;
  // RMSNorm's gain, and x as the reference then sees it: each column normalised in double.
  constexpr double kEps = 1e-5;
  std::vector<float> gain(k_), x = x_;
  auto gb = alloc(norm_ ? k_ : 4);
  EXPECT_TRUE(gb.ok());
  if (norm_ && gb.ok()) {
    for (float& g : gain) g = std::uniform_real_distribution<float>(0.5f, 1.5f)(rng);
    EXPECT_TRUE(transfer.upload(gb.value(), 0, gain.data(), gain.size() * 4).ok());
    std::vector<double> t(k_);
    for (uint32_t c = 0; c < n_; ++c) {
      reference::rmsnorm(&x_[uint64_t{c} * k_], gain.data(), k_, kEps, t.data());
      for (uint32_t i = 0; i < k_; ++i) x[uint64_t{c} * k_ + i] = static_cast<float>(t[i]);
    }
  }
  const MatvecNorm norm{gb.ok() ? &gb.value() : nullptr, static_cast<float>(kEps)};
  RopeOutputs rope_out;
  MatvecRope rope;
  if (rope_) {
    auto made = make_rope_outputs(device, transfer, *rope_, n_);
    EXPECT_TRUE(made.ok()) << made.status().to_string();
    if (!made.ok()) return {};
    rope_out = std::move(made.value());
    const bool replay = rope_->replay;
    const ReplayPosition position{&rope_out.position, rope_out.cache.capacity};
    const host::Status checked =
        check_rope_step(n_, replay ? 0 : rope_->first_pos, rope_->dims, rope_out.table,
                        rope_out.cache, replay ? &position : nullptr);
    EXPECT_TRUE(checked.ok()) << checked.to_string();
    rope = {&rope_out.target, 0, rope_->dims.head_dim, replay ? 0 : rope_->first_pos,
            replay ? &rope_out.position : nullptr};
  }
  host::Status s =
      op_ == Op::matvec
          ? encode_matvec(device, cs, w.value(), xb.value(), n_, bias_buf, yb.value(), accumulate_,
                          {}, norm_ ? &norm : nullptr, rope_ ? &rope : nullptr)
          : encode_matmul(device, cs, w.value(), xb.value(), n_, bias_buf, yb.value(), accumulate_);
  EXPECT_TRUE(s.ok()) << s.to_string();
  s = cs.submit_and_wait();
  EXPECT_TRUE(s.ok()) << s.to_string();
  EXPECT_TRUE(transfer.download(yb.value(), 0, y.data(), y.size() * 4).ok());

  auto ref = reference::matmul(weights_->view(), x, n_, bias);
  if (accumulate_)
    for (size_t i = 0; i < ref.y.size(); ++i) {
      // One more rounding: the add of the residual (and the residual's size joins the sum).
      ref.abs_dot[i] += std::fabs(residual[i]);
      ref.y[i] = static_cast<float>(static_cast<double>(ref.y[i]) + residual[i]);
    }
  // Tile products' bound needs each row's sum_i |w_i| and each token's sum_i |x_i|.
  const std::vector<double> abs_w =
      tile_products_ ? abs_row_sums(weights_->view()) : std::vector<double>{};
  const std::vector<double> abs_x = abs_row_sums(x_, k_);
  int reported = 0;
  double worst = 0;
  std::vector<double> bounds(rope_ ? y.size() : 0);
  for (uint64_t i = 0; i < y.size(); ++i) {
    double diff = std::fabs(static_cast<double>(y[i]) - ref.y[i]);
    double bound = data_ == Data::exact ? 0.0
                   : tile_products_
                       ? mma_error_bound(k_, ref.abs_dot[i], abs_w[i % m_], abs_x[i / m_])
                   : op_ == Op::matvec ? matvec_error_bound(k_, ref.abs_dot[i])
                                       : matmul_error_bound(k_, ref.abs_dot[i]);
    // The norm: each normalised input lies within (k + 8)u relative of its value (the k-term sum
    // of squares, the root's 2 ulp, the gain's and the final scale's roundings), one more u for
    // the reference's own rounding of it to float: (k + 9)u of sum |w x| on top.
    if (norm_) bound += (k_ + 9) * 0x1p-24 * ref.abs_dot[i];
    if (rope_) {  // y was never written: its outputs went through the epilogue
      bounds[i] = bound;
      continue;
    }
    bool good = std::isnan(ref.y[i]) ? std::isnan(y[i])
                                     : (data_ == Data::exact ? y[i] == ref.y[i] : diff <= bound);
    if (bound > 0) worst = std::max(worst, diff / bound);
    if (!good && reported++ < 5)
      ADD_FAILURE() << "token " << i / m_ << " row " << i % m_ << ": gpu " << y[i] << ", reference "
                    << ref.y[i] << ", |diff| " << diff << " > bound " << bound << " (|rel| "
                    << diff / std::fabs(ref.y[i]) << ")";
  }
  if (rope_) {
    check_rope_outputs(transfer, *rope_, rope_out, n_, m_, ref.y, bounds);
    return {};
  }
  ::testing::Test::RecordProperty("worst_error_over_bound", std::to_string(worst));
  return y;
}

}  // namespace ossvk::testing
