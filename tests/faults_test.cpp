// Faults a session must survive without taking the process, the model or other sessions down:
// a submission that times out, one the driver refuses, a lost device (injected through
// host::Device::fail_next_submit), and every Vulkan object freed with what made it.
#include <gtest/gtest.h>

#include "backend/model/session.h"
#include "host/live_objects.h"
#include "support/gpu.h"
#include "support/synthetic_loader.h"

namespace ossvk::testing {
namespace {

class Faults : public GpuTest {
 protected:
  static constexpr uint32_t kVocab = 512;  // the tiny synthetic preset's
  // The last token's logits; the status of the eval in `status`.
  static std::vector<float> last_logits(Session& s, std::span<const uint32_t> tokens,
                                        host::Status& status) {
    std::vector<float> logits(kVocab);
    status = s.eval(tokens, logits.data(), false);
    return logits;
  }
};

TEST_F(Faults, a_timed_out_step_breaks_only_its_session) {
  auto l = load_synthetic(device(), {});
  ASSERT_TRUE(l);
  auto tokens = some_tokens(40, l->tensors.config.vocab);
  SessionOptions hasty;
  hasty.step_timeout_ns = 0;  // the wait gives up at once: the submission counts as failed
  auto s = Session::create(*l->model, hasty);
  ASSERT_OK(s);
  auto r = s.value()->eval(tokens, nullptr, false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.vk_result(), VK_TIMEOUT) << r.to_string();
  EXPECT_FALSE(s.value()->usable());
  EXPECT_EQ(s.value()->position(), 0u);
  r = s.value()->eval(tokens, nullptr, false);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.message().find("unusable after an earlier failure"), std::string::npos)
      << r.message();
  auto other = Session::create(*l->model, {});  // the model and other sessions go on
  ASSERT_OK(other);
  ASSERT_OK(other.value()->eval(tokens, nullptr, false));
}

TEST_F(Faults, a_refused_submission_breaks_only_its_session) {
  auto l = load_synthetic(device(), {});
  ASSERT_TRUE(l);
  auto tokens = some_tokens(5, l->tensors.config.vocab);
  auto a = Session::create(*l->model, {});
  auto b = Session::create(*l->model, {});
  ASSERT_OK(a);
  ASSERT_OK(b);
  host::Status st;
  const std::vector<float> want = last_logits(*b.value(), tokens, st);
  ASSERT_OK(st);
  b.value()->reset();

  device().fail_next_submit(VK_ERROR_OUT_OF_DEVICE_MEMORY);
  auto r = a.value()->eval(tokens, nullptr, false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.vk_result(), VK_ERROR_OUT_OF_DEVICE_MEMORY) << r.to_string();
  EXPECT_NE(r.message().find("vkQueueSubmit"), std::string::npos) << r.message();
  EXPECT_FALSE(a.value()->usable());
  EXPECT_EQ(a.value()->position(), 0u);
  EXPECT_FALSE(device().lost());

  EXPECT_EQ(last_logits(*b.value(), tokens, st), want);
  ASSERT_OK(st);
}

TEST_F(Faults, a_lost_device_fails_its_sessions_clearly_and_other_devices_go_on) {
  auto doomed = new_device();
  ASSERT_TRUE(doomed);
  auto lost = load_synthetic(*doomed, {});
  auto kept = load_synthetic(device(), {});
  ASSERT_TRUE(lost && kept);
  auto tokens = some_tokens(6, kept->tensors.config.vocab);
  auto a = Session::create(*lost->model, {});
  auto b = Session::create(*lost->model, {});
  auto c = Session::create(*kept->model, {});
  ASSERT_OK(a);
  ASSERT_OK(b);
  ASSERT_OK(c);
  host::Status st;
  const std::vector<float> want = last_logits(*c.value(), tokens, st);
  ASSERT_OK(st);
  c.value()->reset();

  doomed->fail_next_submit(VK_ERROR_DEVICE_LOST);
  auto r = a.value()->eval(tokens, nullptr, false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.vk_result(), VK_ERROR_DEVICE_LOST);
  EXPECT_NE(r.message().find("was lost; free every model and session on it"), std::string::npos)
      << r.message();
  EXPECT_TRUE(doomed->lost());
  // Every later submission on that device is refused at once, never hangs.
  r = b.value()->eval(tokens, nullptr, false);
  EXPECT_EQ(r.vk_result(), VK_ERROR_DEVICE_LOST) << r.to_string();
  EXPECT_FALSE(b.value()->usable());
  auto late = Session::create(*lost->model, {});
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.status().vk_result(), VK_ERROR_DEVICE_LOST) << late.status().to_string();

  EXPECT_FALSE(device().lost());
  EXPECT_EQ(last_logits(*c.value(), tokens, st), want);
  ASSERT_OK(st);
  // Everything on the lost device can still be freed.
  a.value().reset();
  b.value().reset();
  lost.reset();
  doomed.reset();
}

// Counted in host/ where each object is created and destroyed (host/live_objects.h); the
// validation layer, on for every test, also reports objects still alive at vkDestroyDevice.
TEST_F(Faults, freeing_models_sessions_and_devices_destroys_every_vulkan_object) {
  const host::ObjectCounts at_start = host::live_objects();
  auto d = new_device();
  ASSERT_TRUE(d);
  auto run = [&](bool check_growth) {
    auto l = load_synthetic(*d, {});
    ASSERT_TRUE(l);
    auto a = Session::create(*l->model, {});
    auto b = Session::create(*l->model, {});
    ASSERT_OK(a);
    ASSERT_OK(b);
    host::Status st;
    last_logits(*a.value(), some_tokens(7, l->tensors.config.vocab), st);
    ASSERT_OK(st);
    if (check_growth) {
      const host::ObjectCounts now = host::live_objects();
      EXPECT_GT(now.at(VK_OBJECT_TYPE_BUFFER), 0);
      EXPECT_GT(now.at(VK_OBJECT_TYPE_DEVICE_MEMORY), 0);
      EXPECT_GE(now.at(VK_OBJECT_TYPE_COMMAND_POOL), 2);
      EXPECT_GE(now.at(VK_OBJECT_TYPE_FENCE), 2);
    }
  };
  run(false);  // the device makes and keeps the pipelines the model needs
  const host::ObjectCounts with_pipelines = host::live_objects();
  EXPECT_GT(with_pipelines.at(VK_OBJECT_TYPE_PIPELINE), 0);
  run(true);
  EXPECT_EQ(host::live_objects(), with_pipelines);
  d.reset();
  EXPECT_EQ(host::live_objects(), at_start);
}

// An allocation failing at any point of an upload that places weights in both memories (the
// embedding and one layer's experts in system memory) returns every byte and Vulkan object it
// had made, and the next upload works.
TEST_F(Faults, an_allocation_failing_anywhere_in_an_upload_leaks_nothing) {
  auto d = new_device();
  ASSERT_TRUE(d);
  auto l = read_synthetic({});
  ASSERT_TRUE(l);
  ModelOptions o;
  o.placement = {.experts = ExpertsOn::host, .expert_layers = 1};
  ASSERT_OK(Model::upload(*d, l->tensors, o));  // pipelines and the device's own objects
  const host::ObjectCounts before = host::live_objects();
  size_t failed = 0;
  for (size_t n = 0;; ++n) {
    d->allocator().fail_allocation_after(n);
    auto m = Model::upload(*d, l->tensors, o);
    d->allocator().fail_allocation_after(SIZE_MAX);
    if (m.ok()) break;  // n passed the upload's last allocation
    ++failed;
    EXPECT_NE(m.status().message().find("(injected)"), std::string::npos) << m.status().message();
    EXPECT_EQ(d->allocator().bytes_in_use(), 0u) << "failing allocation " << n;
    EXPECT_EQ(host::live_objects(), before) << "failing allocation " << n;
  }
  EXPECT_GT(failed, 20u);  // every matrix's planes, vectors, staging: each a point of failure
}

}  // namespace
}  // namespace ossvk::testing
