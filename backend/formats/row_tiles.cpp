#include "backend/formats/row_tiles.h"

#include <algorithm>
#include <vector>

namespace ossvk {

uint64_t tiled_block(uint64_t row, uint64_t b, uint64_t blocks) {
  const uint64_t run = b / 8 * 8;
  return row / kRowTile * kRowTile * blocks + run * kRowTile +
         row % kRowTile * std::min<uint64_t>(8, blocks - run) + b % 8;
}

bool row_tiles_fit(DeviceFormat format, uint64_t row_unit) {
  const DeviceFormatInfo& f = device_format_info(format);
  return f.block_elements == 32 && !f.per_group && row_unit % kRowTile == 0;
}

namespace {

void tile_plane(std::vector<uint8_t>& plane, uint64_t rows, uint64_t blocks) {
  if (plane.empty()) return;
  const uint64_t entry = plane.size() / (rows * blocks);  // bytes per block
  std::vector<uint8_t> tiled(plane.size());
  for (uint64_t row = 0; row < rows; ++row)
    for (uint64_t b = 0; b < blocks; ++b)
      std::copy_n(plane.begin() + (row * blocks + b) * entry, entry,
                  tiled.begin() + tiled_block(row, b, blocks) * entry);
  plane.swap(tiled);
}

}  // namespace

void tile_rows(Planes& planes, uint64_t rows, uint64_t blocks) {
  for (std::vector<uint8_t>* plane : {&planes.quants, &planes.scales, &planes.aux})
    tile_plane(*plane, rows, blocks);
}

}  // namespace ossvk
