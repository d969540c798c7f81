// Which layout the decode kernels (f32_<fmt>w_matvec, f32_<fmt>w_moe_gate_up, f32_<fmt>w_moe_down)
// take: the GPUs' (K split among subgroups, activations staged in shared memory) or the CPU
// devices' (one subgroup per run of rows, activations read where they lie). By device type,
// unless host::DeviceOptions::tuning fixes kTuneMatvecSplit.
#pragma once
#include <cstdint>
#include <string_view>

#include "host/device.h"

namespace ossvk {

// Subgroups sharing each run of matvec rows; non-zero also selects the GPUs' layout everywhere.
inline constexpr std::string_view kTuneMatvecSplit = "matvec_split";

bool gpu_layout(const host::Device& device);
// Subgroups sharing one run of f32_<fmt>w_matvec rows, each a slice of K: two on GPUs, where it
// measured faster, one on CPU devices, where every lane's activations are best reused across
// more rows (docs/performance.md, "Why the launchers choose what they do").
uint32_t matvec_split(const host::Device& device);
// Activation blocks a decode kernel stages per run in the GPU layout
// (shaders/stage_activations.glsl): `blocks`, or 0 where the device takes the CPU layout or the
// run would take more than half its shared memory.
uint32_t stage_blocks(const host::Device& device, uint32_t blocks);
// Whether the weight decoders of a kernel in the matvec's form (matvec, moe_gate_up, moe_down,
// moe_matvec) may look values up in tables held an entry a lane (LANE_TABLES,
// shaders/weight_format.glsl): in the CPU layout, whose unstaged loops keep every lane in each
// load, with subgroups of at least 8 lanes in workgroups of `invocations`.
bool lane_tables(const host::Device& device, uint32_t invocations);
// Whether f32_<fmt>w_matvec takes a subgroup's rows spread out over the matrix rather than side by
// side (spread_row, shaders/weight_format.glsl): in the CPU layout, where a CPU's prefetchers
// follow one stream a page. moe_gate_up and moe_down keep theirs side by side: spread over k
// experts' matrices, their rows made more streams than the prefetchers follow, and measured
// slower (docs/performance.md).
bool spread_rows(const host::Device& device);
// Whether MoE expert matrices are uploaded in row tiles (backend/formats/row_tiles.h): in the CPU
// layout, where moe_gate_up's and moe_down's subgroups each read 8 rows side by side, so that what
// they read is one stream the prefetchers follow instead of 8 short ones in a few pages. GPUs keep
// rows one after another.
bool expert_row_tiles(const host::Device& device);

}  // namespace ossvk
