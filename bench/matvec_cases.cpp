#include "matvec_cases.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "backend/kernels/matvec.h"
#include "support/gguf_random.h"

namespace ossvk::bench {

CaseResult bench_matvec(host::Device& device, host::Transfer& transfer, reference::GgufType type,
                        uint32_t m, uint32_t k, int runs) {
  const bool mxfp4 = type == reference::GgufType::mxfp4;
  const WeightFormat format = mxfp4 ? WeightFormat::mxfp4 : WeightFormat::q8_0;
  CaseResult r;
  r.name = mxfp4 ? "f32_mxfp4w_matvec" : "f32_q8_0w_matvec";
  r.shape = std::to_string(m) + "x" + std::to_string(k);
  const double weight_bytes = static_cast<double>(reference::gguf_matrix_bytes(type, m, k));
  r.bytes = weight_bytes + 4.0 * k + 8.0 * m;  // weights, x, bias and y
  r.flops = 2.0 * m * k;
  auto fail = [&](const host::Status& s) {
    r.error = s.to_string();
    return r;
  };

  testing::Rng rng(m * 31 + k);
  auto w = testing::random_gguf_matrix(type, m, k, testing::Data::realistic, rng);
  auto x = testing::random_vector(k, testing::Data::realistic, rng);
  auto bias = testing::random_vector(m, testing::Data::realistic, rng);

  // Enough copies of the weights to exceed any last-level cache, cycled through, so each run
  // streams its weights from memory as a decode step would.
  const int copies =
      static_cast<int>(std::clamp(std::ceil((256.0 * (1 << 20)) / weight_bytes), 1.0, 16.0));
  std::vector<DeviceMatrix> mats;
  for (int c = 0; c < copies; ++c) {
    auto dm = upload_gguf_matrix(device, transfer, format, w, m, k, r.name + " weights");
    if (!dm.ok()) return fail(dm.status());
    mats.push_back(std::move(dm).value());
  }
  auto alloc = [&](uint64_t n) {
    return device.allocator().allocate(n * 4, host::MemoryUse::device);
  };
  auto xb = alloc(k), bb = alloc(m), yb = alloc(m);
  if (!xb.ok() || !bb.ok() || !yb.ok())
    return fail(!xb.ok() ? xb.status() : !bb.ok() ? bb.status() : yb.status());
  if (auto s = transfer.upload(xb.value(), 0, x.data(), k * 4); !s.ok()) return fail(s);
  if (auto s = transfer.upload(bb.value(), 0, bias.data(), m * 4); !s.ok()) return fail(s);

  auto encode = [&](host::CommandStream& cs, int i) {
    const DeviceMatrix& dm = mats[static_cast<size_t>(i) % mats.size()];
    return mxfp4 ? encode_f32_mxfp4w_matvec(device, cs, dm, xb.value(), &bb.value(), yb.value())
                 : encode_f32_q8_0w_matvec(device, cs, dm, xb.value(), &bb.value(), yb.value());
  };

  // Verify once before timing.
  auto first = time_gpu(device, 1, encode);
  if (!first.ok()) return fail(first.status());
  std::vector<float> y(m);
  if (auto s = transfer.download(yb.value(), 0, y.data(), m * 4); !s.ok()) return fail(s);
  auto t0 = std::chrono::steady_clock::now();
  auto ref = reference::matvec(type, w, m, k, x, bias);
  r.cpu_reference_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  for (uint32_t i = 0; i < m; ++i) {
    double err = std::fabs(static_cast<double>(y[i]) - ref.y[i]) /
                 testing::matvec_error_bound(k, ref.abs_dot[i]);
    r.max_error = std::max(r.max_error, std::isnan(err) ? 1e30 : err);
  }
  r.verified = r.max_error <= 1.0;

  auto ms = time_gpu(device, runs, encode);
  if (!ms.ok()) return fail(ms.status());
  r.gpu_ms = ms.value();
  return r;
}

}  // namespace ossvk::bench
