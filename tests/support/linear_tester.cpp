#include "support/linear_tester.h"

#include <cmath>
#include <sstream>

#include "backend/kernels/matmul.h"
#include "backend/kernels/matvec.h"
#include "reference/attention.h"
#include "reference/matmul.h"

namespace ossvk::testing {

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
  host::Status s =
      op_ == Op::matvec
          ? encode_matvec(device, cs, w.value(), xb.value(), n_, bias_buf, yb.value(), accumulate_,
                          {}, norm_ ? &norm : nullptr)
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
    bool good = std::isnan(ref.y[i]) ? std::isnan(y[i])
                                     : (data_ == Data::exact ? y[i] == ref.y[i] : diff <= bound);
    if (bound > 0) worst = std::max(worst, diff / bound);
    if (!good && reported++ < 5)
      ADD_FAILURE() << "token " << i / m_ << " row " << i % m_ << ": gpu " << y[i] << ", reference "
                    << ref.y[i] << ", |diff| " << diff << " > bound " << bound << " (|rel| "
                    << diff / std::fabs(ref.y[i]) << ")";
  }
  ::testing::Test::RecordProperty("worst_error_over_bound", std::to_string(worst));
  return y;
}

}  // namespace ossvk::testing
