// Where the weights go: experts of the first layers in system memory (the device reads them
// across the bus) give the same logits as all on the device, the automatic placement spills
// only as many layers as a memory limit needs, and what fits nowhere is refused before upload.
#include <gtest/gtest.h>

#include "backend/model/batch.h"
#include "backend/model/placement.h"
#include "backend/model/session.h"
#include "support/gpu.h"
#include "support/synthetic_loader.h"

namespace ossvk::testing {
namespace {

class WeightPlacement : public GpuTest {
 protected:
  // A device of the test's own: memory limits count every byte in use on a device, and the
  // shared one holds the other tests' staging buffers when they run in one process.
  std::unique_ptr<host::Device> own_ = new_device();
  host::Device& device() { return *own_; }
  void SetUp() override {
    GpuTest::SetUp();
    ASSERT_TRUE(own_);
  }
  // Last-row logits of a prompt, and of one decode step after it, with the model placed as asked.
  std::vector<float> logits(const Loaded& l, const PlacementRequest& request,
                            uint32_t expect_host_layers) {
    ModelOptions o;
    o.placement = request;
    auto m = Model::upload(device(), l.tensors, o);
    EXPECT_OK(m);
    if (!m.ok()) return {};
    EXPECT_EQ(m.value()->placement().host_expert_layers, expect_host_layers);
    // Every expert byte placed in system memory is there (allocations round up).
    const uint64_t system = device().allocator().bytes_in_use(host::MemoryUse::system);
    EXPECT_GE(system, m.value()->placement().host_bytes());
    EXPECT_EQ(system > 0, m.value()->placement().embedding_on_host);
    auto s = Session::create(*m.value(), {});
    EXPECT_OK(s);
    if (!s.ok()) return {};
    const uint32_t V = l.tensors.config.vocab;
    std::vector<float> out(2 * V);
    const auto tokens = some_tokens(5, V);
    EXPECT_OK(s.value()->eval(tokens, out.data(), false));
    EXPECT_OK(s.value()->eval({tokens.data(), 1}, out.data() + V, false));
    return out;
  }
};

// The same kernels read the same bytes from another memory: the logits agree bit for bit.
TEST_F(WeightPlacement, experts_in_system_memory_give_the_same_logits) {
  SyntheticOptions so;
  so.layers = 3;
  auto l = read_synthetic(so);
  ASSERT_TRUE(l);
  const auto on_device = logits(*l, {.experts = ExpertsOn::device}, 0);
  ASSERT_FALSE(on_device.empty());
  EXPECT_EQ(logits(*l, {.experts = ExpertsOn::host}, 3), on_device);
  EXPECT_EQ(logits(*l, {.experts = ExpertsOn::host, .expert_layers = 1}, 1), on_device);
}

// A limit below the whole model spills the embedding table first, then the fewest layers'
// experts that bring the device's share under it, K/V cache included; the answer does not change.
TEST_F(WeightPlacement, a_memory_limit_spills_as_little_as_fits) {
  SyntheticOptions so;
  so.layers = 4;
  auto l = read_synthetic(so);
  ASSERT_TRUE(l);
  auto all = plan_placement(l->tensors, device().info(), {});
  ASSERT_OK(all);
  ASSERT_EQ(all.value().host_bytes(), 0u);
  const uint64_t whole = all.value().device_bytes() + all.value().reserve();
  const uint64_t embedding = all.value().embedding, layer = all.value().experts[0];

  auto p = plan_placement(l->tensors, device().info(), {.device_limit = whole - 1});
  ASSERT_OK(p);
  EXPECT_TRUE(p.value().embedding_on_host);
  EXPECT_EQ(p.value().host_expert_layers, 0u);

  const PlacementRequest two{.device_limit = whole - embedding - layer - 1};
  p = plan_placement(l->tensors, device().info(), two);
  ASSERT_OK(p);
  EXPECT_TRUE(p.value().embedding_on_host);
  EXPECT_EQ(p.value().host_expert_layers, 2u);
  EXPECT_EQ(p.value().host_bytes(), embedding + 2 * layer);
  EXPECT_LE(p.value().device_bytes() + p.value().reserve(), two.device_limit);
  EXPECT_EQ(logits(*l, two, 2), logits(*l, {}, 0));
}

TEST_F(WeightPlacement, what_fits_nowhere_is_refused_naming_the_sizes) {
  auto l = read_synthetic({});
  ASSERT_TRUE(l);
  const uint64_t before = device().allocator().bytes_in_use();
  ModelOptions o;
  o.placement.device_limit = 64 << 10;
  auto m = Model::upload(device(), l->tensors, o);
  ASSERT_FALSE(m.ok());
  const std::string msg = m.status().message();
  EXPECT_NE(msg.find("MiB of device memory"), std::string::npos) << msg;
  EXPECT_NE(msg.find("(the memory limit given)"), std::string::npos) << msg;
  EXPECT_EQ(m.status().vk_result(), VK_ERROR_OUT_OF_DEVICE_MEMORY);
  EXPECT_EQ(device().allocator().bytes_in_use(), before);

  // Experts kept on the device by request: the message says what spilling them would need.
  o.placement.experts = ExpertsOn::device;
  m = Model::upload(device(), l->tensors, o);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("and every layer's experts in system memory"),
            std::string::npos)
      << m.status().message();

  o.placement = {.experts = ExpertsOn::host, .expert_layers = 3};
  m = Model::upload(device(), l->tensors, o);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("the model has 2"), std::string::npos)
      << m.status().message();
}

// Sessions live within the limit too: the weights' share and the cache must fit under it.
TEST_F(WeightPlacement, sessions_respect_the_memory_limit) {
  auto l = read_synthetic({});
  ASSERT_TRUE(l);
  auto p = plan_placement(l->tensors, device().info(), {.context = 64});
  ASSERT_OK(p);
  ModelOptions o;
  o.placement = {.device_limit = p.value().device_bytes() + (4 << 20), .context = 64};
  auto m = Model::upload(device(), l->tensors, o);
  ASSERT_OK(m);
  EXPECT_OK(Session::create(*m.value(), {.context = 64}));
  SessionOptions big;
  big.context = 1 << 20;
  auto s = Session::create(*m.value(), big);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("within the memory limit given"), std::string::npos)
      << s.status().message();
}

// What Session::create allocates beside its K/V caches is what session_work_bytes (and so the
// plan) counts, byte for byte: steps of many tokens and of few, a long context, other experts
// per token, and the draw made on the device; likewise Batch::create and batch_work_bytes.
// (Contexts and steps are multiples of 4, which keeps the tiny model's cache and RoPE buffers whole
// multiples of the allocator's 256 bytes.)
TEST_F(WeightPlacement, a_sessions_working_buffers_are_what_the_plan_counts) {
  auto l = load_synthetic(device(), {});
  ASSERT_TRUE(l);
  const Model& model = *l->model;
  const ModelConfig& c = model.config();
  auto in_use = [&] {
    const host::Allocator& a = device().allocator();
    return a.bytes_in_use() - a.bytes_in_use(host::MemoryUse::system);
  };
  SessionOptions on_device{.context = 64};
  on_device.sample_on = SessionOptions::SampleOn::device;
  for (const SessionOptions& o :
       {SessionOptions{.context = 64}, SessionOptions{.context = 4096, .max_step_tokens = 8},
        SessionOptions{.context = 4096, .top_k = 2}, on_device}) {
    SCOPED_TRACE("context " + std::to_string(o.context) + ", step " +
                 std::to_string(o.max_step_tokens) + ", top_k " + std::to_string(o.top_k));
    const uint64_t before = in_use();
    auto s = Session::create(*l->model, o);
    ASSERT_OK(s);
    const uint32_t top_k = o.top_k ? o.top_k : c.top_k;
    EXPECT_EQ(in_use() - before,
              kv_cache_bytes(c, o.context, o.max_step_tokens, false, 0, c.layers) +
                  session_work_bytes(c, device().info(), o, top_k, model.lora_rank(), 0, c.layers));
  }
  // So does Batch::create beside batch_work_bytes, for one token a session and for a chunk.
  for (uint32_t tokens : {kMaxMatvecColumns, kBatchMaxTokens}) {
    const uint64_t before = in_use();
    auto b = Batch::create(*l->model, kMaxMatvecColumns, 2, tokens);
    ASSERT_OK(b);
    EXPECT_EQ(in_use() - before,
              batch_work_bytes(c, device().info(), kMaxMatvecColumns, tokens, 2, model.lora_rank()))
        << tokens << " tokens";
  }
  // The plan keeps room for them, per session, and for several sessions the two batches that
  // step them.
  auto one = plan_placement(l->tensors, device().info(), {.context = 64});
  auto three = plan_placement(l->tensors, device().info(), {.context = 64, .sessions = 3});
  ASSERT_OK(one);
  ASSERT_OK(three);
  EXPECT_EQ(one.value().work,
            session_work_bytes(c, device().info(), {.context = 64}, c.top_k, 0, 0, c.layers));
  EXPECT_EQ(
      three.value().work,
      3 * one.value().work +
          batch_work_bytes(c, device().info(), kMaxMatvecColumns, kMaxMatvecColumns, c.top_k, 0) +
          batch_work_bytes(c, device().info(), kMaxMatvecColumns, kBatchMaxTokens, c.top_k, 0));
}

}  // namespace
}  // namespace ossvk::testing
