// The measured choice between spilling experts to system memory and running them on another
// device (here a second logical device on the test GPU): both ways are timed, the request
// chosen is the one that measured faster and fits, and nothing is measured where nothing spills.
#include "backend/model/experts_probe.h"

#include <gtest/gtest.h>

#include "support/gpu.h"
#include "support/synthetic_loader.h"

namespace ossvk::testing {
namespace {

class ExpertsProbeTest : public GpuTest {};

TEST_F(ExpertsProbeTest, the_faster_place_that_fits_is_chosen) {
  SyntheticOptions so;
  so.layers = 4;
  auto l = read_synthetic(so);
  ASSERT_TRUE(l);
  auto other = new_device();
  ASSERT_TRUE(other);
  const ModelTensors& t = l->tensors;
  auto probe = probe_expert_places(device(), *other, t, 4);
  ASSERT_OK(probe);
  EXPECT_GT(probe.value().host_ms, 0.0);
  EXPECT_GT(probe.value().other_ms, 0.0);

  // Nothing spills: the request stands and nothing is measured.
  ExpertsProbe measured;
  auto chosen = choose_expert_place(device(), *other, t, {}, 4, &measured);
  ASSERT_OK(chosen);
  EXPECT_EQ(chosen.value().experts, ExpertsOn::automatic);
  EXPECT_EQ(measured.host_ms, 0.0);

  // A limit that spills the embedding and two blocks' experts. (Sessions of 64 positions: their
  // staging for experts on another device, 3 x 64 rows, then stays smaller than the tiny
  // model's experts of a block; at 512 rows it would outweigh all four blocks'.)
  auto all = plan_placement(t, device().info(), {.context = 64});
  ASSERT_OK(all);
  const PlacementRequest spill{.device_limit = all.value().device_bytes() + all.value().reserve() -
                                               all.value().embedding - all.value().experts[0] - 1,
                               .context = 64};
  auto spilled = plan_placement(t, device().info(), spill);
  ASSERT_OK(spilled);
  ASSERT_EQ(spilled.value().host_expert_layers, 2u);
  chosen = choose_expert_place(device(), *other, t, spill, 4, &measured);
  ASSERT_OK(chosen);
  EXPECT_GT(measured.host_ms, 0.0);
  EXPECT_GT(measured.other_ms, 0.0);
  const PlacementRequest& r = chosen.value();
  if (r.experts == ExpertsOn::other) {
    EXPECT_EQ(r.experts_device, &other->info());
    EXPECT_OK(plan_placement(t, device().info(), r));
    PlacementRequest fewer = r;  // the fewest blocks that fit
    --fewer.expert_layers;
    EXPECT_FALSE(fewer.expert_layers && plan_placement(t, device().info(), fewer).ok());
    EXPECT_LT(measured.other_ms * r.expert_layers, measured.host_ms * 2);
  } else {
    EXPECT_EQ(r.experts, ExpertsOn::automatic);
    EXPECT_EQ(r.device_limit, spill.device_limit);
  }
}

}  // namespace
}  // namespace ossvk::testing
