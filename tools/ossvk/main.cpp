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

namespace {

void usage(FILE* out) {
  std::fprintf(
      out,
      "usage: ossvk <command> [options]\n"
      "  devices [--json]           list Vulkan devices and whether ossvk can use them\n"
      "  bench kernels [options]    kernel benchmarks (ossvk-bench --help for options)\n"
      "  demo                       verified and timed MXFP4 matvec on the default device\n"
      "  version                    library and ABI version\n"
      "environment: OSSVK_DEVICE (index or name), OSSVK_VALIDATION=1, OSSVK_LIBRARY\n");
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
  if (cmd == "bench") {
    if (argc < 3 || std::strcmp(argv[2], "kernels") != 0) {
      std::fprintf(
          stderr,
          "ossvk bench: expected 'kernels' (model benchmarks come with the model loader)\n");
      return 2;
    }
    return exec_bench(std::vector<std::string>(argv + 3, argv + argc));
  }
  if (cmd == "demo") return exec_bench({"--filter", "f32_mxfp4w_matvec"});

  std::string error;
  const ossvk_api* api = ossvk_cli::load_library(error);
  if (!api) {
    std::fprintf(stderr, "ossvk: %s\n", error.c_str());
    return 1;
  }
  if (cmd == "devices") return ossvk_cli::run_devices(*api, argc - 2, argv + 2);
  if (cmd == "version") {
    std::printf("ossvk ABI %u\n", api->abi_version_fn());
    return 0;
  }
  std::fprintf(stderr, "ossvk: unknown command '%s'\n", cmd.c_str());
  usage(stderr);
  return 2;
}
