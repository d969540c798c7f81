#include "backend/kernels/attention_mma.h"

#include "backend/kernels/mma.h"
#include "shaders/kernel_names.h"

namespace ossvk {
namespace {

constexpr uint32_t kRows = 32, kKeys = 16;  // shaders/attention_mma.comp's tile

}  // namespace

uint32_t attention_mma_shared_bytes(uint32_t head_dim) {
  const uint32_t q_stride = head_dim + 8, p_stride = kKeys + 8;
  const uint32_t a = kRows * (q_stride + p_stride), b = kKeys * q_stride + head_dim * p_stride;
  return 4 * (a + b + 2 * 2 * 256 + kRows);
}

bool attention_mma_runs(const host::Device& device, const AttentionDims& d) {
  return device.mma() != host::Mma::none && d.head_dim % 16 == 0 &&
         attention_mma_shared_bytes(d.head_dim) <= device.info().max_shared_memory;
}

std::string attention_mma_kernel(const host::Device& device, bool f16_cache) {
  namespace k = kernel_names;
  return f16_cache
             ? mma_kernel(device, k::f32_f16kv_attention_mma, k::f32_f16kv_attention_mma_emulated)
             : mma_kernel(device, k::f32_attention_mma, k::f32_attention_mma_emulated);
}

host::Status encode_attention_mma(host::Device& device, host::CommandStream& stream,
                                  const AttentionDims& d, bool f16_cache,
                                  const shaders::AttentionPush& push) {
  const std::string kernel = attention_mma_kernel(device, f16_cache);
  if (d.head_dim % 16 != 0)
    return host::Status::error(kernel + ": heads of " + std::to_string(d.head_dim) +
                               " are not a multiple of 16");
  const uint32_t group = d.heads / d.kv_heads;
  const uint64_t tiles = (uint64_t{push.tokens} * group + kRows - 1) / kRows;
  if (tiles > 65535)
    return host::Status::error(kernel + ": " + std::to_string(push.tokens) +
                               " tokens exceed one dispatch");
  OSSVK_ASSIGN_OR_RETURN(
      const host::Pipeline* pipeline,
      mma_pipeline(device, kernel, shaders::AttentionMmaSpec{d.head_dim, group}.words(),
                   sizeof(shaders::AttentionPush), attention_mma_shared_bytes(d.head_dim)));
  stream.dispatch(*pipeline, &push, static_cast<uint32_t>(tiles), d.kv_heads);
  return {};
}

}  // namespace ossvk
