// The GGUF reader and the GPT-OSS loader on broken files: every failure is an error naming the
// file and the key or tensor, never a crash.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>

#include "backend/loader/gguf_model.h"
#include "backend/loader/gguf_writer.h"
#include "backend/loader/hf_model.h"
#include "backend/model/synthetic.h"

namespace ossvk::testing {
namespace {

std::vector<uint8_t> tiny_bytes() {
  auto w = synthetic_model({});
  EXPECT_TRUE(w.ok());
  return w.value().bytes();
}

// The loader's verdict on `bytes`: "" when it loads, else the error message.
std::string load_error(std::span<const uint8_t> bytes) {
  auto f = GgufFile::parse(bytes, "model.gguf");
  if (!f.ok()) return f.status().message();
  auto m = read_gguf_model(*f.value());
  return m.ok() ? "" : m.status().message();
}

TEST(Gguf, the_writer_round_trips_keys_and_tensors) {
  GgufWriter w;
  w.add_uint32("a.u32", 7);
  w.add_float32("a.f32", 1.5f);
  w.add_string("a.str", "hello");
  w.add_strings("a.strs", {"x", "yz"});
  std::vector<uint8_t> data(4 * 64);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i);
  w.add_tensor("t", TensorFormat::f32, {32, 2}, data);
  auto bytes = w.bytes();
  auto f = GgufFile::parse(bytes, "x.gguf");
  ASSERT_TRUE(f.ok()) << f.status().to_string();
  EXPECT_EQ(f.value()->get_uint("a.u32").value(), 7u);
  EXPECT_EQ(f.value()->get_float("a.f32").value(), 1.5);
  EXPECT_EQ(f.value()->get_string("a.str").value(), "hello");
  EXPECT_EQ(f.value()->find("a.strs")->strings.size(), 2u);
  const GgufTensor* t = f.value()->tensor("t");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->dims, (std::vector<uint64_t>{32, 2}));
  EXPECT_EQ(t->offset % 32, 0u);
  EXPECT_TRUE(std::equal(data.begin(), data.end(), t->data.begin()));
}

TEST(Gguf, every_truncation_is_a_clean_error) {
  const auto bytes = tiny_bytes();
  ASSERT_EQ(load_error(bytes), "");
  // Every prefix through the header and tensor table, then a stride through the data.
  for (size_t n = 0; n < bytes.size(); n += n < 4096 ? 1 : 997) {
    const std::string e = load_error(std::span(bytes).first(n));
    ASSERT_FALSE(e.empty()) << "a " << n << "-byte prefix loaded";
    ASSERT_EQ(e.rfind("model.gguf: ", 0), 0u) << e;
  }
}

TEST(Gguf, data_past_the_end_names_the_tensor) {
  auto bytes = tiny_bytes();
  bytes.resize(bytes.size() - 64);
  EXPECT_NE(load_error(bytes).find("'output.weight'"), std::string::npos) << load_error(bytes);
  EXPECT_NE(load_error(bytes).find("past the end of the file"), std::string::npos);
}

TEST(Gguf, bad_magic_version_and_type_are_named) {
  auto bytes = tiny_bytes();
  auto bad = bytes;
  bad[0] = 'X';
  EXPECT_NE(load_error(bad).find("not a GGUF file"), std::string::npos);
  bad = bytes;
  bad[4] = 1;
  EXPECT_NE(load_error(bad).find("GGUF version 1 is not supported"), std::string::npos);

  GgufWriter w;
  w.add_tensor("iq2", TensorFormat::f32, {32}, std::vector<uint8_t>(128));
  auto b = w.bytes();
  // The type id sits right after the tensor's name and dims: patch F32 (0) to IQ2_XXS (16).
  const std::string name = "iq2";
  auto at = std::search(b.begin(), b.end(), name.begin(), name.end()) - b.begin();
  b[at + name.size() + 4 + 8] = 16;
  EXPECT_NE(load_error(b).find("tensor 'iq2' has ggml type 16, which ossvk does not read"),
            std::string::npos)
      << load_error(b);
}

// A tiny model with one tensor changed.
std::string with_change(
    const std::function<void(GgufWriter&, const std::string&, TensorFormat, std::vector<uint64_t>&,
                             std::vector<uint8_t>&, bool&)>& edit,
    const std::string& arch = "gpt-oss") {
  // Rebuild the tiny model tensor by tensor from its parsed form, letting `edit` alter or drop.
  const auto bytes = tiny_bytes();
  auto f = GgufFile::parse(bytes, "src");
  GgufWriter w;
  for (const auto& [key, v] : f.value()->values()) {
    if (key == "general.architecture")
      w.add_string(key, arch);
    else if (v.type == GgufType::u32)
      w.add_uint32(key, static_cast<uint32_t>(f.value()->get_uint(key).value()));
    else if (v.type == GgufType::f32)
      w.add_float32(key, static_cast<float>(f.value()->get_float(key).value()));
    else if (v.type == GgufType::string)
      w.add_string(key, std::string(v.text));
  }
  for (const auto& t : f.value()->tensors()) {
    auto dims = t.dims;
    std::vector<uint8_t> data(t.data.begin(), t.data.end());
    bool keep = true;
    edit(w, t.name, t.format, dims, data, keep);
    if (keep) w.add_tensor(t.name, t.format, dims, data);
  }
  return load_error(w.bytes());
}

TEST(Gguf, missing_tensor_wrong_shape_and_unknown_architecture_are_named) {
  EXPECT_EQ(with_change([](auto&, auto&, auto, auto&, auto&, bool&) {}), "");
  std::string e = with_change([](auto&, const std::string& n, auto, auto&, auto&, bool& keep) {
    keep = n != "blk.1.attn_sinks.weight";
  });
  EXPECT_NE(e.find("missing tensor 'blk.1.attn_sinks.weight'"), std::string::npos) << e;
  e = with_change([](auto&, const std::string& n, auto, auto& dims, auto& data, bool&) {
    if (n == "blk.0.attn_output.bias") dims = {32}, data.resize(128);
  });
  EXPECT_NE(e.find("tensor 'blk.0.attn_output.bias' has shape [32], expected [64]"),
            std::string::npos)
      << e;
  e = with_change([](auto&, auto&, auto, auto&, auto&, bool&) {}, "llama");
  EXPECT_NE(e.find("architecture 'llama' is not gpt-oss"), std::string::npos) << e;
}

TEST(Gguf, a_key_of_the_wrong_type_is_an_error_not_its_default) {
  GgufWriter w;
  w.add_string("general.alignment", "64");
  auto bytes = w.bytes();
  const std::string e = load_error(bytes);
  EXPECT_NE(e.find("key 'general.alignment' is string"), std::string::npos) << e;
}

// Found by fuzz/gguf_fuzz.cpp: a huge block_count once sized a vector before any tensor check.
TEST(Gguf, a_block_count_the_file_cannot_hold_is_refused_before_allocating) {
  auto bytes = tiny_bytes();
  const std::string key = "gpt-oss.block_count";
  auto at = std::search(bytes.begin(), bytes.end(), key.begin(), key.end()) - bytes.begin();
  const uint32_t huge = 1u << 30;
  std::memcpy(&bytes[at + key.size() + 4], &huge, 4);  // after the key, its u32 type id
  const std::string e = load_error(bytes);
  EXPECT_NE(e.find("gpt-oss.block_count = 1073741824 is out of range"), std::string::npos) << e;
}

// Found by fuzz/hf_config_fuzz.cpp: a non-string rope_type threw out of the JSON library.
TEST(HfConfig, wrong_json_types_are_errors) {
  auto c = hf_config_from_json(
      R"({"num_hidden_layers": 1, "hidden_size": 64, "vocab_size": 8, "num_attention_heads": 4,
          "num_key_value_heads": 1, "num_local_experts": 2, "num_experts_per_tok": 1,
          "intermediate_size": 64, "rope_scaling": {"rope_type": 5}})",
      "config.json");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("rope_type is not a string"), std::string::npos);
  c = hf_config_from_json(R"({"num_hidden_layers": "24"})", "config.json");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("config.json: key 'num_hidden_layers' is not a count"),
            std::string::npos)
      << c.status().message();
  EXPECT_FALSE(hf_config_from_json("[1, 2", "config.json").ok());
}

TEST(Gguf, a_missing_file_is_named) {
  auto f = GgufFile::open("/nonexistent/model.gguf");
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find("/nonexistent/model.gguf: cannot open"), std::string::npos);
}

}  // namespace
}  // namespace ossvk::testing
