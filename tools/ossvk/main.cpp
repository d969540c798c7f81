// ossvk: the command line. Everything it does on a device goes through libossvk's C ABI; the
// kernel benchmarks, which need the library's internals, are the sibling program ossvk-bench.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "ossvk/devices.h"
#include "ossvk/library.h"
#include "ossvk/model_commands.h"
#include "ossvk/plan.h"
#include "ossvk/serve.h"
#include "ossvk/text_commands.h"

namespace {

struct Command {
  const char* name;
  const char* usage;  // the lines after "ossvk "
  bool model;         // takes MODEL
};
const Command kCommands[] = {
    {"devices", "devices [--json]           list Vulkan devices and whether ossvk can use them\n",
     false},
    {"selftest",
     "selftest                   a tiny GPT-OSS on the device against the CPU reference\n", false},
    {"info",
     "info MODEL [--json] [--upload]\n"
     "                             configuration and tensor table from the file; --upload\n"
     "                             also loads it: bytes on the device and per decode step\n",
     true},
    {"plan",
     "plan MODEL [--context C] [--parallel N] [--json]\n"
     "                             where the weights and K/V caches (N sessions of C\n"
     "                             positions, as serve opens) would go (device or system\n"
     "                             memory), MiB each, without uploading\n",
     true},
    {"logits",
     "logits MODEL --tokens 1,2,3 --out FILE\n"
     "                             float32 logits [tokens][vocab] of one prefill (never\n"
     "                             written over an input file or anything but a regular file)\n",
     true},
    {"generate",
     "generate MODEL --prompt TEXT | --tokens LIST [-n N] [--temp T --top-k K --top-p P\n"
     "                  --min-p M --sample-seed S] [--ignore-eos]\n"
     "                             stream generated text (or token ids for --tokens)\n",
     true},
    {"chat",
     "chat MODEL [--system TEXT] [--reasoning low|medium|high] [--show-reasoning]\n"
     "             [--date YYYY-MM-DD] [-n N] [--context C] [sampling options as for generate]\n"
     "                             interactive Harmony chat (Ctrl-C stops a reply)\n",
     true},
    {"serve",
     "serve MODEL [--host 127.0.0.1] [--port 8080] [--parallel 4] [--context 8192]\n"
     "             [--max-tokens 4096] [--queue 16] [--timeout 600] [--max-body 16MiB]\n"
     "             [--alias NAME] [--reasoning low|medium|high] [--date YYYY-MM-DD]\n"
     "                             an OpenAI-compatible HTTP server: /v1/chat/completions,\n"
     "                             /v1/completions, /v1/models, /health\n",
     true},
    {"tokenize",
     "tokenize MODEL [--text TEXT | --file PATH] [--no-special]\n"
     "                             token ids, comma-separated, of the text (stdin when\n"
     "                             neither is given, or for --file -)\n",
     true},
    {"detokenize",
     "detokenize MODEL [--tokens LIST | --file PATH]\n"
     "                             the exact text of the ids (comma- or space-separated;\n"
     "                             stdin when neither is given)\n",
     true},
    {"bench",
     "bench MODEL [-p 512] [-n 128] [--runs R] [--parallel 1,2,4,8] [--json]\n"
     "                             prefill and decode tokens/s; --parallel: the aggregate\n"
     "                             decode of that many sessions stepped together\n"
     "  bench kernels [options]    kernel benchmarks (ossvk-bench --help for options)\n",
     true},
    {"make-model",
     "make-model [--preset tiny|small|20b|120b] [--layers L] [--expert-type T] [--dense-type T]\n"
     "             [--seed S] --out FILE.gguf   a synthetic GPT-OSS with random weights\n"
     "  T: a GGUF type by name: mxfp4 (experts only), q8_0, q6_k, q5_k, q5_1, q5_0, q4_k,\n"
     "     q4_1, q4_0, q3_k, q2_k, iq4_xs, iq4_nl, bf16, f16, f32; a K-quant or iq4_xs where a\n"
     "     row is not a multiple of 256 becomes llama-quantize's fallback (q6_k: q8_0,\n"
     "     q5_k: q5_1, q4_k: q5_0, q3_k, q2_k and iq4_xs: iq4_nl)\n",
     false},
    {"demo", "demo                       the selftest (what `make demo` runs)\n", false},
    {"version", "version, --version         library and ABI version\n", false},
};

const char* const kModelUsage =
    "MODEL: --model FILE.gguf or a Hugging Face folder (config.json + *.safetensors),\n"
    "       or --preset tiny|small|20b|120b [--layers L] [--expert-type T]\n"
    "       [--dense-type T] [--seed S] for synthetic weights; also [--device SEL]\n"
    "       [--experts-per-token K] [--lora PATH]... [--lora-scale S]\n"
    "       [--devices SEL,SEL,...] [--device-memory-limit SIZE]\n"
    "       [--experts-on auto|device|host|host:N|SEL|SEL:N]\n"
    "  --lora: a LoRA adapter applied at load, an mlx-lm adapter folder or a llama.cpp\n"
    "          GGUF adapter (repeatable); --lora-scale multiplies each one's own scale\n"
    "  --devices: whole blocks across these devices in proportion to their memory (a\n"
    "          selector may repeat: another VkDevice on the same GPU)\n"
    "  --device-memory-limit: device memory for weights and K/V cache (24GiB, 512MiB),\n"
    "          on each device\n"
    "  --experts-on: the MoE experts in the device's memory, in system memory the\n"
    "          device reads across the bus (host: every layer's, host:N: the first N),\n"
    "          or on another device that runs them (SEL, SEL:N; e.g. the CPU's);\n"
    "          auto (default) moves as few layers' experts as make the rest fit\n";

void usage(FILE* out) {
  std::fprintf(out, "usage: ossvk <command> [options]\n");
  for (const Command& c : kCommands) std::fprintf(out, "  %s", c.usage);
  std::fprintf(out,
               "%s"
               "environment: OSSVK_DEVICE (index or name), OSSVK_VALIDATION=1, OSSVK_PROFILE=1,\n"
               "             OSSVK_LIBRARY\n",
               kModelUsage);
}

// `ossvk COMMAND ... --help` (or -h) where an option could stand, not as the value of a text
// option: that command's usage.
bool asks_for_help(int argc, char** argv) {
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i], before = argv[i - 1];
    if ((a == "--help" || a == "-h") && before != "--text" && before != "--prompt" &&
        before != "--system")
      return true;
  }
  return false;
}

int command_usage(const std::string& name) {
  for (const Command& c : kCommands)
    if (name == c.name) {
      std::printf("usage: ossvk %s%s", c.usage, c.model ? kModelUsage : "");
      return 0;
    }
  return 2;
}

int exec_bench(std::vector<std::string> args) {
  std::string path = ossvk_cli::executable_dir() + "/ossvk-bench";
  std::vector<char*> argv;
  argv.push_back(path.data());
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  execv(path.c_str(), argv.data());
  std::fprintf(stderr, "ossvk: cannot run %s: %s\n", path.c_str(), std::strerror(errno));
  return 1;
}

// A closed standard stream would let the next file opened take its number, and output meant for
// the terminal would land in that file: each closed one is held by /dev/null opened read-only,
// on which writes fail (and are reported) as they would on the closed stream.
void hold_closed_std_streams() {
  for (int fd = 0; fd <= 2; ++fd)
    if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
      const int held = open("/dev/null", O_RDONLY);
      if (held >= 0 && held != fd) {
        dup2(held, fd);
        close(held);
      }
    }
}

// Output lost to a full disk, a closed pipe or a closed stdout is a failure: the exit status
// says so instead of 0.
int finish(int status) {
  errno = 0;
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    const int e = errno ? errno : EIO;
    std::fprintf(stderr, "ossvk: cannot write to standard output: %s\n", std::strerror(e));
    return status ? status : 1;
  }
  return status;
}

int dispatch(int argc, char** argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  std::string cmd = argv[1];
  if (cmd == "help" || cmd == "--help" || cmd == "-h") {
    usage(stdout);
    return 0;
  }
  if (cmd == "bench" && argc >= 3 && std::strcmp(argv[2], "kernels") == 0)
    return exec_bench(std::vector<std::string>(argv + 3, argv + argc));
  if (asks_for_help(argc, argv) && command_usage(cmd) == 0) return 0;

  std::string error;
  const ossvk_api* api = ossvk_cli::load_library(error);
  if (!api) {
    std::fprintf(stderr, "ossvk: %s\n", error.c_str());
    return 1;
  }
  if (cmd == "devices") return ossvk_cli::run_devices(*api, argc - 2, argv + 2);
  if (cmd == "info") return ossvk_cli::run_info(*api, argc - 2, argv + 2);
  if (cmd == "plan") return ossvk_cli::run_plan(*api, argc - 2, argv + 2);
  if (cmd == "logits") return ossvk_cli::run_logits(*api, argc - 2, argv + 2);
  if (cmd == "generate") return ossvk_cli::run_generate(*api, argc - 2, argv + 2);
  if (cmd == "chat") return ossvk_cli::run_chat(*api, argc - 2, argv + 2);
  if (cmd == "serve") return ossvk_cli::run_serve(*api, argc - 2, argv + 2);
  if (cmd == "tokenize") return ossvk_cli::run_tokenize(*api, argc - 2, argv + 2);
  if (cmd == "detokenize") return ossvk_cli::run_detokenize(*api, argc - 2, argv + 2);
  if (cmd == "bench") return ossvk_cli::run_bench_model(*api, argc - 2, argv + 2);
  if (cmd == "make-model") return ossvk_cli::run_make_model(*api, argc - 2, argv + 2);
  if (cmd == "selftest" || cmd == "demo") return ossvk_cli::run_selftest(*api, argc - 2, argv + 2);
  if (cmd == "version" || cmd == "--version") {
    std::printf("ossvk ABI %u\n", api->abi_version_fn());
    return 0;
  }
  std::fprintf(stderr, "ossvk: unknown command '%s'\n", cmd.c_str());
  usage(stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  hold_closed_std_streams();
  return finish(dispatch(argc, argv));
}
