// Row tiles: a layout of a weight matrix's planes for CPU devices' expert kernels. Rows are
// grouped in tiles of kRowTile; within a tile, each run of 8 column blocks of the tile's rows
// lies row after row (a row's last run holds the K / 32 % 8 blocks left, where that is not 0).
// A subgroup of 8 lanes reading 8 rows a run, a block a lane, then reads one contiguous stretch
// of every plane, and the tiles of consecutive rows one long stream, which a CPU's prefetchers
// follow (docs/architecture.md, "Mixture of experts"). shaders/weight_format.glsl's tiled_block
// is the same map.
#pragma once
#include <cstdint>

#include "backend/formats/device_format.h"
#include "backend/formats/repack.h"

namespace ossvk {

inline constexpr uint32_t kRowTile = 8;

// Where block b (of `blocks` a row) of row `row` lies in a tiled plane, in blocks.
uint64_t tiled_block(uint64_t row, uint64_t b, uint64_t blocks);

// Whether a matrix of `format` whose parts hold multiples of `row_unit` rows can be tiled: every
// plane holds one entry per block of 32 (no super-blocks, no MLX groups), and parts hold whole
// tiles.
bool row_tiles_fit(DeviceFormat format, uint64_t row_unit);

// Reorders the planes of `rows` rows (a multiple of kRowTile) of K = 32 * blocks into tiles.
void tile_rows(Planes& planes, uint64_t rows, uint64_t blocks);

}  // namespace ossvk
