// f32_moe_group: prefill's (token, slot) pairs listed expert by expert and cut into tiles for the
// grouped expert matmuls. Checked against the ids themselves: order is a permutation of the
// pairs, ascending by expert; the tiles cover it in order, each within one expert and at most
// tile_n pairs, ceil(count / tile_n) per chosen expert and none for the others.
#include <gtest/gtest.h>

#include <random>

#include "backend/kernels/moe_group.h"
#include "backend/kernels/moe_matmul.h"
#include "support/gpu.h"

namespace ossvk::testing {
namespace {

class MoeGroup : public GpuTest {};

// `crowd`: most pairs choose expert 3, a few the last expert, none the rest.
void check_group(uint32_t tokens, uint32_t top_k, uint32_t experts, uint32_t tile, bool crowd) {
  SCOPED_TRACE(std::to_string(tokens) + " tokens x " + std::to_string(top_k) + " of " +
               std::to_string(experts) + " experts, tiles of " + std::to_string(tile) +
               (crowd ? ", crowded" : ""));
  const uint32_t pairs = tokens * top_k;
  std::mt19937 rng(pairs * 17 + experts + tile);
  std::vector<uint32_t> ids(pairs);
  for (uint32_t& e : ids)
    e = crowd ? (rng() % 8 ? 3 : experts - 1) : static_cast<uint32_t>(rng() % experts);
  const uint32_t max_tiles = moe_matmul_max_tiles(pairs, experts, tile);

  host::Buffer ib = device_buffer_with(ids), ob = device_buffer(uint64_t{pairs} * 4),
               tb = device_buffer((1 + 3 * uint64_t{max_tiles}) * 4);
  host::Device& dev = *gpu().device;
  auto stream = host::CommandStream::create(dev);
  ASSERT_OK(stream);
  ASSERT_OK(stream.value()->begin());
  ASSERT_OK(encode_moe_group(dev, *stream.value(), ib, tokens, top_k, experts, tile, ob, tb));
  ASSERT_OK(stream.value()->submit_and_wait());
  const auto order = read_back<uint32_t>(ob, pairs);
  const auto tiles = read_back<uint32_t>(tb, 1 + 3 * uint64_t{max_tiles});

  std::vector<uint32_t> count(experts, 0), seen(pairs, 0);
  for (uint32_t e : ids) ++count[e];
  for (uint32_t i = 0; i < pairs; ++i) {
    ASSERT_LT(order[i], pairs);
    ASSERT_EQ(seen[order[i]]++, 0u) << "pair " << order[i] << " listed twice";
    if (i) {
      ASSERT_LE(ids[order[i - 1]], ids[order[i]]) << "order is not by expert at " << i;
    }
  }
  uint32_t want_tiles = 0;
  for (uint32_t c : count) want_tiles += (c + tile - 1) / tile;
  ASSERT_EQ(tiles[0], want_tiles);
  ASSERT_LE(tiles[0], max_tiles);
  uint32_t next = 0;
  for (uint32_t n = 0; n < tiles[0]; ++n) {
    const uint32_t expert = tiles[1 + 3 * n], first = tiles[2 + 3 * n], end = tiles[3 + 3 * n];
    ASSERT_EQ(first, next) << "tile " << n;
    ASSERT_GT(end, first) << "tile " << n;
    ASSERT_LE(end - first, tile) << "tile " << n;
    for (uint32_t i = first; i < end; ++i) ASSERT_EQ(ids[order[i]], expert) << "tile " << n;
    next = end;
  }
  EXPECT_EQ(next, pairs);
}

TEST_F(MoeGroup, gpt_oss_experts_tiles_and_top_k) {
  for (uint32_t experts : {32u, 128u})
    for (uint32_t top_k : {1u, 2u, 4u})
      for (uint32_t tile : {16u, 64u, 128u}) check_group(512, top_k, experts, tile, false);
}

TEST_F(MoeGroup, awkward_counts) {
  check_group(1, 1, 32, 16, false);
  check_group(9, 4, 128, 16, false);
  check_group(300, 4, 256, 32, false);
  check_group(1000, 2, 32, 16, true);  // 2000 pairs, most on one expert: many tiles of it
}

TEST_F(MoeGroup, a_tile_table_too_short_is_an_error) {
  host::Buffer ids = device_buffer(64 * 4), order = device_buffer(64 * 4),
               tiles = device_buffer(16);
  host::Device& dev = *gpu().device;
  auto stream = host::CommandStream::create(dev);
  ASSERT_OK(stream);
  ASSERT_OK(stream.value()->begin());
  EXPECT_FALSE(encode_moe_group(dev, *stream.value(), ids, 32, 2, 32, 16, order, tiles).ok());
}

}  // namespace
}  // namespace ossvk::testing
