// A model split across devices by whole blocks: each part on its own VkDevice (here two logical
// devices on the one test GPU, and the same device twice), the hidden state handed from part to
// part through host-visible buffers. The same kernels run the same blocks, so the logits equal
// the single-device run's bit for bit.
#include <gtest/gtest.h>

#include "backend/model/session.h"
#include "support/gpu.h"
#include "support/synthetic_loader.h"

namespace ossvk::testing {
namespace {

class Split : public GpuTest {
 protected:
  // Every row of a prompt, then replayed decode steps, then the same after a rewind, and a
  // sampled token: all that a session hands out.
  struct Run {
    std::vector<float> prefill, decode;
    uint32_t sampled = 0;
  };
  static Run run(Model& model, uint32_t vocab) {
    Run r;
    auto s = Session::create(model, {.context = 64});
    EXPECT_TRUE(s.ok()) << s.status().to_string();
    if (!s.ok()) return r;
    Session& session = *s.value();
    const auto tokens = some_tokens(9, vocab);
    r.prefill.resize(tokens.size() * vocab);
    EXPECT_OK(session.eval(tokens, r.prefill.data(), true));
    std::vector<float> row(vocab);
    for (uint32_t t : {3u, 7u, 11u}) {
      EXPECT_OK(session.eval({&t, 1}, row.data(), false));
      r.decode.insert(r.decode.end(), row.begin(), row.end());
    }
    EXPECT_OK(session.rewind(9));
    const uint32_t t = 5;
    EXPECT_OK(session.eval({&t, 1}, row.data(), false));
    r.decode.insert(r.decode.end(), row.begin(), row.end());
    uint64_t state = 42;
    auto id = session.eval_sample({&t, 1}, {.temperature = 1.0f, .top_k = 40}, state);
    EXPECT_TRUE(id.ok());
    if (id.ok()) r.sampled = id.value();
    return r;
  }
};

TEST_F(Split, two_devices_give_the_single_device_logits) {
  SyntheticOptions so;
  so.layers = 3;
  auto l = read_synthetic(so);
  ASSERT_TRUE(l);
  const uint32_t V = l->tensors.config.vocab;
  auto whole = Model::upload(device(), l->tensors, {});
  ASSERT_OK(whole);
  const Run want = run(*whole.value(), V);

  auto other = new_device();
  ASSERT_TRUE(other);
  for (const std::vector<uint32_t>& blocks :
       {std::vector<uint32_t>{1, 2}, std::vector<uint32_t>{2, 1}}) {
    auto split = Model::upload_split({&device(), other.get()}, l->tensors, {}, blocks);
    ASSERT_OK(split);
    const Model& head = *split.value();
    ASSERT_NE(head.next(), nullptr);
    EXPECT_EQ(&head.next()->device(), other.get());
    EXPECT_EQ(head.layers().size(), blocks[0]);
    EXPECT_EQ(head.next()->first_layer(), blocks[0]);
    EXPECT_TRUE(head.first() && !head.last() && head.next()->last());
    const Run got = run(*split.value(), V);
    EXPECT_EQ(got.prefill, want.prefill);
    EXPECT_EQ(got.decode, want.decode);
    EXPECT_EQ(got.sampled, want.sampled);
  }
  // The same device twice, and three parts: one block each; the model's first two blocks'
  // experts (and the embedding) in system memory, which are the first two parts'.
  ModelOptions host2;
  host2.placement = {.experts = ExpertsOn::host, .host_layers = 2};
  auto three = Model::upload_split({&device(), other.get(), &device()}, l->tensors, host2);
  ASSERT_OK(three);
  const Model& p0 = *three.value();
  EXPECT_TRUE(p0.placement().embedding_on_host);
  EXPECT_EQ(p0.placement().host_expert_layers, 1u);
  EXPECT_EQ(p0.next()->placement().host_expert_layers, 1u);
  EXPECT_EQ(p0.next()->next()->placement().host_expert_layers, 0u);
  const Run got = run(*three.value(), V);
  EXPECT_EQ(got.prefill, want.prefill);
  EXPECT_EQ(got.decode, want.decode);
}

// Blocks follow what each device offers (a limit gives every device the same), one at least.
TEST_F(Split, blocks_follow_each_devices_memory) {
  host::DeviceInfo big, small;
  big.type = small.type = VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU;
  big.heaps = {{24ull << 30, true}};
  small.heaps = {{8ull << 30, true}};
  auto b = Model::split_blocks({&big, &small}, 36, 0);
  ASSERT_OK(b);
  EXPECT_EQ(b.value(), (std::vector<uint32_t>{27, 9}));
  b = Model::split_blocks({&big, &small}, 36, 4ull << 30);
  ASSERT_OK(b);
  EXPECT_EQ(b.value(), (std::vector<uint32_t>{18, 18}));
  host::DeviceInfo tiny = small;
  tiny.heaps = {{1ull << 20, true}};
  b = Model::split_blocks({&big, &tiny}, 2, 0);
  ASSERT_OK(b);
  EXPECT_EQ(b.value(), (std::vector<uint32_t>{1, 1}));
  EXPECT_FALSE(Model::split_blocks({&big, &small, &tiny}, 2, 0).ok());
}

// With no device named: the best GPU alone when the model fits it, every GPU when only they
// together hold it, and the best alone (spilling) when not even they do. CPU devices never join.
TEST_F(Split, with_no_device_named_the_gpus_are_chosen_by_what_fits) {
  SyntheticOptions so;
  so.layers = 4;
  auto l = read_synthetic(so);
  ASSERT_TRUE(l);
  ModelOptions o;
  o.placement.context = 16;
  host::DeviceInfo probe;
  probe.type = VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU;
  probe.heaps = {{1ull << 40, true}};
  auto whole = Model::plan(probe, l->tensors, o);
  ASSERT_OK(whole);
  const uint64_t need = whole.value().device_bytes() + whole.value().cache;
  auto gpu = [](uint64_t bytes) {
    host::DeviceInfo d;
    d.type = VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU;
    d.heaps = {{bytes, true}};
    d.system_available_bytes = 1ull << 40;
    return d;
  };
  const host::DeviceInfo big = gpu(need), half = gpu(need * 3 / 4), tiny = gpu(need / 8);
  using List = std::vector<const host::DeviceInfo*>;
  EXPECT_EQ(Model::choose_devices({&big, &half}, l->tensors, o), (List{&big}));
  EXPECT_EQ(Model::choose_devices({&half, &half}, l->tensors, o), (List{&half, &half}));
  EXPECT_EQ(Model::choose_devices({&tiny, &tiny}, l->tensors, o), (List{&tiny}));
  EXPECT_EQ(Model::choose_devices({&half}, l->tensors, o), (List{&half}));

  std::vector<host::DeviceInfo> all(4);
  all[0].type = VK_PHYSICAL_DEVICE_TYPE_CPU;
  all[1].type = VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU;
  all[2].type = VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU;
  all[3].type = VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU;
  all[3].missing = {"shaderInt8"};
  EXPECT_EQ(host::usable_gpus(all), (List{&all[2], &all[1]}));
}

TEST_F(Split, a_part_that_fits_nowhere_names_its_device) {
  auto l = read_synthetic({});
  ASSERT_TRUE(l);
  ModelOptions o;
  o.placement.device_limit = 64 << 10;
  auto m = Model::upload_split({&device(), &device()}, l->tensors, o);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("device 0"), std::string::npos) << m.status().message();
  EXPECT_FALSE(Model::upload_split({&device(), &device()}, l->tensors, {}, {2, 0}).ok());
}

// A device failing under the second part: its allocation while loading frees the first part's
// weights; its submission breaks the session, whichever part it hit, and leaves the model usable.
TEST_F(Split, a_failing_second_device_frees_and_breaks_cleanly) {
  auto l = read_synthetic({});
  ASSERT_TRUE(l);
  auto first = new_device(), second = new_device();
  ASSERT_TRUE(first && second);
  second->allocator().fail_allocation_after(3);
  auto m = Model::upload_split({first.get(), second.get()}, l->tensors, {});
  second->allocator().fail_allocation_after(SIZE_MAX);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("device 1"), std::string::npos) << m.status().message();
  EXPECT_EQ(first->allocator().bytes_in_use(), 0u);
  EXPECT_EQ(second->allocator().bytes_in_use(), 0u);

  m = Model::upload_split({first.get(), second.get()}, l->tensors, {});
  ASSERT_OK(m);
  const uint32_t V = l->tensors.config.vocab;
  const auto tokens = some_tokens(4, V);
  std::vector<float> want(V), got(V);
  auto s = Session::create(*m.value(), {.context = 32});
  ASSERT_OK(s);
  ASSERT_OK(s.value()->eval(tokens, want.data(), false));
  second->fail_next_submit(VK_ERROR_OUT_OF_DEVICE_MEMORY);
  EXPECT_FALSE(s.value()->eval(tokens, got.data(), false).ok());
  EXPECT_FALSE(s.value()->usable());
  EXPECT_FALSE(s.value()->eval(tokens, got.data(), false).ok());
  auto fresh = Session::create(*m.value(), {.context = 32});
  ASSERT_OK(fresh);
  ASSERT_OK(fresh.value()->eval(tokens, got.data(), false));
  EXPECT_EQ(got, want);
}

}  // namespace
}  // namespace ossvk::testing
