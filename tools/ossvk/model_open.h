// What the model subcommands share: errors in one format, RAII for the C handles, and opening a
// model (--model PATH or a synthetic --preset) and a session from the command line's options.
#pragma once
#include <chrono>
#include <set>
#include <string>

#include "ossvk.h"
#include "ossvk/args.h"

namespace ossvk_cli {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t);

// Prints "ossvk COMMAND: MESSAGE" to stderr; returns the exit code 1.
int error(const std::string& command, const std::string& message);

// --model, --preset and the synthetic-model options, --device, --experts-per-token, LoRA and
// placement options.
extern const std::set<std::string> kModelOptions;

struct ModelHandle {
  const ossvk_api& api;
  ossvk_model* model = nullptr;
  ~ModelHandle() { api.model_free(model); }
};
struct SessionHandle {
  const ossvk_api& api;
  ossvk_session* session = nullptr;
  ~SessionHandle() { api.session_free(session); }
};

// --preset, --layers, --expert-type, --dense-type and --seed as synthetic-model options (the
// strings live as long as this object).
struct Synthetic {
  explicit Synthetic(Args& a)
      : preset(a.str("--preset", "tiny")),
        experts(a.str("--expert-type")),
        dense(a.str("--dense-type")) {
    options.preset = preset.c_str();
    options.layers = static_cast<uint32_t>(a.uint("--layers", 0, 1024));
    options.expert_type = experts.empty() ? nullptr : experts.c_str();
    options.dense_type = dense.empty() ? nullptr : dense.c_str();
    options.seed = a.uint("--seed", 1, UINT64_MAX);
  }
  std::string preset, experts, dense;
  ossvk_synthetic_options options{};
};

// What open_model does with the model: upload it (and print its placement on stderr), read
// its tokenizer and configuration only, or place it without uploading (ossvk plan).
enum class Open { upload, vocab_only, plan_only };

// The sessions a command opens, whose K/V caches the placement keeps room for.
struct Sessions {
  uint32_t context = 0;  // positions of each; 0: the library's default (4096)
  uint32_t count = 1;
};

// Loads --model PATH, or builds --preset NAME in memory, with the placement options
// (--device-memory-limit, --experts-on); prints the error and returns false on failure. Shows
// upload progress when stderr is a terminal.
bool open_model(const ossvk_api& api, Args& a, const std::string& command, ModelHandle& m,
                Open open = Open::upload, Sessions sessions = {});
bool open_session(const ossvk_api& api, ossvk_model* model, uint32_t context,
                  const std::string& command, SessionHandle& s);

}  // namespace ossvk_cli
