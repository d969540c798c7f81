// f32_<fmt>w_matvec and f32_<fmt>w_matmul at gpt-oss shapes: verified against the CPU reference,
// then GPU-timed.
#include "bench_case.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "backend/formats/device_format.h"
#include "backend/kernels/matmul.h"
#include "backend/kernels/matvec.h"
#include "reference/matmul.h"
#include "reference/tensor_format.h"
#include "shaders/kernel_names.h"
#include "testdata/weights.h"

namespace ossvk::bench {
namespace {

enum class LinearOp { matvec, matmul };

CaseResult run_linear(host::Device& device, host::Transfer& transfer, TensorFormat format,
                      LinearOp op, uint32_t m, uint32_t k, uint32_t n, int runs, CaseResult r) {
  auto fail = [&](const host::Status& s) {
    r.error = s.to_string();
    return r;
  };

  testing::Rng rng(m * 31 + k);
  testing::HostMatrix w = testing::random_matrix(format, m, k, testing::Data::realistic, rng,
                                                 testing::usual_group(format));
  const double weight_bytes =
      static_cast<double>(w.data.size() + w.scales.size() + w.biases.size());
  r.bytes = weight_bytes + 4.0 * n * k + 4.0 * m + 4.0 * n * m;  // weights, x, bias, y
  r.flops = 2.0 * m * k * n;
  auto x = testing::random_vector(uint64_t{n} * k, testing::Data::realistic, rng);
  auto bias = testing::random_vector(m, testing::Data::realistic, rng);

  // Decode streams weights: enough copies to exceed any last-level cache, cycled through, so
  // each run reads its weights from memory as a decode step would. Prefill reuses one copy.
  const int copies =
      op == LinearOp::matmul
          ? 1
          : static_cast<int>(std::clamp(std::ceil(256.0 * (1 << 20) / weight_bytes), 1.0, 16.0));
  std::vector<DeviceMatrix> mats;
  for (int c = 0; c < copies; ++c) {
    auto dm = upload_matrix(device, transfer, w.view(), r.name + " weights");
    if (!dm.ok()) return fail(dm.status());
    mats.push_back(std::move(dm).value());
  }
  auto alloc = [&](uint64_t floats) {
    return device.allocator().allocate(floats * 4, host::MemoryUse::device);
  };
  auto xb = alloc(uint64_t{n} * k), bb = alloc(m), yb = alloc(uint64_t{n} * m);
  for (auto* b : {&xb, &bb, &yb})
    if (!b->ok()) return fail(b->status());
  if (auto s = transfer.upload(xb.value(), 0, x.data(), x.size() * 4); !s.ok()) return fail(s);
  if (auto s = transfer.upload(bb.value(), 0, bias.data(), bias.size() * 4); !s.ok())
    return fail(s);

  auto encode = [&](host::CommandStream& cs, int i) {
    const DeviceMatrix& dm = mats[static_cast<size_t>(i) % mats.size()];
    return op == LinearOp::matvec
               ? encode_matvec(device, cs, dm, xb.value(), n, &bb.value(), yb.value())
               : encode_matmul(device, cs, dm, xb.value(), n, &bb.value(), yb.value());
  };

  // Verify once before timing: every row of up to 8 tokens (first, last, and evenly between).
  auto first = time_gpu(device, 1, encode);
  if (!first.ok()) return fail(first.status());
  std::vector<float> y(uint64_t{n} * m);
  if (auto s = transfer.download(yb.value(), 0, y.data(), y.size() * 4); !s.ok()) return fail(s);
  const uint32_t checked = std::min(n, 8u);
  std::vector<uint32_t> tokens;
  std::vector<float> xs;
  for (uint32_t i = 0; i < checked; ++i) {
    uint32_t t = checked == 1 ? 0 : static_cast<uint32_t>(uint64_t{i} * (n - 1) / (checked - 1));
    tokens.push_back(t);
    xs.insert(xs.end(), x.begin() + uint64_t{t} * k, x.begin() + uint64_t{t + 1} * k);
  }
  auto t0 = std::chrono::steady_clock::now();
  auto ref = reference::matmul(w.view(), xs, checked, bias);
  double ref_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  r.cpu_reference_ms = ref_ms * n / checked;  // the reference is linear in tokens
  // Tile products' bound needs each row's sum_i |w_i| and each checked token's sum_i |x_i|.
  const bool tiles = op == LinearOp::matmul && device.mma() != host::Mma::none;
  const std::vector<double> abs_w = tiles ? testing::abs_row_sums(w.view()) : std::vector<double>{};
  const std::vector<double> abs_x = testing::abs_row_sums(xs, k);
  for (uint32_t i = 0; i < checked; ++i)
    for (uint32_t row = 0; row < m; ++row) {
      double got = y[uint64_t{tokens[i]} * m + row];
      const double abs_dot = ref.abs_dot[uint64_t{i} * m + row];
      double bound = op == LinearOp::matvec ? testing::matvec_error_bound(k, abs_dot)
                     : tiles ? testing::mma_error_bound(k, abs_dot, abs_w[row], abs_x[i])
                             : testing::matmul_error_bound(k, abs_dot);
      double err = std::fabs(got - ref.y[uint64_t{i} * m + row]) / bound;
      note_error(r, err);
    }
  return verify_and_time(r, device, runs, encode);
}

Case linear_case(host::Device& device, host::Transfer& transfer, TensorFormat format, LinearOp op,
                 uint32_t m, uint32_t k, uint32_t n, int runs) {
  const DeviceFormat f = device_format_of(format);
  return {op == LinearOp::matvec ? kernel_for(kernel_names::matvec, f) : matmul_kernel(device, f),
          // The matmul's cases name their columns even at one, apart from the matvec's: it reads
          // one copy of the weights (in the last-level cache where they fit), the matvec cycles
          // through copies as a decode step reads them (run_linear).
          std::to_string(m) + "x" + std::to_string(k) +
              (op == LinearOp::matmul || n > 1 ? " n=" + std::to_string(n) : ""),
          [&device, &transfer, format, op, m, k, n, runs](CaseResult r) {
            return run_linear(device, transfer, format, op, m, k, n, runs, std::move(r));
          }};
}

// Decode shapes (fused QKV, hidden, an FFN-sized matrix) and prefill at 512 tokens, or --shape's
// (its matvec too where N <= 8), in every weight format. The K-quants, whose rows are whole
// super-blocks of 256, take the shapes they fit and gpt-oss's attention output (2880 x 4096,
// the one matrix llama-quantize gives them there) instead of 2880-wide rows.
std::vector<Case> linear_cases(const CaseOptions& o) {
  struct Shape {
    LinearOp op;
    uint32_t m, k, n;
    int runs;
  };
  std::vector<Shape> shapes = {{LinearOp::matvec, 2880, 2880, 1, o.runs},
                               {LinearOp::matvec, 5120, 2880, 1, o.runs},
                               {LinearOp::matvec, 4096, 14336, 1, o.runs},
                               {LinearOp::matmul, 2880, 2880, 512, o.prefill_runs}};
  if (o.m) {
    shapes = {{LinearOp::matmul, o.m, o.k, o.n, o.n > 8 ? o.prefill_runs : o.runs}};
    if (o.n <= 8) shapes.insert(shapes.begin(), {LinearOp::matvec, o.m, o.k, o.n, o.runs});
  }
  const TensorFormat formats[] = {
      TensorFormat::mxfp4,       TensorFormat::q8_0,        TensorFormat::q5_0,
      TensorFormat::q4_0,        TensorFormat::bf16,        TensorFormat::f16,
      TensorFormat::f32,         TensorFormat::mlx_affine8, TensorFormat::mlx_affine4,
      TensorFormat::q4_1,        TensorFormat::q5_1,        TensorFormat::iq4_nl,
      TensorFormat::q4_k,        TensorFormat::q5_k,        TensorFormat::q6_k,
      TensorFormat::iq4_xs,      TensorFormat::q3_k,        TensorFormat::q2_k,
      TensorFormat::mlx_affine6, TensorFormat::mlx_affine5, TensorFormat::mlx_affine3,
      TensorFormat::mlx_affine2};
  std::vector<Case> cases;
  for (TensorFormat f : formats) {
    const uint32_t block = tensor_format_info(f).block_elements;
    std::vector<Shape> fitting;
    for (const Shape& s : shapes)
      if (s.k % block == 0) fitting.push_back(s);
    if (block > 32 && !o.m)
      fitting.insert(fitting.begin(), {{LinearOp::matvec, 2880, 4096, 1, o.runs},
                                       {LinearOp::matmul, 2880, 4096, 512, o.prefill_runs}});
    for (const Shape& s : fitting)
      cases.push_back(linear_case(o.device, o.transfer, f, s.op, s.m, s.k, s.n, s.runs));
  }
  return cases;
}
const RegisterCases registered(10, linear_cases);

}  // namespace
}  // namespace ossvk::bench
