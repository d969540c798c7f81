// The C ABI as an engine sees it: libossvk.so loaded with dlopen, one entry point.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "backend/loader/gguf_writer.h"
#include "backend/text/synthetic_vocabulary.h"
#include "support/library.h"

namespace {

using ossvk_test::get_api;
using ossvk_test::open_library;

class Abi : public ::testing::Test {
 protected:
  void SetUp() override {
    handle_ = open_library();
    ASSERT_NE(handle_, nullptr) << dlerror();
    api_ = get_api(handle_);
    ASSERT_NE(api_, nullptr);
    EXPECT_EQ(get_api(handle_, OSSVK_ABI_VERSION + 1), nullptr);
  }
  void TearDown() override {
    if (handle_) dlclose(handle_);
  }
  void* handle_ = nullptr;
  const ossvk_api* api_ = nullptr;
};

TEST_F(Abi, version_matches_header) {
  EXPECT_EQ(api_->abi_version, static_cast<uint32_t>(OSSVK_ABI_VERSION));
  EXPECT_EQ(api_->abi_version_fn(), static_cast<uint32_t>(OSSVK_ABI_VERSION));
}

// Options as an engine of an older version fills them: zeros up to byte `end` (where its struct
// ends), 0xFF beyond, where the library must not read.
ossvk_model_options options_ending_at(size_t end) {
  ossvk_model_options o;
  std::memset(&o, 0xFF, sizeof o);
  std::memset(&o, 0, end);
  return o;
}

// The tiny synthetic model loaded through an older version's table, its options ending at
// byte `end`; null on failure.
ossvk_model* tiny_through(const ossvk_api& api, size_t end) {
  ossvk_model_options o = options_ending_at(end);
  ossvk_synthetic_options syn{};
  syn.preset = "tiny";
  ossvk_model* model = nullptr;
  return api.model_create_synthetic(&syn, &o, &model) == OSSVK_OK ? model : nullptr;
}

// An engine built against version 3 or 4 still gets its table (later versions only appended to
// it), whose loaders read those versions' shorter ossvk_model_options: nothing past vocab_only.
TEST_F(Abi, older_versions_since_3_are_served) {
  const ossvk_api* v4 = get_api(handle_, 4);
  ASSERT_NE(v4, nullptr);
  EXPECT_EQ(get_api(handle_, 3), v4);
  EXPECT_EQ(v4->abi_version, 4u);
  EXPECT_EQ(get_api(handle_, 2), nullptr);
  ossvk_model_options o = options_ending_at(offsetof(ossvk_model_options, lora_paths));
  o.experts_per_token = 2;
  ossvk_synthetic_options syn{};
  syn.preset = "tiny";
  ossvk_model* model = nullptr;
  ASSERT_EQ(v4->model_create_synthetic(&syn, &o, &model), OSSVK_OK) << v4->last_error();
  ossvk_model_info info;
  ASSERT_EQ(v4->model_get_info(model, &info), OSSVK_OK);
  EXPECT_EQ(info.experts_per_token, 2u);
  v4->model_free(model);
}

// Version 5's table: its loaders read nothing past lora_count.
TEST_F(Abi, version_5_options_end_at_lora_count) {
  const ossvk_api* v5 = get_api(handle_, 5);
  ASSERT_NE(v5, nullptr);
  EXPECT_EQ(v5->abi_version, 5u);
  ossvk_model* model = tiny_through(*v5, offsetof(ossvk_model_options, experts_on));
  ASSERT_NE(model, nullptr) << v5->last_error();
  ossvk_placement p;
  ASSERT_EQ(v5->model_get_placement(model, 0, &p), OSSVK_OK) << v5->last_error();
  EXPECT_EQ(p.host_expert_layers, 0u);  // 0xFF.. would have asked for host experts
  EXPECT_EQ(p.parts, 1u);               // .. and for 0xFFFFFFFF devices
  v5->model_free(model);
}

// Versions 6 to 8's tables: the loaders of 6 and 7 read nothing past device_count and
// experts_device (0xFF.. would name an experts device, or sessions that do not fit), and their
// placements write nothing past cache_bytes, experts_device_available and work_bytes.
TEST_F(Abi, versions_6_to_8_options_and_placement_are_shorter) {
  struct Old {
    uint32_t version;
    size_t options_end;
  };
  for (const Old& old : {Old{6, offsetof(ossvk_model_options, experts_device)},
                         Old{7, offsetof(ossvk_model_options, plan_sessions)},
                         Old{8, sizeof(ossvk_model_options)}}) {
    SCOPED_TRACE("version " + std::to_string(old.version));
    const ossvk_api* api = get_api(handle_, old.version);
    ASSERT_NE(api, nullptr);
    EXPECT_EQ(api->abi_version, old.version);
    ossvk_model* model = tiny_through(*api, old.options_end);
    ASSERT_NE(model, nullptr) << api->last_error();
    ossvk_placement p;
    std::memset(&p, 0xAB, sizeof p);
    ASSERT_EQ(api->model_get_placement(model, 0, &p), OSSVK_OK) << api->last_error();
    EXPECT_EQ(p.layers, 2u);
    // Past the version's struct: untouched.
    EXPECT_EQ(p.experts_device_layers, old.version == 6 ? 0xABABABABu : 0u);
    EXPECT_EQ(p.cache_sessions, old.version == 8 ? 1u : 0xABABABABu);
    EXPECT_EQ(p.experts_device_work_bytes, 0xABABABABABABABABu);
    api->model_free(model);
  }
}

// plan_sessions: the placement keeps room for that many sessions' caches, and spills the
// experts of more layers when they do not fit beside the weights.
TEST_F(Abi, the_plan_keeps_room_for_several_sessions) {
  ossvk_synthetic_options syn{};
  syn.preset = "tiny";
  std::string error;
  auto plan = [&](uint32_t sessions, uint64_t limit, ossvk_placement& p) {
    ossvk_model_options o{};
    o.plan_only = 1;
    o.plan_context = 1024;
    o.plan_sessions = sessions;
    o.memory_limit = limit;
    ossvk_model* model = nullptr;
    const ossvk_status s = api_->model_create_synthetic(&syn, &o, &model);
    if (s != OSSVK_OK) {
      error = api_->last_error();
      return s;
    }
    EXPECT_EQ(api_->model_get_placement(model, 0, &p), OSSVK_OK);
    api_->model_free(model);
    return s;
  };
  ossvk_placement one, eight;
  ASSERT_EQ(plan(0, 0, one), OSSVK_OK) << error;
  ASSERT_EQ(plan(8, 0, eight), OSSVK_OK) << error;
  EXPECT_EQ(one.cache_sessions, 1u);
  EXPECT_EQ(eight.cache_sessions, 8u);
  EXPECT_EQ(eight.cache_context, 1024u);
  EXPECT_EQ(eight.cache_bytes, 8 * one.cache_bytes);
  EXPECT_GT(eight.work_bytes, 8 * one.work_bytes);  // and the batches that step them
  EXPECT_EQ(eight.host_bytes, 0u);
  // A byte short of all weights and eight caches: one session keeps everything on the device,
  // eight move weights to system memory.
  const uint64_t limit = one.device_bytes + eight.cache_bytes + eight.work_bytes - 1;
  ossvk_placement p;
  ASSERT_EQ(plan(1, limit, p), OSSVK_OK) << error;
  EXPECT_EQ(p.host_bytes, 0u);
  ASSERT_EQ(plan(8, limit, p), OSSVK_OK) << error;
  EXPECT_GT(p.host_bytes, 0u);
  EXPECT_LE(p.device_bytes + p.cache_bytes + p.work_bytes, limit);
  // Less than the eight caches alone: the error names them.
  ASSERT_EQ(plan(8, eight.cache_bytes - 1, p), OSSVK_ERROR_OUT_OF_MEMORY);
  EXPECT_NE(error.find("8 sessions' K/V caches of 1024 positions"), std::string::npos) << error;
}

// The placement through the options: a plan without a device or upload, then the same model
// loaded with its experts in system memory, whose logits equal the all-on-device run's.
TEST_F(Abi, experts_in_system_memory_and_plans) {
  ossvk_synthetic_options syn{};
  syn.preset = "tiny";
  ossvk_model_options o{};
  o.plan_only = 1;
  o.experts_on = OSSVK_EXPERTS_HOST;
  o.host_expert_layers = 1;
  ossvk_model* model = nullptr;
  ASSERT_EQ(api_->model_create_synthetic(&syn, &o, &model), OSSVK_OK) << api_->last_error();
  ossvk_placement plan;
  ASSERT_EQ(api_->model_get_placement(model, 0, &plan), OSSVK_OK) << api_->last_error();
  EXPECT_EQ(plan.layers, 2u);
  EXPECT_EQ(plan.host_expert_layers, 1u);
  EXPECT_EQ(plan.cache_context, 4096u);
  EXPECT_GT(plan.host_bytes, 0u);
  EXPECT_EQ(plan.device_bytes + plan.host_bytes, plan.embedding_bytes + plan.output_bytes +
                                                     plan.dense_bytes + plan.expert_bytes +
                                                     plan.lora_bytes);
  ossvk_session* session = nullptr;
  EXPECT_EQ(api_->session_create(model, nullptr, &session), OSSVK_ERROR_UNSUPPORTED);
  EXPECT_NE(std::string(api_->last_error()).find("plan_only"), std::string::npos);
  api_->model_free(model);

  const uint32_t tokens[3] = {5, 17, 200};
  std::vector<float> logits[2];
  for (uint32_t experts_on : {OSSVK_EXPERTS_DEVICE, OSSVK_EXPERTS_HOST}) {
    o = ossvk_model_options{};
    o.experts_on = experts_on;
    ASSERT_EQ(api_->model_create_synthetic(&syn, &o, &model), OSSVK_OK) << api_->last_error();
    ossvk_placement p;
    ASSERT_EQ(api_->model_get_placement(model, 0, &p), OSSVK_OK);
    EXPECT_EQ(p.host_expert_layers, experts_on == OSSVK_EXPERTS_HOST ? 2u : 0u);
    ASSERT_EQ(api_->session_create(model, nullptr, &session), OSSVK_OK) << api_->last_error();
    std::vector<float>& out = logits[experts_on == OSSVK_EXPERTS_HOST];
    out.resize(512);
    ASSERT_EQ(api_->session_eval(session, tokens, 3, out.data(), 0), OSSVK_OK);
    api_->session_free(session);
    api_->model_free(model);
  }
  EXPECT_EQ(logits[0], logits[1]);

  // Two logical devices on one GPU, a block each: the same logits.
  o = ossvk_model_options{};
  const char* two[] = {"0", "0"};
  o.devices = two;
  o.device_count = 2;
  ASSERT_EQ(api_->model_create_synthetic(&syn, &o, &model), OSSVK_OK) << api_->last_error();
  ossvk_placement p;
  ASSERT_EQ(api_->model_get_placement(model, 1, &p), OSSVK_OK) << api_->last_error();
  EXPECT_EQ(p.parts, 2u);
  EXPECT_EQ(p.first_layer, 1u);
  EXPECT_EQ(p.layers, 1u);
  EXPECT_EQ(p.embedding_bytes, 0u);
  EXPECT_GT(p.output_bytes, 0u);
  EXPECT_EQ(api_->model_get_placement(model, 2, &p), OSSVK_ERROR_INVALID_ARGUMENT);
  ossvk_model_info info;
  ASSERT_EQ(api_->model_get_info(model, &info), OSSVK_OK);
  EXPECT_NE(std::string(info.device_name).find(" + "), std::string::npos) << info.device_name;
  ASSERT_EQ(api_->session_create(model, nullptr, &session), OSSVK_OK) << api_->last_error();
  std::vector<float> split(512);
  ASSERT_EQ(api_->session_eval(session, tokens, 3, split.data(), 0), OSSVK_OK);
  EXPECT_EQ(split, logits[0]);
  api_->session_free(session);
  api_->model_free(model);
  const char* three[] = {"0", "0", "0"};  // more devices than the tiny model's 2 blocks
  o.devices = three;
  o.device_count = 3;
  EXPECT_EQ(api_->model_create_synthetic(&syn, &o, &model), OSSVK_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(api_->last_error()).find("3 devices for 2 blocks"), std::string::npos)
      << api_->last_error();

  // Experts on another VkDevice of the one GPU, the first block's: the same logits.
  o = ossvk_model_options{};
  o.experts_on = OSSVK_EXPERTS_OTHER;
  o.experts_device = "0";
  o.host_expert_layers = 1;
  ASSERT_EQ(api_->model_create_synthetic(&syn, &o, &model), OSSVK_OK) << api_->last_error();
  ASSERT_EQ(api_->model_get_placement(model, 0, &p), OSSVK_OK) << api_->last_error();
  EXPECT_EQ(p.experts_device_layers, 1u);
  EXPECT_GT(p.experts_device_bytes, 0u);
  EXPECT_GT(p.experts_device_work_bytes, 0u);  // the rows handed across, the experts' scratch
  EXPECT_NE(std::string(p.experts_device_name), "");
  EXPECT_EQ(p.device_bytes + p.experts_device_bytes,
            p.embedding_bytes + p.output_bytes + p.dense_bytes + p.expert_bytes + p.lora_bytes);
  ASSERT_EQ(api_->session_create(model, nullptr, &session), OSSVK_OK) << api_->last_error();
  std::vector<float> elsewhere(512);
  ASSERT_EQ(api_->session_eval(session, tokens, 3, elsewhere.data(), 0), OSSVK_OK);
  EXPECT_EQ(elsewhere, logits[0]);
  api_->session_free(session);
  api_->model_free(model);
  o.experts_device = nullptr;  // OTHER without a device, and a device without OTHER
  EXPECT_EQ(api_->model_create_synthetic(&syn, &o, &model), OSSVK_ERROR_INVALID_ARGUMENT);
  o.experts_on = OSSVK_EXPERTS_HOST;
  o.experts_device = "0";
  EXPECT_EQ(api_->model_create_synthetic(&syn, &o, &model), OSSVK_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(api_->last_error()).find("experts_device"), std::string::npos);

  o = ossvk_model_options{};
  o.experts_on = 7;
  EXPECT_EQ(api_->model_create_synthetic(&syn, &o, &model), OSSVK_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(api_->last_error()).find("experts_on 7"), std::string::npos);
}

// A LoRA adapter (llama.cpp's GGUF layout) on the synthetic model through the model options:
// the device's logits move and match the reference, which merges the adapter into the weights.
TEST_F(Abi, a_lora_adapter_applies_at_load) {
  ossvk_synthetic_options syn{};
  syn.preset = "tiny";
  const uint64_t D = 64, Q = 64, r = 4;  // tiny: hidden 64, 4 heads of 16
  ossvk::GgufWriter w;
  w.add_string("general.architecture", "gpt-oss");
  w.add_string("general.type", "adapter");
  w.add_string("adapter.type", "lora");
  w.add_float32("adapter.lora.alpha", 8.0f);
  auto values = [](uint64_t n, float step) {
    std::vector<uint8_t> bytes(n * 4);
    for (uint64_t i = 0; i < n; ++i) {
      const float v = step * static_cast<float>(static_cast<int>(i * 7919 % 23) - 11);
      std::memcpy(&bytes[i * 4], &v, 4);
    }
    return bytes;
  };
  w.add_tensor("blk.1.attn_q.weight.lora_a", ossvk::TensorFormat::f32, {D, r},
               values(D * r, 0.02f));
  w.add_tensor("blk.1.attn_q.weight.lora_b", ossvk::TensorFormat::f32, {r, Q},
               values(r * Q, 0.05f));
  const std::string path = ::testing::TempDir() + "/ossvk_abi_lora.gguf";
  ASSERT_TRUE(w.write(path).ok());
  const char* paths[] = {path.c_str()};
  const float scales[] = {1.5f};
  ossvk_model_options o{};
  o.lora_paths = paths;
  o.lora_scales = scales;
  o.lora_count = 1;
  const uint32_t tokens[5] = {5, 17, 200, 3, 99};
  std::vector<float> plain(5 * 512), adapted(5 * 512), ref(5 * 512);
  for (auto [options, out] : {std::pair{(ossvk_model_options*)nullptr, &plain}, {&o, &adapted}}) {
    ossvk_model* model = nullptr;
    ASSERT_EQ(api_->model_create_synthetic(&syn, options, &model), OSSVK_OK) << api_->last_error();
    ossvk_session* session = nullptr;
    ASSERT_EQ(api_->session_create(model, nullptr, &session), OSSVK_OK) << api_->last_error();
    ASSERT_EQ(api_->session_eval(session, tokens, 5, out->data(), OSSVK_EVAL_ALL_LOGITS), OSSVK_OK)
        << api_->last_error();
    if (options) {
      ASSERT_EQ(api_->model_reference_logits(model, tokens, 5, 0, ref.data()), OSSVK_OK);
    }
    api_->session_free(session);
    api_->model_free(model);
  }
  float largest = 0, worst = 0, moved = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    largest = std::max(largest, std::fabs(ref[i]));
    worst = std::max(worst, std::fabs(adapted[i] - ref[i]));
    moved = std::max(moved, std::fabs(adapted[i] - plain[i]));
  }
  EXPECT_LE(worst, 1e-3f * largest);  // the public cases' bar (tests/model_test.cpp)
  EXPECT_GT(moved, 10 * worst);

  o.lora_paths = nullptr;
  ossvk_model* model = nullptr;
  EXPECT_EQ(api_->model_create_synthetic(&syn, &o, &model), OSSVK_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(api_->last_error()).find("lora_paths[0] is null"), std::string::npos);
  const char* missing[] = {"/nonexistent/adapter.gguf"};
  o.lora_paths = missing;
  EXPECT_EQ(api_->model_create_synthetic(&syn, &o, &model), OSSVK_ERROR_BAD_FILE);
  EXPECT_NE(std::string(api_->last_error()).find("/nonexistent/adapter.gguf"), std::string::npos);
  std::remove(path.c_str());
}

TEST_F(Abi, only_ossvk_symbols_are_exported) {
  EXPECT_EQ(dlsym(handle_, "volkInitialize"), nullptr);
  EXPECT_NE(dlsym(handle_, "ossvk_device_count"), nullptr);
}

TEST_F(Abi, lists_a_usable_default_device) {
  uint32_t n = 0;
  ASSERT_EQ(api_->device_count(&n), OSSVK_OK) << api_->last_error();
  ASSERT_GE(n, 1u);
  uint32_t chosen = 99;
  ASSERT_EQ(api_->device_select(nullptr, &chosen), OSSVK_OK) << api_->last_error();
  ossvk_device_info info;
  ASSERT_EQ(api_->device_get_info(chosen, &info), OSSVK_OK) << api_->last_error();
  EXPECT_EQ(info.usable, 1u) << info.unusable_reason;
  EXPECT_GT(info.max_storage_buffer_range, 0u);
  EXPECT_GT(info.subgroup_size, 0u);
  EXPECT_TRUE(info.features & OSSVK_FEATURE_BUFFER_DEVICE_ADDRESS);
  EXPECT_STREQ(api_->last_error(), "");
}

TEST_F(Abi, bad_arguments_return_errors_with_messages) {
  EXPECT_EQ(api_->device_count(nullptr), OSSVK_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(api_->last_error()).find("count is null"), std::string::npos);
  ossvk_device_info info;
  EXPECT_EQ(api_->device_get_info(12345, &info), OSSVK_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(api_->last_error()).find("out of range"), std::string::npos);
  uint32_t idx;
  EXPECT_EQ(api_->device_select("no-such-gpu", &idx), OSSVK_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(api_->last_error()).find("no-such-gpu"), std::string::npos);
}

}  // namespace

namespace {

// A model and session through the function table, as an engine drives them.
TEST_F(Abi, a_synthetic_model_runs_and_matches_the_reference) {
  ossvk_synthetic_options syn{};
  syn.preset = "tiny";
  syn.seed = 3;
  ossvk_model* model = nullptr;
  ASSERT_EQ(api_->model_create_synthetic(&syn, nullptr, &model), OSSVK_OK) << api_->last_error();
  ossvk_model_info info;
  ASSERT_EQ(api_->model_get_info(model, &info), OSSVK_OK);
  EXPECT_EQ(info.vocab, 512u);
  EXPECT_EQ(info.experts_per_token, 4u);
  EXPECT_GT(info.tensor_count, 20u);
  ossvk_session* session = nullptr;
  ASSERT_EQ(api_->session_create(model, nullptr, &session), OSSVK_OK) << api_->last_error();
  const uint32_t tokens[5] = {5, 17, 200, 3, 99};
  std::vector<float> gpu(5 * 512), ref(5 * 512);
  ASSERT_EQ(api_->session_eval(session, tokens, 5, gpu.data(), OSSVK_EVAL_ALL_LOGITS), OSSVK_OK)
      << api_->last_error();
  ASSERT_EQ(api_->model_reference_logits(model, tokens, 5, 0, ref.data()), OSSVK_OK);
  float largest = 0, worst = 0;
  for (size_t i = 0; i < gpu.size(); ++i) {
    largest = std::max(largest, std::fabs(ref[i]));
    worst = std::max(worst, std::fabs(gpu[i] - ref[i]));
  }
  EXPECT_LE(worst, 1e-3f * largest);  // the public cases' bar (tests/model_test.cpp)
  uint32_t pos = 0;
  ASSERT_EQ(api_->session_position(session, &pos), OSSVK_OK);
  EXPECT_EQ(pos, 5u);

  const uint32_t bad = 512;
  EXPECT_EQ(api_->session_eval(session, &bad, 1, nullptr, 0), OSSVK_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(api_->last_error()).find("out of range"), std::string::npos);
  ossvk_sampler greedy{};
  uint32_t next = 0;
  ASSERT_EQ(api_->sample(gpu.data(), 512, &greedy, &next), OSSVK_OK);
  EXPECT_EQ(next,
            static_cast<uint32_t>(std::max_element(gpu.begin(), gpu.begin() + 512) - gpu.begin()));
  api_->session_free(session);
  api_->model_free(model);
}

// The tokenizer through the table: sizing calls, exact round trip, special tokens, errors.
// Drawing on the device draws what ossvk_sample draws from the downloaded row, state included.
TEST_F(Abi, eval_sample_draws_what_sample_draws) {
  ossvk_synthetic_options syn{};
  syn.preset = "tiny";
  ossvk_model* model = nullptr;
  ASSERT_EQ(api_->model_create_synthetic(&syn, nullptr, &model), OSSVK_OK) << api_->last_error();
  ossvk_model_info info;
  ASSERT_EQ(api_->model_get_info(model, &info), OSSVK_OK);
  ossvk_session *a = nullptr, *b = nullptr;
  ASSERT_EQ(api_->session_create(model, nullptr, &a), OSSVK_OK) << api_->last_error();
  ASSERT_EQ(api_->session_create(model, nullptr, &b), OSSVK_OK) << api_->last_error();
  ossvk_sampler sa{0.8f, 40, 0.9f, 0.05f, 7}, sb = sa;
  uint32_t ta[3] = {1, 2, 3}, n = 3;
  std::vector<float> row(info.vocab);
  for (int step = 0; step < 5; ++step) {
    uint32_t got = 0, want = 0;
    ASSERT_EQ(api_->session_eval_sample(a, ta, n, &sa, &got), OSSVK_OK) << api_->last_error();
    ASSERT_EQ(api_->session_eval(b, ta, n, row.data(), 0), OSSVK_OK) << api_->last_error();
    ASSERT_EQ(api_->sample(row.data(), info.vocab, &sb, &want), OSSVK_OK);
    ASSERT_EQ(got, want) << "step " << step;
    EXPECT_EQ(sa.state, sb.state);
    ta[0] = got;
    n = 1;
  }
  uint32_t token;
  ossvk_sampler bad{-1.0f, 0, 1.0f, 0.0f, 0};
  EXPECT_EQ(api_->session_eval_sample(a, ta, 1, &bad, &token), OSSVK_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(api_->last_error()).find("ossvk_session_eval_sample: temperature"),
            std::string::npos)
      << api_->last_error();
  ta[0] = info.vocab;
  EXPECT_EQ(api_->session_eval_sample(a, ta, 1, &sa, &token), OSSVK_ERROR_INVALID_ARGUMENT);
  api_->session_free(a);
  api_->session_free(b);
  api_->model_free(model);
}

// Three sessions stepped together draw, step after step, what each draws alone with the same
// sampler; bad batches are refused naming the session.
TEST_F(Abi, batch_eval_sample_draws_what_each_session_draws) {
  ossvk_synthetic_options syn{};
  syn.preset = "tiny";
  ossvk_model* model = nullptr;
  ASSERT_EQ(api_->model_create_synthetic(&syn, nullptr, &model), OSSVK_OK) << api_->last_error();
  constexpr uint32_t n = 3;
  ossvk_session *together[n], *alone[n];
  ossvk_sampler st[n], sa[n];
  uint32_t next[n];
  for (uint32_t i = 0; i < n; ++i) {
    ASSERT_EQ(api_->session_create(model, nullptr, &together[i]), OSSVK_OK);
    ASSERT_EQ(api_->session_create(model, nullptr, &alone[i]), OSSVK_OK);
    const uint32_t prompt[4] = {1 + i, 2, 3 + 2 * i, 4};  // prompts of 2, 3 and 4 tokens
    st[i] = sa[i] = ossvk_sampler{i == 0 ? 0.0f : 0.9f, 40 * i, 0.95f, 0.0f, 11 + i};
    uint32_t first = 0;
    ASSERT_EQ(api_->session_eval_sample(together[i], prompt, 2 + i, &st[i], &first), OSSVK_OK);
    ASSERT_EQ(api_->session_eval_sample(alone[i], prompt, 2 + i, &sa[i], &next[i]), OSSVK_OK);
    ASSERT_EQ(first, next[i]);
  }
  for (int step = 0; step < 4; ++step) {
    uint32_t got[n];
    ASSERT_EQ(api_->batch_eval_sample(together, next, n, st, got), OSSVK_OK) << api_->last_error();
    for (uint32_t i = 0; i < n; ++i) {
      uint32_t want = 0;
      ASSERT_EQ(api_->session_eval_sample(alone[i], &next[i], 1, &sa[i], &want), OSSVK_OK);
      ASSERT_EQ(got[i], want) << "session " << i << ", step " << step;
      EXPECT_EQ(st[i].state, sa[i].state);
      next[i] = want;
    }
  }
  uint32_t got[n];
  ossvk_session* twice[2] = {together[0], together[0]};
  EXPECT_EQ(api_->batch_eval_sample(twice, next, 2, st, got), OSSVK_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(api_->last_error()).find("appears twice"), std::string::npos)
      << api_->last_error();
  ossvk_model* other = nullptr;
  ASSERT_EQ(api_->model_create_synthetic(&syn, nullptr, &other), OSSVK_OK);
  ossvk_session* foreign = nullptr;
  ASSERT_EQ(api_->session_create(other, nullptr, &foreign), OSSVK_OK);
  ossvk_session* mixed[2] = {together[0], foreign};
  EXPECT_EQ(api_->batch_eval_sample(mixed, next, 2, st, got), OSSVK_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(api_->last_error()).find("session 1 is on another model"),
            std::string::npos)
      << api_->last_error();
  EXPECT_EQ(api_->batch_eval_sample(together, next, 0, st, got), OSSVK_ERROR_INVALID_ARGUMENT);
  api_->session_free(foreign);
  api_->model_free(other);
  for (uint32_t i = 0; i < n; ++i) {
    api_->session_free(together[i]);
    api_->session_free(alone[i]);
  }
  api_->model_free(model);
}

// A prompt prefilled in chunks beside two decoding sessions: no draw (and out untouched) before
// its last chunk, then the same greedy tokens as every session stepping alone (the chunked steps
// run the matmuls, whose logits stay within the whole-model bound of the sessions' own steps;
// the synthetic model's top logits are far further apart than that).
TEST_F(Abi, batch_eval_chunks_prefills_beside_decoding_sessions) {
  ossvk_model* model = tiny_through(*api_, sizeof(ossvk_model_options));  // default options
  ASSERT_NE(model, nullptr) << api_->last_error();
  constexpr uint32_t n = 3;
  ossvk_session *together[n], *alone[n];
  ossvk_sampler greedy[n] = {};
  uint32_t next[n] = {};
  std::vector<uint32_t> prompt(30);
  for (uint32_t j = 0; j < prompt.size(); ++j) prompt[j] = (j * 11 + 7) % 500;
  for (uint32_t i = 0; i < n; ++i) {
    ASSERT_EQ(api_->session_create(model, nullptr, &together[i]), OSSVK_OK);
    ASSERT_EQ(api_->session_create(model, nullptr, &alone[i]), OSSVK_OK);
  }
  for (uint32_t i = 0; i < 2; ++i) {  // sessions 0 and 1 decode; 2 takes the prompt in chunks
    const uint32_t start[2] = {3 + i, 9};
    ASSERT_EQ(api_->session_eval_sample(together[i], start, 2, &greedy[i], &next[i]), OSSVK_OK);
    ASSERT_EQ(api_->session_eval_sample(alone[i], start, 2, &greedy[i], &next[i]), OSSVK_OK);
  }
  uint32_t prompt_next = 0;
  ASSERT_EQ(api_->session_eval_sample(alone[2], prompt.data(), 30, &greedy[2], &prompt_next),
            OSSVK_OK);
  const uint32_t chunks[] = {12, 12, 6};
  for (uint32_t step = 0, at = 0; step < 5; ++step) {
    const uint32_t chunk = step < 3 ? chunks[step] : 1;
    std::vector<uint32_t> tokens = {next[0], next[1]};
    if (step < 3)
      tokens.insert(tokens.end(), prompt.begin() + at, prompt.begin() + at + chunk);
    else
      tokens.push_back(next[2]);
    const uint32_t counts[n] = {1, 1, chunk};
    ossvk_sampler* samplers[n] = {&greedy[0], &greedy[1], step < 2 ? nullptr : &greedy[2]};
    uint32_t got[n] = {0, 0, 0xFFFFFFFFu};
    ASSERT_EQ(api_->batch_eval_chunks(together, tokens.data(), counts, n, samplers, got), OSSVK_OK)
        << api_->last_error();
    if (step < 2) {
      EXPECT_EQ(got[2], 0xFFFFFFFFu);  // no draw: untouched
    } else if (step == 2) {
      EXPECT_EQ(got[2], prompt_next);
    }
    for (uint32_t i = 0; i < n; ++i) {
      if (i == 2 && step < 3) continue;
      uint32_t want = 0;
      ASSERT_EQ(api_->session_eval_sample(alone[i], &next[i], 1, &greedy[i], &want), OSSVK_OK);
      EXPECT_EQ(got[i], want) << "session " << i << ", step " << step;
    }
    for (uint32_t i = 0; i < n; ++i)
      if (i < 2 || step >= 2) next[i] = got[i];
    at += chunk;
  }
  uint32_t position = 0;
  ASSERT_EQ(api_->session_position(together[2], &position), OSSVK_OK);
  EXPECT_EQ(position, 32u);
  // Refused: no counts, and more tokens than a step takes.
  ossvk_sampler* samplers[n] = {&greedy[0], &greedy[1], &greedy[2]};
  uint32_t got[n];
  EXPECT_EQ(api_->batch_eval_chunks(together, next, nullptr, n, samplers, got),
            OSSVK_ERROR_INVALID_ARGUMENT);
  const std::vector<uint32_t> many(OSSVK_BATCH_MAX_TOKENS + 1, 1);
  const uint32_t counts[n] = {1, 1, OSSVK_BATCH_MAX_TOKENS - 1};
  EXPECT_EQ(api_->batch_eval_chunks(together, many.data(), counts, n, samplers, got),
            OSSVK_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(api_->last_error()).find("up to 519 tokens"), std::string::npos)
      << api_->last_error();
  for (uint32_t i = 0; i < n; ++i) {
    api_->session_free(together[i]);
    api_->session_free(alone[i]);
  }
  api_->model_free(model);
}

TEST_F(Abi, text_round_trips_through_the_models_tokenizer) {
  ossvk_synthetic_options syn{};
  ossvk_model* model = nullptr;
  ASSERT_EQ(api_->model_create_synthetic(&syn, nullptr, &model), OSSVK_OK) << api_->last_error();
  ossvk_model_info info;
  ASSERT_EQ(api_->model_get_info(model, &info), OSSVK_OK);
  EXPECT_EQ(info.tokenizer_tokens, 512u);
  EXPECT_EQ(info.bos_token, OSSVK_NO_TOKEN);
  uint32_t start = 0, ret = 0;
  ASSERT_EQ(api_->token_find(model, "<|start|>", &start), OSSVK_OK);
  ASSERT_EQ(api_->token_find(model, "<|return|>", &ret), OSSVK_OK);
  EXPECT_EQ(info.eos_token, ret);
  EXPECT_EQ(api_->token_find(model, "<|nope|>", &start), OSSVK_ERROR_INVALID_ARGUMENT);

  const std::string text = "<|start|>user<|message|>Hello world \xF0\x9F\x98\x80";
  uint32_t n = 0;
  ASSERT_EQ(api_->tokenize(model, text.data(), text.size(), OSSVK_TOKENIZE_SPECIAL, nullptr, 0, &n),
            OSSVK_OK)
      << api_->last_error();
  std::vector<uint32_t> ids(n);
  uint32_t again = 0;
  ASSERT_EQ(api_->tokenize(model, text.data(), text.size(), OSSVK_TOKENIZE_SPECIAL, ids.data(), n,
                           &again),
            OSSVK_OK);
  EXPECT_EQ(again, n);
  EXPECT_EQ(ids[0], start);
  uint64_t length = 0;
  ASSERT_EQ(api_->detokenize(model, ids.data(), n, nullptr, 0, &length), OSSVK_OK);
  std::string back(length, '\0');
  ASSERT_EQ(api_->detokenize(model, ids.data(), n, back.data(), length, &length), OSSVK_OK);
  EXPECT_EQ(back, text);

  const std::string invalid = "bad \xFF byte";
  EXPECT_EQ(api_->tokenize(model, invalid.data(), invalid.size(), OSSVK_TOKENIZE_REQUIRE_UTF8,
                           nullptr, 0, &n),
            OSSVK_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(api_->last_error()).find("not valid UTF-8 (byte 4)"), std::string::npos);
  EXPECT_EQ(api_->tokenize(model, invalid.data(), invalid.size(), 0, nullptr, 0, &n), OSSVK_OK);
  // Empty text and no tokens: counts of zero, and null buffers are never written.
  ASSERT_EQ(api_->tokenize(model, "", 0, 0, nullptr, 0, &n), OSSVK_OK);
  EXPECT_EQ(n, 0u);
  ASSERT_EQ(api_->detokenize(model, nullptr, 0, nullptr, 0, &length), OSSVK_OK);
  EXPECT_EQ(length, 0u);
  const uint32_t beyond = 512;
  EXPECT_EQ(api_->detokenize(model, &beyond, 1, nullptr, 0, &length), OSSVK_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(api_->last_error()).find("token id 512"), std::string::npos);
  api_->model_free(model);
}

// A GGUF holding only the tokenizer keys (as vocabulary files ship) serves tokenize and
// detokenize; loading it to run says what it lacks.
TEST_F(Abi, a_tokenizer_only_gguf_serves_text) {
  const ossvk::text::Vocabulary v = ossvk::text::synthetic_vocabulary(512);
  ossvk::GgufWriter w;
  w.add_string("general.name", "vocabulary");
  w.add_string("tokenizer.ggml.model", "gpt2");
  w.add_string("tokenizer.ggml.pre", v.pre);
  w.add_strings("tokenizer.ggml.tokens", v.tokens);
  w.add_int32s("tokenizer.ggml.token_type", v.types);
  w.add_strings("tokenizer.ggml.merges", v.merges);
  const std::string path = ::testing::TempDir() + "/ossvk_vocabulary_only.gguf";
  ASSERT_TRUE(w.write(path).ok());
  ossvk_model_options o{};
  o.vocab_only = 1;
  ossvk_model* model = nullptr;
  ASSERT_EQ(api_->model_load(path.c_str(), &o, &model), OSSVK_OK) << api_->last_error();
  ossvk_model_info info;
  ASSERT_EQ(api_->model_get_info(model, &info), OSSVK_OK);
  EXPECT_EQ(info.tokenizer_tokens, 512u);
  EXPECT_STREQ(info.name, "vocabulary");
  const std::string text = "Hello world";
  uint32_t ids[32], n = 0;
  ASSERT_EQ(api_->tokenize(model, text.data(), text.size(), 0, ids, 32, &n), OSSVK_OK)
      << api_->last_error();
  char back[64];
  uint64_t length = 0;
  ASSERT_EQ(api_->detokenize(model, ids, n, back, sizeof back, &length), OSSVK_OK);
  EXPECT_EQ(std::string(back, length), text);
  api_->model_free(model);
  EXPECT_EQ(api_->model_load(path.c_str(), nullptr, &model), OSSVK_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(api_->last_error()).find("holds no tensors"), std::string::npos)
      << api_->last_error();
  std::remove(path.c_str());
}

TEST_F(Abi, model_errors_name_the_file_and_option) {
  ossvk_model* model = nullptr;
  EXPECT_EQ(api_->model_load("/nonexistent/x.gguf", nullptr, &model), OSSVK_ERROR_BAD_FILE);
  EXPECT_NE(std::string(api_->last_error()).find("/nonexistent/x.gguf"), std::string::npos);
  EXPECT_EQ(model, nullptr);
  ossvk_synthetic_options syn{};
  syn.preset = "7b";
  EXPECT_EQ(api_->model_create_synthetic(&syn, nullptr, &model), OSSVK_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(api_->last_error()).find("'7b'"), std::string::npos);
  syn.preset = "tiny";
  ossvk_model_options o{};
  o.experts_per_token = 9;
  EXPECT_EQ(api_->model_create_synthetic(&syn, &o, &model), OSSVK_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(api_->last_error()).find("experts_per_token 9"), std::string::npos);
  o.experts_per_token = 0;
  o.memory_limit = 4096;
  EXPECT_EQ(api_->model_create_synthetic(&syn, &o, &model), OSSVK_ERROR_OUT_OF_MEMORY);
  EXPECT_NE(std::string(api_->last_error()).find("MiB of device memory"), std::string::npos);
  EXPECT_EQ(model, nullptr);
}

TEST(Sampler, greedy_top_k_and_seeded_draws) {
  void* h = open_library();
  ASSERT_NE(h, nullptr);
  const ossvk_api* api = get_api(h);
  const float logits[6] = {0.0f, 3.0f, 1.0f, 3.0f, -2.0f, 2.9f};
  ossvk_sampler s{};
  uint32_t t = 99;
  ASSERT_EQ(api->sample(logits, 6, &s, &t), OSSVK_OK);
  EXPECT_EQ(t, 1u);  // ties go to the lower id
  s.temperature = 1.0f;
  s.top_k = 3;  // only ids 1, 3 and 5 may come out
  s.state = 42;
  int seen[6] = {};
  for (int i = 0; i < 3000; ++i) {
    ASSERT_EQ(api->sample(logits, 6, &s, &t), OSSVK_OK);
    ++seen[t];
  }
  EXPECT_EQ(seen[0] + seen[2] + seen[4], 0);
  EXPECT_GT(seen[1], 700);  // each about 1/3 (2.9 vs 3.0 is close to uniform)
  EXPECT_GT(seen[5], 700);
  ossvk_sampler a{1.0f, 0, 0.9f, 0.0f, 7}, b = a;
  uint32_t ta, tb;
  for (int i = 0; i < 20; ++i) {
    api->sample(logits, 6, &a, &ta);
    api->sample(logits, 6, &b, &tb);
    EXPECT_EQ(ta, tb);  // the same seed, the same draws
  }
  s.top_p = 1.5f;
  EXPECT_EQ(api->sample(logits, 6, &s, &t), OSSVK_ERROR_INVALID_ARGUMENT);
  dlclose(h);
}

}  // namespace
