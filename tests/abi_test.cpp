// The C ABI as an engine sees it: libossvk.so loaded with dlopen, one entry point.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <string>

#include "ossvk.h"

namespace {

class Abi : public ::testing::Test {
 protected:
  void SetUp() override {
    handle_ = dlopen(OSSVK_LIBRARY_PATH, RTLD_NOW | RTLD_LOCAL);
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
