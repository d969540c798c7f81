#include "backend/kernels/lora.h"

#include <algorithm>
#include <bit>
#include <string>

#include "shaders/kernel_names.h"
#include "shaders/lora_push.h"

namespace ossvk {
namespace {

static_assert(sizeof(shaders::LoraPush) == 80, "LoraPush must match its GLSL std430 layout");

// m [experts][out][in] against rows of x: the common part of A's and B's products.
host::Status encode(host::Device& device, host::CommandStream& stream, const host::Buffer& m,
                    uint32_t experts, uint32_t out, uint32_t in, const LoraRows& x,
                    uint32_t x_row_div, uint32_t rows, const host::Buffer* ids, const LoraRows& y,
                    bool accumulate, const char* which, const LoraSwiglu* swiglu) {
  auto fail = [&](const std::string& why) {
    return host::Status::error(std::string("f32_lora (") + which + "): " + why);
  };
  if (!m || !out || !in || !rows || !x_row_div || !x.buffer || !*x.buffer || !y.buffer ||
      !*y.buffer)
    return fail("empty matrix, rows or buffers");
  if (m.size() < uint64_t{experts} * out * in * 4) return fail("the matrix is short");
  if (experts > 1 && (!ids || ids->size() < uint64_t{rows} * 4))
    return fail("an expert adapter needs each row's expert id");
  if (x.offset + in > x.stride || y.offset + out > y.stride)
    return fail("a row's range exceeds its stride");
  const uint64_t x_rows = (uint64_t{rows} - 1) / x_row_div + 1;
  if (x.buffer->size() < x_rows * x.stride * 4 || y.buffer->size() < uint64_t{rows} * y.stride * 4)
    return fail("x or y is smaller than its rows");
  if (rows > 65535) return fail("more than 65535 rows in one step");
  if (swiglu && (!swiglu->up || swiglu->up->size() < x.buffer->size()))
    return fail("the SwiGLU's up input is smaller than x");
  const shaders::LoraSpec spec{.swiglu_alpha = swiglu ? swiglu->alpha : 1.702f,
                               .swiglu_limit = swiglu ? swiglu->limit : 7.0f};
  OSSVK_ASSIGN_OR_RETURN(
      const host::Pipeline* pipeline,
      device.pipelines().get(
          {std::string(swiglu ? kernel_names::f32_lora_swiglu : kernel_names::f32_lora),
           swiglu ? spec.words() : std::vector<uint32_t>{}, sizeof(shaders::LoraPush)}));
  // Lanes per output: about 16 products each, from one (B's rank-long rows) to the whole
  // workgroup (A's rows of the hidden width).
  const uint32_t lanes = std::clamp(std::bit_floor(std::max(1u, in / 16)), 1u, 64u);
  const uint32_t shift = std::countr_zero(lanes);
  shaders::LoraPush p{};
  p.m = m.address();
  p.x = x.buffer->address();
  p.y = y.buffer->address();
  // Read only where flags say so; some valid address either way.
  p.ids = ids ? ids->address() : x.buffer->address();
  p.x_up = swiglu ? swiglu->up->address() : x.buffer->address();
  p.outputs = out;
  p.inputs = in;
  p.x_row_div = x_row_div;
  p.x_stride = x.stride;
  p.x_offset = x.offset;
  p.y_stride = y.stride;
  p.y_offset = y.offset;
  p.lane_shift = shift;
  p.flags = (accumulate ? 1u : 0u) | (experts > 1 ? 2u : 0u);
  const uint32_t per_group = 64u >> shift;
  stream.dispatch(*pipeline, &p, (out + per_group - 1) / per_group, rows);
  return {};
}

}  // namespace

host::Status encode_lora_a(host::Device& device, host::CommandStream& stream, const LoraWeights& w,
                           const LoraRows& x, uint32_t x_row_div, uint32_t rows,
                           const host::Buffer* ids, const LoraRows& u, const LoraSwiglu* swiglu) {
  return encode(device, stream, w.a, w.experts, w.rank, w.in, x, x_row_div, rows, ids, u, false,
                "A", swiglu);
}

host::Status encode_lora_b(host::Device& device, host::CommandStream& stream, const LoraWeights& w,
                           const LoraRows& u, uint32_t rows, const host::Buffer* ids,
                           const LoraRows& y, bool accumulate) {
  return encode(device, stream, w.b, w.experts, w.out, w.rank, u, 1, rows, ids, y, accumulate, "B",
                nullptr);
}

}  // namespace ossvk
