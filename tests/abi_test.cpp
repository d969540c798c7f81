// The C ABI as an engine sees it: libossvk.so loaded with dlopen, one entry point.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "ossvk.h"

namespace {

// Under AddressSanitizer an instrumented library that is unloaded leaves exit-time handlers that
// call into unmapped code (a SEGV at process exit, after every test passed); the sanitized build
// keeps the library mapped. Normal builds unload it after every test, as an engine may.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OSSVK_TEST_ASAN 1
#endif
#endif
#ifdef OSSVK_TEST_ASAN
constexpr int kKeepLoaded = RTLD_NODELETE;
#else
constexpr int kKeepLoaded = 0;
#endif

class Abi : public ::testing::Test {
 protected:
  void SetUp() override {
    handle_ = dlopen(OSSVK_LIBRARY_PATH, RTLD_NOW | RTLD_LOCAL | kKeepLoaded);
    ASSERT_NE(handle_, nullptr) << dlerror();
    auto get = reinterpret_cast<const ossvk_api* (*)(uint32_t)>(dlsym(handle_, "ossvk_get_api"));
    ASSERT_NE(get, nullptr);
    api_ = get(OSSVK_ABI_VERSION);
    ASSERT_NE(api_, nullptr);
    EXPECT_EQ(get(OSSVK_ABI_VERSION + 1), nullptr);
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
  EXPECT_EQ(info.vocab, 256u);
  EXPECT_EQ(info.experts_per_token, 4u);
  EXPECT_GT(info.tensor_count, 20u);
  ossvk_session* session = nullptr;
  ASSERT_EQ(api_->session_create(model, nullptr, &session), OSSVK_OK) << api_->last_error();
  const uint32_t tokens[5] = {5, 17, 200, 3, 99};
  std::vector<float> gpu(5 * 256), ref(5 * 256);
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

  const uint32_t bad = 256;
  EXPECT_EQ(api_->session_eval(session, &bad, 1, nullptr, 0), OSSVK_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(api_->last_error()).find("out of range"), std::string::npos);
  ossvk_sampler greedy{};
  uint32_t next = 0;
  ASSERT_EQ(api_->sample(gpu.data(), 256, &greedy, &next), OSSVK_OK);
  EXPECT_EQ(next,
            static_cast<uint32_t>(std::max_element(gpu.begin(), gpu.begin() + 256) - gpu.begin()));
  api_->session_free(session);
  api_->model_free(model);
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
  void* h = dlopen(OSSVK_LIBRARY_PATH, RTLD_NOW | RTLD_LOCAL | kKeepLoaded);
  ASSERT_NE(h, nullptr);
  auto api = reinterpret_cast<const ossvk_api* (*)(uint32_t)>(dlsym(h, "ossvk_get_api"))(
      OSSVK_ABI_VERSION);
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
