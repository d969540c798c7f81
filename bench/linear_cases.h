// f32_<fmt>w_matvec and f32_<fmt>w_matmul at gpt-oss shapes: verified against the CPU reference,
// then GPU-timed.
#pragma once
#include "bench_case.h"
#include "reference/tensor_format.h"

namespace ossvk::bench {

enum class LinearOp { matvec, matmul };

// n: activation columns (matvec, 1..8) or tokens (matmul).
Case linear_case(host::Device& device, host::Transfer& transfer, TensorFormat format, LinearOp op,
                 uint32_t m, uint32_t k, uint32_t n, int runs);

}  // namespace ossvk::bench
