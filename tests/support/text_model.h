// A fixture for the engine's text pieces (tools/ossvk): the synthetic model's tokenizer
// (o200k_harmony's specials) loaded vocab-only through the C ABI, as the engine uses it.
#pragma once
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ossvk/harmony.h"
#include "ossvk/text.h"
#include "support/library.h"

namespace ossvk_cli {

class TextModel : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    handle_ = ossvk_test::open_library();
    ASSERT_NE(handle_, nullptr) << dlerror();
    api_ = ossvk_test::get_api(handle_);
    ossvk_synthetic_options syn{};
    ossvk_model_options o{};
    o.vocab_only = 1;  // text only: no device needed
    ASSERT_EQ(api_->model_create_synthetic(&syn, &o, &model_), OSSVK_OK) << api_->last_error();
  }
  static void TearDownTestSuite() {
    api_->model_free(model_);
    model_ = nullptr;
    dlclose(handle_);
  }
  void SetUp() override {
    ASSERT_NE(model_, nullptr);
    std::string error;
    auto t = HarmonyTokens::find(text(), error);
    ASSERT_TRUE(t) << error;
    tokens_ = *t;
  }
  static ModelText text() { return ModelText(*api_, model_); }
  // Tokens of `s` with special-token text recognised: how the expected sequences are written.
  static std::vector<uint32_t> special(const std::string& s) {
    std::vector<uint32_t> out;
    std::string error;
    EXPECT_TRUE(text().encode(s, OSSVK_TOKENIZE_SPECIAL, out, error)) << error;
    return out;
  }

  static inline void* handle_ = nullptr;
  static inline const ossvk_api* api_ = nullptr;
  static inline ossvk_model* model_ = nullptr;
  HarmonyTokens tokens_{};
};

}  // namespace ossvk_cli
