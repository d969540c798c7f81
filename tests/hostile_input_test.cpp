// Hostile files and misuse, one test per class of failure (README "Reliability"): paths that are
// pipes, devices or links to them; oversized text files; an --out that would damage a user's
// file; configurations out of range; safetensors headers that overflow, repeat or overlap; type
// ids that only mark internal formats. Each must be a clear error, never a hang, a crash or a
// silent wrong answer.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "backend/loader/gguf_model.h"
#include "backend/loader/hf_model.h"
#include "backend/loader/output_file.h"
#include "backend/loader/safetensors.h"
#include "backend/model/synthetic.h"
#include "backend/text/hf_tokenizer.h"
#include "backend/text/synthetic_vocabulary.h"
#include "support/hf_writer.h"

namespace ossvk::testing {
namespace {

namespace fs = std::filesystem;

// A fresh folder for one test, removed afterwards.
class Scratch {
 public:
  Scratch()
      : dir_(fs::path(::testing::TempDir()) /
             ("ossvk_hostile_" + std::to_string(getpid()) + "_" + name())) {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  ~Scratch() { fs::remove_all(dir_); }
  std::string operator/(const std::string& file) const { return (dir_ / file).string(); }
  const fs::path& dir() const { return dir_; }

 private:
  static std::string name() {
    return ::testing::UnitTest::GetInstance()->current_test_info()->name();
  }
  fs::path dir_;
};

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

auto writes(const std::string& text) {
  return [text](FILE* f) { return std::fwrite(text.data(), 1, text.size(), f) == text.size(); };
}

bool has_temporary(const fs::path& dir) {
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().find(".tmp.") != std::string::npos) return true;
  return false;
}

// ---- Never damage a user's file ----

TEST(OutputFile, an_input_or_a_link_to_one_is_refused_and_left_as_it_was) {
  Scratch s;
  write_file(s / "model.gguf", "weights");
  fs::create_symlink(s / "model.gguf", s / "link.gguf");
  const std::vector<std::string> inputs = {s / "model.gguf"};
  for (const std::string& out : {s / "model.gguf", s / "link.gguf"}) {
    const std::string e = write_output_file(out, writes("logits"), inputs);
    EXPECT_NE(e.find("refusing to overwrite it"), std::string::npos) << e;
    EXPECT_EQ(e.rfind(out, 0), 0u) << e;
    EXPECT_EQ(check_output_file(out, inputs), e);
  }
  EXPECT_EQ(read_file(s / "model.gguf"), "weights");
  EXPECT_TRUE(fs::is_symlink(s / "link.gguf"));
  // A model folder's files are all inputs: its config.json is not an output either.
  fs::create_directories(s / "folder");
  write_file(s / "folder/config.json", "{}");
  const std::string e =
      write_output_file(s / "folder/config.json", writes("x"), model_input_files(s / "folder"));
  EXPECT_NE(e.find("refusing to overwrite it"), std::string::npos) << e;
  EXPECT_EQ(read_file(s / "folder/config.json"), "{}");
}

TEST(OutputFile, devices_pipes_folders_and_dangling_links_are_never_replaced) {
  Scratch s;
  ASSERT_EQ(mkfifo((s / "fifo").c_str(), 0600), 0);
  fs::create_directories(s / "folder");
  fs::create_symlink(s / "nothing", s / "dangling");
  for (const std::string& out : {std::string("/dev/null"), s / "fifo", s / "folder"}) {
    const std::string e = write_output_file(out, writes("x"));
    EXPECT_NE(e.find("is not a regular file"), std::string::npos) << e;
  }
  EXPECT_NE(write_output_file(s / "dangling", writes("x")).find("a link to nothing"),
            std::string::npos);
  struct stat st {};
  ASSERT_EQ(stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_TRUE(fs::is_fifo(s / "fifo"));
  EXPECT_FALSE(fs::exists(s / "nothing"));
  EXPECT_FALSE(has_temporary(s.dir()));
}

TEST(OutputFile, a_link_writes_the_file_it_names_which_keeps_its_permissions) {
  Scratch s;
  write_file(s / "logits.f32", "old");
  fs::permissions(s / "logits.f32", fs::perms::owner_read | fs::perms::owner_write);
  fs::create_symlink(s / "logits.f32", s / "link");
  ASSERT_EQ(write_output_file(s / "link", writes("new")), "");
  EXPECT_TRUE(fs::is_symlink(s / "link"));
  EXPECT_EQ(read_file(s / "logits.f32"), "new");
  EXPECT_EQ(fs::status(s / "logits.f32").permissions(),
            fs::perms::owner_read | fs::perms::owner_write);
}

TEST(OutputFile, a_failed_write_keeps_the_old_file_and_leaves_no_temporary) {
  Scratch s;
  write_file(s / "out", "old");
  const std::string e = write_output_file(s / "out", [](FILE* f) {
    std::fputs("partial", f);
    return false;
  });
  EXPECT_NE(e.find("cannot write"), std::string::npos) << e;
  EXPECT_EQ(read_file(s / "out"), "old");
  EXPECT_FALSE(has_temporary(s.dir()));
}

// SIGTERM (and likewise SIGINT, SIGHUP) while the temporary exists: the process still ends by
// the signal, and the temporary goes with it. The child blocks inside its write until killed.
TEST(OutputFile, a_signal_during_the_write_removes_the_temporary) {
  Scratch s;
  write_file(s / "out", "old");
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    write_output_file(s / "out", [](FILE* f) {
      std::fputs("partial", f);
      std::fflush(f);
      for (;;) pause();
      return true;
    });
    _exit(3);  // not reached: the signal ends the child
  }
  const std::string tmp = s / ("out.tmp." + std::to_string(child));
  for (int i = 0; i < 1000 && !fs::exists(tmp); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(fs::exists(tmp));
  ASSERT_EQ(kill(child, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM) << status;
  EXPECT_FALSE(fs::exists(tmp));
  EXPECT_EQ(read_file(s / "out"), "old");
}

// ---- No hang, no unbounded read ----

TEST(InputFile, pipes_and_devices_are_refused_at_once_links_included) {
  Scratch s;
  ASSERT_EQ(mkfifo((s / "fifo").c_str(), 0600), 0);
  fs::create_symlink(s / "fifo", s / "fifo_link");
  fs::create_symlink("/dev/zero", s / "zero_link");
  // Opening a FIFO for reading blocks until a writer comes; none will.
  for (const std::string& path : {s / "fifo", s / "fifo_link", s / "zero_link"}) {
    auto mapped = MappedFile::open(path);
    ASSERT_FALSE(mapped.ok());
    EXPECT_NE(mapped.status().message().find("not a regular file"), std::string::npos);
    auto text = read_text_file(path, 1 << 20);
    ASSERT_FALSE(text.ok());
    EXPECT_EQ(text.status().message().rfind(path, 0), 0u) << text.status().message();
  }
}

TEST(InputFile, a_text_file_over_its_limit_is_refused_before_reading) {
  Scratch s;
  write_file(s / "config.json", std::string(100, ' '));
  auto text = read_text_file(s / "config.json", 64);
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.status().message().find("100 bytes, more than the 64"), std::string::npos)
      << text.status().message();
  EXPECT_TRUE(read_text_file(s / "config.json", 100).ok());
}

nlohmann::json hf_config();

TEST(InputFile, every_file_of_a_model_folder_may_be_a_pipe_without_hanging) {
  Scratch s;
  for (const char* name : {"config.json", "model.safetensors.index.json", "model.safetensors",
                           "tokenizer.json", "tokenizer_config.json"}) {
    SCOPED_TRACE(name);
    const fs::path dir = s.dir() / (std::string("m_") + name);
    fs::create_directories(dir);
    write_file((dir / "config.json").string(), hf_config().dump());
    write_hf_tokenizer(text::synthetic_vocabulary(512), dir.string());
    fs::remove(dir / name);
    ASSERT_EQ(mkfifo((dir / name).c_str(), 0600), 0);
    const std::string file = (dir / name).string();
    auto model = read_hf_model(dir.string());
    auto tokenizer = text::read_hf_tokenizer(dir.string());
    // The reader that meets the pipe names it.
    const bool named = (!model.ok() && model.status().message().find(file) == 0) ||
                       (!tokenizer.ok() && tokenizer.status().message().find(file) == 0);
    EXPECT_TRUE(named) << (model.ok() ? "" : model.status().message()) << " / "
                       << (tokenizer.ok() ? "" : tokenizer.status().message());
  }
}

// ---- One range check of the configuration for every loader ----

// The tiny synthetic model with float keys set (added when absent) and arrays left out.
std::string gguf_error_with(const std::map<std::string, float>& floats,
                            const std::map<std::string, uint32_t>& uints = {}) {
  auto w = synthetic_model({});
  EXPECT_TRUE(w.ok());
  const auto bytes = w.value().bytes();
  auto f = GgufFile::parse(bytes, "src");
  GgufWriter out;
  for (const auto& [key, v] : f.value()->values()) {
    if (floats.count(key) || uints.count(key)) continue;
    if (v.type == GgufType::u32)
      out.add_uint32(key, static_cast<uint32_t>(f.value()->get_uint(key).value()));
    else if (v.type == GgufType::f32)
      out.add_float32(key, static_cast<float>(f.value()->get_float(key).value()));
    else if (v.type == GgufType::string)
      out.add_string(key, std::string(v.text));
  }
  if (!f.value()->find("gpt-oss.rope.scaling.type"))
    out.add_string("gpt-oss.rope.scaling.type", "yarn");
  for (const auto& [key, v] : floats) out.add_float32(key, v);
  for (const auto& [key, v] : uints) out.add_uint32(key, v);
  for (const auto& t : f.value()->tensors())
    out.add_tensor(t.name, t.format, t.dims, std::vector<uint8_t>(t.data.begin(), t.data.end()));
  const auto changed = out.bytes();
  auto g = GgufFile::parse(changed, "model.gguf");
  if (!g.ok()) return g.status().message();
  auto m = read_gguf_model(*g.value());
  return m.ok() ? "" : m.status().message();
}

TEST(ModelConfigCheck, gguf_rope_and_norm_keys_that_are_inf_nan_or_zero_are_named) {
  ASSERT_EQ(gguf_error_with({{"gpt-oss.rope.scaling.factor", 32}}), "");
  const float inf = std::numeric_limits<float>::infinity(), nan = std::nanf("");
  for (const char* key :
       {"gpt-oss.rope.scaling.factor", "gpt-oss.rope.scaling.original_context_length",
        "gpt-oss.rope.scaling.yarn_beta_fast", "gpt-oss.rope.scaling.yarn_beta_slow",
        "gpt-oss.attention.layer_norm_rms_epsilon", "gpt-oss.rope.freq_base"})
    for (float bad : {inf, nan, 0.0f}) {
      std::map<std::string, float> keys = {{"gpt-oss.rope.scaling.factor", 32}};
      keys[key] = bad;
      const std::string e = gguf_error_with(keys);
      EXPECT_EQ(e.find(std::string("model.gguf: ") + key), 0u) << key << " = " << bad << ": " << e;
    }
  // Betas the wrong way round make YaRN's ramp divide by a negative or zero width.
  const std::string e = gguf_error_with({{"gpt-oss.rope.scaling.factor", 32},
                                         {"gpt-oss.rope.scaling.yarn_beta_fast", 1},
                                         {"gpt-oss.rope.scaling.yarn_beta_slow", 1}});
  EXPECT_NE(e.find("yarn_beta_fast must exceed"), std::string::npos) << e;
  EXPECT_NE(gguf_error_with({}, {{"gpt-oss.attention.sliding_window_pattern", 0}})
                .find("sliding_window_pattern = 0 is out of range"),
            std::string::npos);
}

nlohmann::json hf_config() {
  return {{"model_type", "gpt_oss"},
          {"num_hidden_layers", 2},
          {"hidden_size", 64},
          {"vocab_size", 512},
          {"num_attention_heads", 4},
          {"num_key_value_heads", 1},
          {"head_dim", 16},
          {"num_local_experts", 8},
          {"num_experts_per_tok", 4},
          {"intermediate_size", 96},
          {"sliding_window", 4},
          {"rms_norm_eps", 1e-5},
          {"rope_theta", 150000},
          {"swiglu_limit", 7.0},
          {"rope_scaling",
           {{"rope_type", "yarn"},
            {"factor", 32.0},
            {"beta_fast", 32.0},
            {"beta_slow", 1.0},
            {"original_max_position_embeddings", 4096}}}};
}

TEST(ModelConfigCheck, hugging_face_sizes_and_constants_out_of_range_name_the_key) {
  ASSERT_TRUE(hf_config_from_json(hf_config().dump(), "config.json").ok());
  // JSON has no NaN or infinity (the parser refuses 1e999 as a whole): bounds stand in for them.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"num_hidden_layers", "0"},
      {"hidden_size", "0"},
      {"vocab_size", "0"},
      {"intermediate_size", "0"},
      {"head_dim", "0"},
      {"num_attention_heads", "0"},
      {"num_local_experts", "0"},
      {"num_key_value_heads", "0"},  // found by fuzz/hf_config_fuzz.cpp: heads % 0
      {"num_experts_per_tok", "9"},
      {"rms_norm_eps", "0"},
      {"rms_norm_eps", "2"},
      {"rms_norm_eps", "-1"},
      {"rope_theta", "0"},
      {"rope_theta", "1e300"},
      {"swiglu_limit", "0"},
      {"swiglu_limit", "-7"},
      {"rope_scaling.factor", "0"},
      {"rope_scaling.beta_fast", "1e300"},
      {"rope_scaling.original_max_position_embeddings", "0"}};
  for (const auto& [key, value] : cases) {
    std::string text = hf_config().dump();
    std::string name = key;
    if (key.rfind("rope_scaling.", 0) == 0) name = key.substr(13);
    const std::string quoted = "\"" + name + "\":";
    const size_t at = text.find(quoted);
    ASSERT_NE(at, std::string::npos) << key;
    const size_t end = text.find_first_of(",}", at + quoted.size());
    text.replace(at + quoted.size(), end - at - quoted.size(), value);
    auto c = hf_config_from_json(text, "config.json");
    ASSERT_FALSE(c.ok()) << key << " = " << value;
    EXPECT_EQ(c.status().message().find("config.json: " + key), 0u)
        << key << " = " << value << ": " << c.status().message();
  }
}

// OpenAI's layout names its keys its own way; head_dim 0 once divided by zero.
TEST(ModelConfigCheck, openai_keys_are_checked_under_their_own_names) {
  nlohmann::json j = {
      {"num_hidden_layers", 2},   {"hidden_size", 64},        {"vocab_size", 512},
      {"num_attention_heads", 4}, {"num_key_value_heads", 1}, {"head_dim", 0},
      {"num_experts", 8},         {"experts_per_token", 4},   {"intermediate_size", 96},
      {"rope_ntk_beta", 32.0},    {"rope_ntk_alpha", 1.0}};
  auto c = hf_config_from_json(j.dump(), "original/config.json");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message().find("original/config.json: head_dim = 0 is out of range"), 0u)
      << c.status().message();
  j["head_dim"] = 16;
  j["rope_ntk_alpha"] = 64.0;  // above beta: an inverted correction range
  j["rope_scaling_factor"] = 32.0;
  c = hf_config_from_json(j.dump(), "original/config.json");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("rope_ntk_beta must exceed rope_ntk_alpha"),
            std::string::npos)
      << c.status().message();
}

// ---- safetensors headers ----

std::vector<uint8_t> safetensors(const std::string& header, size_t data_bytes) {
  std::vector<uint8_t> b(8 + header.size() + data_bytes, 0);
  const uint64_t n = header.size();
  std::memcpy(b.data(), &n, 8);
  std::memcpy(b.data() + 8, header.data(), header.size());
  return b;
}

std::string safetensors_error(const std::string& header, size_t data_bytes) {
  const auto bytes = safetensors(header, data_bytes);
  auto f = SafetensorsFile::parse(bytes, "model.safetensors");
  return f.ok() ? "" : f.status().message();
}

TEST(Safetensors, a_shape_whose_element_count_overflows_is_refused) {
  // 2^22 * 2^21 * 2^21 = 2^64, which wrapped to 0 elements and matched an empty range.
  const std::string e = safetensors_error(
      R"({"w": {"dtype": "F32", "shape": [4194304, 2097152, 2097152], "data_offsets": [0, 0]}})",
      0);
  EXPECT_NE(e.find("tensor 'w': more than 2^42 elements"), std::string::npos) << e;
}

TEST(Safetensors, a_name_given_twice_is_refused) {
  const std::string e = safetensors_error(
      R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
          "w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})",
      8);
  EXPECT_NE(e.find("tensor 'w' appears twice"), std::string::npos) << e;
}

TEST(Safetensors, tensors_sharing_bytes_are_refused) {
  const std::string e = safetensors_error(
      R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
          "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})",
      12);
  EXPECT_NE(e.find("tensors 'a' and 'b' share bytes"), std::string::npos) << e;
  EXPECT_EQ(safetensors_error(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
          "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]},
          "c": {"dtype": "F32", "shape": [0], "data_offsets": [4, 4]}})",
                              12),
            "");
}

TEST(Safetensors, a_tensor_in_two_shards_is_refused) {
  Scratch s;
  const std::string header = R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})";
  for (const char* shard : {"a.safetensors", "b.safetensors"}) {
    const auto bytes = safetensors(header, 4);
    std::ofstream(s / shard, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  }
  write_file(s / "model.safetensors.index.json",
             R"({"weight_map": {"w": "a.safetensors", "x": "b.safetensors"}})");
  write_file(s / "config.json", hf_config().dump());
  auto m = read_hf_model(s.dir().string());
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("tensor 'w' appears in both a.safetensors and b.safetensors"),
            std::string::npos)
      << m.status().message();
}

// ---- GGUF type ids ----

// 0xFFFFFFFF marks the formats GGUF has no id for (MLX, HF's MXFP4 order): never a file's type.
TEST(Gguf, the_internal_no_type_marker_is_an_unknown_type) {
  TensorFormat f;
  EXPECT_FALSE(tensor_format_from_gguf(kNoGgufType, &f));
  GgufWriter w;
  w.add_tensor("t", TensorFormat::f32, {32}, std::vector<uint8_t>(128));
  auto b = w.bytes();
  const std::string name = "t";
  const auto at = std::search(b.begin(), b.end(), name.begin(), name.end()) - b.begin();
  std::memset(&b[at + name.size() + 4 + 8], 0xFF, 4);  // after the name, n_dims and one dim
  auto g = GgufFile::parse(b, "model.gguf");
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.status().message().find("tensor 't' has ggml type 4294967295, which ossvk does not "
                                      "read"),
            std::string::npos)
      << g.status().message();
}

}  // namespace
}  // namespace ossvk::testing
