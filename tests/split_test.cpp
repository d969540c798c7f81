// A model split across devices by whole blocks: each part on its own VkDevice (here two logical
// devices on the one test GPU, and the same device twice), the hidden state handed from part to
// part through host-visible buffers; and experts on a device of their own, the router's top-k
// handed over and the experts' output handed back. The same kernels run the same blocks, so the
// logits equal the single-device run's bit for bit.
#include <gtest/gtest.h>

#include <random>

#include "backend/loader/lora_adapter.h"
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

// A submission `failing` refuses breaks the session (it stays broken), and a new session on the
// model gives the logits the first gave before.
void a_refused_submission_breaks_the_session_only(Model& model, host::Device& failing) {
  const uint32_t V = model.config().vocab;
  const auto tokens = some_tokens(4, V);
  std::vector<float> want(V), got(V);
  auto s = Session::create(model, {.context = 32});
  ASSERT_OK(s);
  ASSERT_OK(s.value()->eval(tokens, want.data(), false));
  failing.fail_next_submit(VK_ERROR_OUT_OF_DEVICE_MEMORY);
  EXPECT_FALSE(s.value()->eval(tokens, got.data(), false).ok());
  EXPECT_FALSE(s.value()->usable());
  EXPECT_FALSE(s.value()->eval(tokens, got.data(), false).ok());
  auto fresh = Session::create(model, {.context = 32});
  ASSERT_OK(fresh);
  ASSERT_OK(fresh.value()->eval(tokens, got.data(), false));
  EXPECT_EQ(got, want);
}

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
  host2.placement = {.experts = ExpertsOn::host, .expert_layers = 2};
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
  const uint64_t need = whole.value().device_bytes() + whole.value().reserve();
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
  a_refused_submission_breaks_the_session_only(*m.value(), *second);
}

// A rank-2 side path on block 0's `target`, small random values.
LoraModule some_lora(const ModelConfig& c, LoraTarget target, std::mt19937& rng) {
  const LoraShape shape = lora_shape(c, target);
  LoraModule m;
  m.name = lora_target_name(target);
  m.target = target;
  m.experts = shape.experts, m.rank = 2, m.in = shape.in, m.out = shape.out;
  std::normal_distribution<float> d(0.0f, 0.05f);
  m.a.resize(uint64_t{m.experts} * m.rank * m.in);
  m.b.resize(uint64_t{m.experts} * m.out * m.rank);
  for (float& x : m.a) x = d(rng);
  for (float& x : m.b) x = d(rng);
  return m;
}

// Experts on a device of their own, for every block or the first: the router stays, the top-k
// crosses, the experts' LoRA side paths go with them; prefill, chunked prefill, a long prompt,
// replayed decode, rewind and sampling all give the single-device answer.
TEST_F(Split, experts_on_another_device_give_the_single_device_logits) {
  SyntheticOptions so;
  so.layers = 3;
  auto l = read_synthetic(so);
  ASSERT_TRUE(l);
  std::mt19937 rng(7);
  for (LoraTarget t : {LoraTarget::router, LoraTarget::gate, LoraTarget::down})
    l->tensors.lora.push_back(some_lora(l->tensors.config, t, rng));
  const uint32_t V = l->tensors.config.vocab;
  const auto prompt = some_tokens(70, V);
  auto last_row = [&](Model& m, uint32_t step) {
    std::vector<float> row(V);
    auto s = Session::create(m, {.context = 128, .max_step_tokens = step});
    EXPECT_OK(s);
    if (s.ok()) EXPECT_OK(s.value()->eval(prompt, row.data(), false));
    return row;
  };
  auto whole = Model::upload(device(), l->tensors, {});
  ASSERT_OK(whole);
  const Run want = run(*whole.value(), V);
  const std::vector<float> want_long = last_row(*whole.value(), 512);
  const std::vector<float> want_chunked = last_row(*whole.value(), 16);

  auto other = new_device();
  ASSERT_TRUE(other);
  for (uint32_t layers : {0u, 1u}) {
    ModelOptions o;
    o.placement = {.experts = ExpertsOn::other, .expert_layers = layers};
    o.experts_device = other.get();
    auto m = Model::upload(device(), l->tensors, o);
    ASSERT_OK(m);
    const Model& model = *m.value();
    const uint32_t moved = layers ? layers : 3;
    EXPECT_EQ(model.experts_device(), other.get());
    EXPECT_EQ(model.remote_experts().size(), moved);
    EXPECT_EQ(model.placement().experts_device_layers, moved);
    EXPECT_GE(other->allocator().bytes_in_use(), model.placement().experts_device_bytes());
    EXPECT_EQ(model.weight_bytes(), whole.value()->weight_bytes());
    EXPECT_EQ(model.decode_bytes(4), whole.value()->decode_bytes(4));
    const Run got = run(*m.value(), V);
    EXPECT_EQ(got.prefill, want.prefill);
    EXPECT_EQ(got.decode, want.decode);
    EXPECT_EQ(got.sampled, want.sampled);
    EXPECT_EQ(last_row(*m.value(), 512), want_long);
    EXPECT_EQ(last_row(*m.value(), 16), want_chunked);  // five steps, each in segments
  }
}

// A session on a model whose experts lie on another device allocates, beside its caches, what
// session_work_bytes counts with the exchange's staging on its own device and what
// RemoteExperts::work_bytes counts on the experts' device, byte for byte; the plan keeps room
// for both, per session.
TEST_F(Split, the_plan_counts_a_sessions_buffers_on_both_devices) {
  auto l = read_synthetic({});
  ASSERT_TRUE(l);
  const ModelConfig& c = l->tensors.config;
  auto other = new_device();
  ASSERT_TRUE(other);
  ModelOptions o;
  o.placement = {.experts = ExpertsOn::other, .context = 64, .sessions = 2};
  o.experts_device = other.get();
  auto m = Model::upload(device(), l->tensors, o);
  ASSERT_OK(m);
  auto in_use = [](host::Device& d) {
    const host::Allocator& a = d.allocator();
    return a.bytes_in_use() - a.bytes_in_use(host::MemoryUse::system);
  };
  const uint64_t here = in_use(device()), there = in_use(*other);
  const SessionOptions so{.context = 64};
  auto s = Session::create(*m.value(), so);
  ASSERT_OK(s);
  const uint64_t work = session_work_bytes(c, device().info(), so, c.top_k, 0, 0, c.layers, true);
  const uint64_t far = RemoteExperts::work_bytes(c, other->info(), 64, c.top_k, 0);
  EXPECT_EQ(in_use(device()) - here, kv_cache_bytes(c, 64, 512, false, 0, c.layers) + work);
  EXPECT_EQ(in_use(*other) - there, far);
  EXPECT_EQ(m.value()->placement().work, 2 * work);
  EXPECT_EQ(m.value()->placement().experts_device_work, 2 * far);
}

TEST_F(Split, experts_elsewhere_are_refused_where_they_do_not_fit) {
  auto l = read_synthetic({});
  ASSERT_TRUE(l);
  auto other = new_device();
  ASSERT_TRUE(other);
  ModelOptions o;
  o.placement.experts = ExpertsOn::other;
  auto m = Model::upload(device(), l->tensors, o);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("no device named for the experts"), std::string::npos);

  o.experts_device = other.get();
  m = Model::upload_split({&device(), &device()}, l->tensors, o);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("not split across 2"), std::string::npos)
      << m.status().message();

  o.placement.expert_layers = 3;
  m = Model::upload(device(), l->tensors, o);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("the model has 2"), std::string::npos)
      << m.status().message();

  // An experts' device too small for them: their need and its offer are named.
  host::DeviceInfo small;
  small.name = "a small GPU";
  small.type = VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU;
  small.heaps = {{64 << 10, true}};
  auto p = plan_placement(l->tensors, device().info(),
                          {.experts = ExpertsOn::other, .experts_device = &small});
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("the experts of 2 layers need"), std::string::npos)
      << p.status().message();
  EXPECT_NE(p.status().message().find("a small GPU offers 1 MiB"), std::string::npos)
      << p.status().message();
  EXPECT_EQ(other->allocator().bytes_in_use(), 0u);
}

// The experts' device failing: an allocation while loading frees both devices' weights; a
// submission breaks the session and leaves the model usable.
TEST_F(Split, a_failing_experts_device_frees_and_breaks_cleanly) {
  auto l = read_synthetic({});
  ASSERT_TRUE(l);
  auto main = new_device(), other = new_device();
  ASSERT_TRUE(main && other);
  ModelOptions o;
  o.placement.experts = ExpertsOn::other;
  o.experts_device = other.get();
  other->allocator().fail_allocation_after(4);
  auto m = Model::upload(*main, l->tensors, o);
  other->allocator().fail_allocation_after(SIZE_MAX);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(main->allocator().bytes_in_use(), 0u);
  EXPECT_EQ(other->allocator().bytes_in_use(), 0u);

  m = Model::upload(*main, l->tensors, o);
  ASSERT_OK(m);
  a_refused_submission_breaks_the_session_only(*m.value(), *other);
}

}  // namespace
}  // namespace ossvk::testing
