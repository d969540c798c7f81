// ossvk: the command line. Everything it does on a device goes through libossvk's C ABI; the
// kernel benchmarks, which need the library's internals, are the sibling program ossvk-bench.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "ossvk/devices.h"
#include "ossvk/library.h"
#include "ossvk/model_commands.h"
#include "ossvk/text_commands.h"

namespace {

void usage(FILE* out) {
  std::fprintf(
      out,
      "usage: ossvk <command> [options]\n"
      "  devices [--json]           list Vulkan devices and whether ossvk can use them\n"
      "  selftest                   a tiny GPT-OSS on the device against the CPU reference\n"
      "  info MODEL [--json] [--upload]\n"
      "                             configuration and tensor table from the file; --upload\n"
      "                             also loads it: bytes on the device and per decode step\n"
      "  logits MODEL --tokens 1,2,3 --out FILE\n"
      "                             float32 logits [tokens][vocab] of one prefill\n"
      "  generate MODEL --prompt TEXT | --tokens LIST [-n N] [--temp T --top-k K --top-p P\n"
      "                  --min-p M --sample-seed S] [--ignore-eos]\n"
      "                             stream generated text (or token ids for --tokens)\n"
      "  chat MODEL [--system TEXT] [--reasoning low|medium|high] [--show-reasoning]\n"
      "             [-n N] [--context C] [sampling options as for generate]\n"
      "                             interactive Harmony chat (Ctrl-C stops a reply)\n"
      "  tokenize MODEL --text TEXT [--no-special]   token ids of TEXT, comma-separated\n"
      "  detokenize MODEL --tokens LIST             the exact text of the ids\n"
      "  bench MODEL [-p 512] [-n 128] [--runs R] [--json]   prefill and decode tokens/s\n"
      "  bench kernels [options]    kernel benchmarks (ossvk-bench --help for options)\n"
      "  make-model [--preset tiny|20b|120b] [--layers L] [--expert-type T] [--dense-type T]\n"
      "             [--seed S] --out FILE.gguf   a synthetic GPT-OSS with random weights\n"
      "  demo                       the selftest (what `make demo` runs)\n"
      "  version                    library and ABI version\n"
      "MODEL: --model FILE.gguf or a Hugging Face folder (config.json + *.safetensors),\n"
      "       or --preset tiny|20b|120b [--layers L] [--expert-type T]\n"
      "       [--dense-type T] [--seed S] for synthetic weights; also [--device SEL]\n"
      "       [--experts-per-token K]\n"
      "environment: OSSVK_DEVICE (index or name), OSSVK_VALIDATION=1, OSSVK_PROFILE=1,\n"
      "             OSSVK_LIBRARY\n");
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

}  // namespace

int main(int argc, char** argv) {
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

  std::string error;
  const ossvk_api* api = ossvk_cli::load_library(error);
  if (!api) {
    std::fprintf(stderr, "ossvk: %s\n", error.c_str());
    return 1;
  }
  if (cmd == "devices") return ossvk_cli::run_devices(*api, argc - 2, argv + 2);
  if (cmd == "info") return ossvk_cli::run_info(*api, argc - 2, argv + 2);
  if (cmd == "logits") return ossvk_cli::run_logits(*api, argc - 2, argv + 2);
  if (cmd == "generate") return ossvk_cli::run_generate(*api, argc - 2, argv + 2);
  if (cmd == "chat") return ossvk_cli::run_chat(*api, argc - 2, argv + 2);
  if (cmd == "tokenize") return ossvk_cli::run_tokenize(*api, argc - 2, argv + 2);
  if (cmd == "detokenize") return ossvk_cli::run_detokenize(*api, argc - 2, argv + 2);
  if (cmd == "bench") return ossvk_cli::run_bench_model(*api, argc - 2, argv + 2);
  if (cmd == "make-model") return ossvk_cli::run_make_model(*api, argc - 2, argv + 2);
  if (cmd == "selftest" || cmd == "demo") return ossvk_cli::run_selftest(*api, argc - 2, argv + 2);
  if (cmd == "version") {
    std::printf("ossvk ABI %u\n", api->abi_version_fn());
    return 0;
  }
  std::fprintf(stderr, "ossvk: unknown command '%s'\n", cmd.c_str());
  usage(stderr);
  return 2;
}
