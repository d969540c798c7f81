#include "support/matvec_tester.h"

#include <cmath>

#include "backend/kernels/matvec.h"

namespace ossvk::testing {

std::vector<float> MatvecTester::run() {
  Gpu& g = gpu();
  host::Device& device = *g.device;
  host::Transfer& transfer = *g.transfer;
  Rng rng(seed_ * 1000003 + m_ * 31 + k_);
  if (weights_.empty()) weights_ = random_gguf_matrix(type_, m_, k_, data_, rng);
  if (x_.empty()) x_ = random_vector(k_, data_, rng);
  std::vector<float> bias = bias_ ? random_vector(m_, data_, rng) : std::vector<float>{};

  const bool mxfp4 = type_ == reference::GgufType::mxfp4;
  const WeightFormat format = mxfp4 ? WeightFormat::mxfp4 : WeightFormat::q8_0;
  auto w = upload_gguf_matrix(device, transfer, format, weights_, m_, k_, "test weights");
  EXPECT_TRUE(w.ok()) << w.status().to_string();
  if (!w.ok()) return {};
  auto alloc = [&](size_t n) {
    return device.allocator().allocate(n * 4, host::MemoryUse::device);
  };
  auto xb = alloc(k_), yb = alloc(m_), bb = alloc(m_);
  EXPECT_TRUE(xb.ok() && yb.ok() && bb.ok());
  if (!xb.ok() || !yb.ok() || !bb.ok()) return {};
  EXPECT_TRUE(transfer.upload(xb.value(), 0, x_.data(), k_ * 4ull).ok());
  if (bias_) {
    EXPECT_TRUE(transfer.upload(bb.value(), 0, bias.data(), m_ * 4ull).ok());
  }
  // Fill y with NaN so a row the kernel never writes cannot pass.
  std::vector<float> y(m_, std::nanf(""));
  EXPECT_TRUE(transfer.upload(yb.value(), 0, y.data(), m_ * 4ull).ok());

  auto stream = host::CommandStream::create(device);
  EXPECT_TRUE(stream.ok());
  if (!stream.ok()) return {};
  auto& cs = *stream.value();
  EXPECT_TRUE(cs.begin().ok());
  const host::Buffer* bias_buf = bias_ ? &bb.value() : nullptr;
  host::Status s =
      mxfp4 ? encode_f32_mxfp4w_matvec(device, cs, w.value(), xb.value(), bias_buf, yb.value())
            : encode_f32_q8_0w_matvec(device, cs, w.value(), xb.value(), bias_buf, yb.value());
  EXPECT_TRUE(s.ok()) << s.to_string();
  s = cs.submit_and_wait();
  EXPECT_TRUE(s.ok()) << s.to_string();
  EXPECT_TRUE(transfer.download(yb.value(), 0, y.data(), m_ * 4ull).ok());

  auto ref = reference::matvec(type_, weights_, m_, k_, x_, bias);
  int reported = 0;
  for (uint32_t i = 0; i < m_; ++i) {
    bool nan_expected = std::isnan(ref.y[i]);
    bool good;
    double bound = data_ == Data::exact ? 0.0 : matvec_error_bound(k_, ref.abs_dot[i]);
    if (nan_expected)
      good = std::isnan(y[i]);
    else if (data_ == Data::exact)
      good = y[i] == ref.y[i];
    else
      good = std::fabs(static_cast<double>(y[i]) - ref.y[i]) <= bound;
    if (!good && reported++ < 5)
      ADD_FAILURE() << "row " << i << " of " << m_ << "x" << k_ << ": gpu " << y[i]
                    << ", reference " << ref.y[i] << ", |diff| "
                    << std::fabs(static_cast<double>(y[i]) - ref.y[i]) << " > bound " << bound
                    << " (|rel| " << std::fabs((static_cast<double>(y[i]) - ref.y[i]) / ref.y[i])
                    << ")";
  }
  return y;
}

}  // namespace ossvk::testing
