// Deterministic weight matrices in every file layout, for tests and benchmarks. Two kinds:
// - realistic: scales and values in the ranges real gpt-oss weights use (MLX scales of both signs);
// - exact: power-of-two scales and small dyadic values, chosen so every product and partial sum
//   of a K <= 16384 dot product with exact activations is exactly representable in fp32: any
//   summation order then gives the reference's answer bit for bit, and a wrong index cannot hide
//   inside a tolerance.
#pragma once
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "reference/tensor_format.h"

namespace ossvk::testing {

enum class Data { realistic, exact };

using Rng = std::mt19937_64;

struct HostMatrix {
  TensorFormat format = TensorFormat::f32;
  uint64_t m = 0, k = 0;
  uint32_t group_size = 32;
  ScaleDtype scale_dtype = ScaleDtype::bf16;
  std::vector<uint8_t> data, scales, biases;

  TensorData view() const { return {format, m, k, data, scales, biases, group_size, scale_dtype}; }
};

// k rounded up to whole blocks of `format` (the K-quants' 256): the tests' shapes, written for
// blocks of 32, as such a format can hold them.
inline uint32_t whole_blocks(TensorFormat format, uint32_t k) {
  const uint32_t block = tensor_format_info(format).block_elements;
  return (k + block - 1) / block * block;
}

// The group size checkpoints use: mlx-lm's default of 64 for MLX affine (others ignore it).
inline uint32_t usual_group(TensorFormat format) {
  return tensor_format_info(format).affine ? 64 : 32;
}

// `v` stored at `out` as an MLX affine scale or bias of `dtype` (2 or 4 bytes, little-endian);
// returns the value as stored.
float store_scale(ScaleDtype dtype, float v, uint8_t* out);

HostMatrix random_matrix(TensorFormat format, uint64_t m, uint64_t k, Data data, Rng& rng,
                         uint32_t group_size = 32, ScaleDtype scale_dtype = ScaleDtype::bf16);

// realistic: uniform in [-1, 1); exact: drawn from {0, +-0.5, +-1, +-2}.
std::vector<float> random_vector(uint64_t n, Data data, Rng& rng);

// The same logical MXFP4 matrix as OpenAI/HF safetensors (and MLX) store it: linear nibble order
// with the scales apart. Written independently of backend/formats.
HostMatrix gguf_mxfp4_to_linear(const HostMatrix& gguf);

// Bounds on |fp32 result - exact result| for one output whose terms have magnitudes summing to
// abs_dot (reference::MatmulResult::abs_dot). Each fp32 rounding along the longest chain of
// dependent operations adds at most one unit roundoff u = 2^-24 of a partial sum no larger than
// abs_dot:
// - matvec: per 32-element block 8 vec4 FMAs, 3 horizontal adds, the scale and offset terms
//   (<= 14 roundings, 11 more for the activation sum of affine formats), then one add per block
//   a lane owns (<= K/32), a subgroup tree and the bias: K/32 + 32 covers every subgroup size;
// - matmul: one sequential FMA per k plus the decode of the weight and the bias: K + 3.
double matvec_error_bound(uint64_t k, double abs_dot);
double matmul_error_bound(uint64_t k, double abs_dot);
// The same on tile products (shaders/mma.glsl), which hold each operand as two fp16 parts within
// rho = kMmaOperandRounding of it (2^-35 absolute near zero) and leave out the lo x lo product,
// another rho of the term: |computed - wx| <= (3 rho + rho^2)|wx| + 2^-35 (|w| + |x|) + 2^-49
// per term, then fp32 sums of terms up to 2^-9 larger (the cross products' own sum is 2^-10
// of the main one). abs_w, abs_x: sum_i |w_i|, sum_i |x_i|.
inline constexpr double kMmaOperandRounding = 0x1p-22;
double mma_error_bound(uint64_t k, double abs_dot, double abs_w, double abs_x);
// mma_error_bound's sums: sum_i |w_i| of each row of w (each element's magnitude, as
// reference::decode_row gives it), and sum_i |x_i| of each of the rows of k values in x.
std::vector<double> abs_row_sums(const TensorData& w);
std::vector<double> abs_row_sums(std::span<const float> x, uint64_t k);

}  // namespace ossvk::testing
