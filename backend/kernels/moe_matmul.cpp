#include "backend/kernels/moe_matmul.h"

#include <algorithm>
#include <string>

#include "backend/kernels/matmul.h"
#include "backend/kernels/matmul_mma.h"
#include "shaders/kernel_names.h"
#include "shaders/moe_matmul_push.h"

namespace ossvk {
namespace {

static_assert(sizeof(shaders::MoeMatmulPush) == 112,
              "MoeMatmulPush must match its GLSL std430 layout");

// The grouped expert matmul's tile: tile_n pairs (one expert's), chosen per step by
// moe_matmul_tile. Its columns are whatever pairs chose the expert, so a tile wider than an
// expert's pairs multiplies zeros; narrower tiles keep the per-invocation register tile with
// fewer invocations along the pairs (taller row bands on CPUs, fewer tokens per lane on GPUs).
MatmulTiling moe_tiling(const host::DeviceInfo& info, uint32_t tile_n) {
  MatmulTiling t = matmul_tiling(info);
  const uint32_t dense_lanes = t.tile_n / t.thread_n;
  if (info.type == VK_PHYSICAL_DEVICE_TYPE_CPU) {
    if (tile_n < t.tile_n) {  // fewer lanes of 16 pairs, taller bands: 64 pairs x 128 rows
      const uint32_t lanes = std::max(1u, tile_n / t.thread_n);
      t.tile_n = lanes * t.thread_n;
      t.tile_m = std::min(4u, 16 / lanes) * t.thread_m;  // lavapipe: 32 KiB of shared memory
      t.subgroup_size = 0;
    }
  } else {
    t.thread_n = std::clamp(tile_n / dense_lanes, 1u, t.thread_n);
    t.tile_n = dense_lanes * t.thread_n;
  }
  return t;
}

}  // namespace

uint32_t moe_matmul_tile(const host::Device& device, uint32_t pairs, uint32_t experts) {
  if (device.mma() != host::Mma::none) return kMmaTileN;
  const host::DeviceInfo& info = device.info();
  const MatmulTiling dense = matmul_tiling(info);
  const bool cpu = info.type == VK_PHYSICAL_DEVICE_TYPE_CPU;
  uint32_t tile = std::max(kMinMoeTile, cpu ? dense.thread_n : dense.tile_n / dense.thread_n);
  const uint32_t average = (pairs + experts - 1) / std::max(1u, experts);
  while (tile < average && tile < dense.tile_n) tile *= 2;
  return moe_tiling(info, tile).tile_n;
}

uint32_t moe_matmul_max_tiles(uint32_t pairs, uint32_t experts, uint32_t tile) {
  // Each expert with c pairs takes ceil(c / tile) tiles: at most c / tile + 1.
  return pairs / tile + std::min(pairs, experts);
}

shaders::MoeMatmulPush moe_matmul_push(const DeviceMatrix& w, const DeviceMatrix::Part& part,
                                       const MoeMatmulArgs& a) {
  shaders::MoeMatmulPush push{};
  push.quants = part.quants.address();
  push.scales = part.scales.address();
  push.aux = part.aux.address();
  push.x = a.x->address();
  push.x_up = a.x_up ? a.x_up->address() : 0;
  push.bias = a.bias->address();
  push.y = a.y->address();
  push.order = a.order->address();
  push.tiles = a.tiles->address();
  push.m = a.rows_per_expert;
  push.k = w.k;
  push.x_stride = w.k;
  push.y_stride = a.rows_per_expert;
  push.x_row_div = a.x_row_div;
  push.expert_begin = part.row_begin / a.rows_per_expert;
  push.expert_end = (part.row_begin + part.rows) / a.rows_per_expert;
  push.group_shift = group_shift(w);
  push.flags = scale_dtype_flags(w);
  return push;
}

host::Status encode_moe_matmul(host::Device& device, host::CommandStream& stream,
                               const DeviceMatrix& w, const MoeMatmulArgs& a) {
  const host::DeviceInfo& info = device.info();
  const std::string kernel =
      kernel_for(a.x_up ? kernel_names::moe_swiglu_matmul : kernel_names::moe_matmul, w.format);
  if (w.parts.empty() || !a.x || !a.bias || !a.y || !a.order || !a.tiles || !a.rows_per_expert ||
      w.m % a.rows_per_expert || w.k % 32 || !a.x_row_div)
    return host::Status::error(kernel + ": a buffer is missing or the shapes do not fit");
  if (a.max_tiles > 65535)
    return host::Status::error(kernel + ": " + std::to_string(a.max_tiles) +
                               " tiles exceed one dispatch");
  if (device.mma() != host::Mma::none) return encode_moe_matmul_mma(device, stream, w, a);
  const MatmulTiling tiling = moe_tiling(info, a.tile_n);
  if (tiling.tile_n != a.tile_n)
    return host::Status::error(kernel + ": a tile of " + std::to_string(a.tile_n) +
                               " pairs is not one moe_matmul_tile gives");
  shaders::MatmulSpec spec = tiling.spec();
  spec.swiglu_alpha = a.swiglu_alpha;
  spec.swiglu_limit = a.swiglu_limit;
  spec.tiled_rows = w.row_tiles;
  host::PipelineDesc desc{kernel, spec.words(), sizeof(shaders::MoeMatmulPush)};
  desc.required_subgroup_size = tiling.subgroup_size;
  OSSVK_RETURN_IF_ERROR(check_shared(tiling, info, kernel));
  OSSVK_ASSIGN_OR_RETURN(const host::Pipeline* pipeline, device.pipelines().get(desc));
  for (const DeviceMatrix::Part& part : w.parts) {
    const shaders::MoeMatmulPush push = moe_matmul_push(w, part, a);
    stream.dispatch(*pipeline, &push, (a.rows_per_expert + tiling.tile_m - 1) / tiling.tile_m,
                    a.max_tiles);
  }
  return {};
}

}  // namespace ossvk
