// Row tiles (backend/formats/row_tiles.h): the map is a bijection whose runs are contiguous, and
// the CPU layout's expert uploads take it where the format allows. The MoE kernel tests
// (moe_test.cpp) check every expert kernel's reads through it against the reference.
#include <gtest/gtest.h>

#include <vector>

#include "backend/device_matrix.h"
#include "backend/formats/row_tiles.h"
#include "backend/kernels/decode_layout.h"
#include "support/gpu.h"
#include "testdata/weights.h"

namespace ossvk::testing {
namespace {

TEST(RowTiles, every_block_lands_once_and_a_run_of_eight_rows_is_contiguous) {
  for (uint64_t rows : {8u, 16u, 40u})
    for (uint64_t blocks : {1u, 2u, 7u, 8u, 9u, 90u}) {
      SCOPED_TRACE(std::to_string(rows) + " rows x " + std::to_string(blocks) + " blocks");
      std::vector<int> hits(rows * blocks);
      for (uint64_t row = 0; row < rows; ++row)
        for (uint64_t b = 0; b < blocks; ++b) ++hits.at(tiled_block(row, b, blocks));
      EXPECT_EQ(std::count(hits.begin(), hits.end(), 1), static_cast<long>(hits.size()));
      // 8 lanes taking blocks run.. of a tile's 8 rows read one stretch, row after row.
      for (uint64_t tile = 0; tile < rows; tile += kRowTile)
        for (uint64_t run = 0; run < blocks; run += 8) {
          const uint64_t first = tiled_block(tile, run, blocks),
                         lanes = std::min<uint64_t>(8, blocks - run);
          for (uint64_t r = 0; r < kRowTile; ++r)
            for (uint64_t l = 0; l < lanes; ++l)
              ASSERT_EQ(tiled_block(tile + r, run + l, blocks), first + r * lanes + l);
        }
    }
}

TEST(RowTiles, only_formats_with_one_entry_a_block_of_32_and_whole_tiles) {
  EXPECT_TRUE(row_tiles_fit(DeviceFormat::mxfp4, 2880));
  EXPECT_TRUE(row_tiles_fit(DeviceFormat::q5_0, 8));
  EXPECT_TRUE(row_tiles_fit(DeviceFormat::bf16, 16));
  EXPECT_FALSE(row_tiles_fit(DeviceFormat::mxfp4, 12));  // a part could end inside a tile
  EXPECT_FALSE(row_tiles_fit(DeviceFormat::q4k, 256));   // super-block records
  EXPECT_FALSE(row_tiles_fit(DeviceFormat::mlxq4, 64));  // scales per MLX group
}

class RowTilesUpload : public GpuTest {};

TEST_F(RowTilesUpload, cpu_layout_tiles_experts_and_gpu_layout_does_not) {
  EXPECT_TRUE(expert_row_tiles(device()));
  EXPECT_FALSE(expert_row_tiles(*gpu_with_matvec_split(2).device));
  Rng rng(7);
  HostMatrix w = random_matrix(TensorFormat::mxfp4, 24, 96, Data::exact, rng);
  for (uint32_t unit : {8u, 12u}) {
    auto dm = upload_matrix(device(), transfer(), w.view(), "experts",
                            {.row_granularity = unit, .row_tiles = true});
    ASSERT_TRUE(dm.ok()) << dm.status().to_string();
    EXPECT_EQ(dm.value().row_tiles, unit == 8) << unit << " rows an expert";
  }
}

}  // namespace
}  // namespace ossvk::testing
