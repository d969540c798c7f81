// ossvk-bench: kernel benchmarks. Each case is verified against the CPU reference, then timed
// with GPU timestamps; throughput is reported against the device's measured copy bandwidth.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "backend/formats/device_format.h"
#include "bench_case.h"
#include "copy_bandwidth.h"
#include "host/transfer.h"
#include "shaders/embedded_kernels.h"

namespace {

using ossvk::bench::CaseResult;

struct Options {
  bool json = false;
  std::string filter;
  std::string device;
  int runs = 20;
  uint32_t m = 0, k = 0, n = 0;  // --shape: one custom case per matching kernel
  std::string tokenizer, text;   // the tokenizer case's GGUF and text file
  ossvk::host::BufferAccess access = ossvk::host::BufferAccess::automatic;
  ossvk::host::MatrixUnits matrix_units = ossvk::host::requested_matrix_units();
};

void usage(FILE* out) {
  std::fprintf(
      out,
      "usage: ossvk-bench [--json] [--filter SUBSTRING] [--device SELECTOR] [--runs N]\n"
      "                   [--shape MxKxN]   (the matmul, \"MxK n=N\", on one copy of the weights;\n"
      "                   N <= 8 the matvec too, \"MxK\", streaming copies as decode does)\n"
      "                   [--buffer-access auto|addresses|descriptors]\n"
      "                   [--matmul auto|scalar|emulated]   (prefill's tile products; default\n"
      "                   OSSVK_MATMUL, else the device's matrix units where it has them)\n"
      "                   [--tokenizer FILE.gguf] [--text FILE]   (the o200k_encode case: a\n"
      "                   file's tokenizer and text instead of the built-in ones)\n"
      "  SUBSTRING matches a case's name and shape, e.g. \"_matvec\" or \"moe E=32 t=1\"\n"
      "  (also run as: ossvk bench kernels ...)\n");
}

// Returns false on a bad argument; sets `help` when usage was asked for.
bool parse(int argc, char** argv, Options& o, bool& help) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    std::string v;
    if (a == "--json")
      o.json = true;
    else if (a == "--filter") {
      if (!value(o.filter)) return false;
    } else if (a == "--device") {
      if (!value(o.device)) return false;
    } else if (a == "--tokenizer") {
      if (!value(o.tokenizer)) return false;
    } else if (a == "--text") {
      if (!value(o.text)) return false;
    } else if (a == "--runs") {
      if (!value(v)) return false;
      o.runs = std::atoi(v.c_str());
      if (o.runs < 1 || o.runs > 1000) return false;
    } else if (a == "--buffer-access") {
      if (!value(v)) return false;
      if (v == "addresses")
        o.access = ossvk::host::BufferAccess::addresses;
      else if (v == "descriptors")
        o.access = ossvk::host::BufferAccess::descriptors;
      else if (v != "auto")
        return false;
    } else if (a == "--matmul") {
      if (!value(v) || !ossvk::host::matrix_units_from_name(v, &o.matrix_units)) return false;
    } else if (a == "--shape") {
      if (!value(v) || std::sscanf(v.c_str(), "%ux%ux%u", &o.m, &o.k, &o.n) != 3 || !o.m || !o.k ||
          !o.n || o.k % 32)
        return false;
    } else if (a == "--help" || a == "-h") {
      help = true;
    } else
      return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  bool help = false;
  if (!parse(argc, argv, opt, help)) {
    usage(stderr);
    return 2;
  }
  if (help) {
    usage(stdout);
    return 0;
  }
  auto instance = ossvk::host::Instance::create();
  if (!instance.ok()) {
    std::fprintf(stderr, "ossvk-bench: %s\n", instance.status().to_string().c_str());
    return 1;
  }
  ossvk::host::DeviceOptions dopt;
  dopt.kernels = ossvk::shaders::embedded_kernels();
  dopt.selector = opt.device;
  dopt.buffer_access = opt.access;
  dopt.matrix_units = opt.matrix_units;
  auto device_r = ossvk::host::Device::create(*instance.value(), dopt);
  if (!device_r.ok()) {
    std::fprintf(stderr, "ossvk-bench: %s\n", device_r.status().to_string().c_str());
    return 1;
  }
  auto& device = *device_r.value();
  auto transfer_r = ossvk::host::Transfer::create(device);
  if (!transfer_r.ok()) {
    std::fprintf(stderr, "ossvk-bench: %s\n", transfer_r.status().to_string().c_str());
    return 1;
  }
  auto& transfer = *transfer_r.value();
  const auto& info = device.info();
  if (!opt.json)
    std::printf("device: %s (%s), driver %s %s, Vulkan %s\n", info.name.c_str(), info.type_name(),
                info.driver_name.c_str(), info.driver_info.c_str(),
                info.api_version_string().c_str());
  if (!opt.json)
    std::printf("kernels reach buffers through %s\n", device.prefers_descriptors()
                                                          ? "texel and storage-buffer descriptors"
                                                          : "device addresses");
  if (!opt.json)
    std::printf("prefill matmuls on %s\n",
                device.mma() == ossvk::host::Mma::cooperative ? "the matrix units"
                : device.mma() == ossvk::host::Mma::emulated  ? "emulated matrix units"
                                                              : "scalar fp32 tiles");

  CaseResult copy = ossvk::bench::bench_copy_bandwidth(device, transfer, std::max(opt.runs, 5));
  const double copy_gbps =
      copy.error.empty() ? copy.bytes / (ossvk::bench::median(copy.gpu_ms) * 1e6) : 0;
  std::vector<CaseResult> results{copy};

  namespace bench = ossvk::bench;
  const bench::CaseOptions case_options{
      device, transfer,      opt.runs, std::max(1, std::min(opt.runs, 3)), opt.m, opt.k,
      opt.n,  opt.tokenizer, opt.text};
  const std::vector<bench::Case> cases = bench::registered_cases(case_options);
  for (const bench::Case& c : cases) {
    const std::string label = c.name + " " + c.shape;
    if (!opt.filter.empty() && label.find(opt.filter) == std::string::npos) continue;
    if (!opt.json) std::fprintf(stderr, "  running %s ...\n", label.c_str());
    results.push_back(c());
  }

  bool ok = true;
  using Json = nlohmann::ordered_json;
  Json doc = {{"device", info.name},
              {"type", info.type_name()},
              {"driver", info.driver_name + " " + info.driver_info},
              {"copy_gbps", copy_gbps},
              {"cases", Json::array()}};
  // Columns as wide as the longest name and shape.
  int name_w = 4, shape_w = 5;
  for (const CaseResult& r : results) {
    name_w = std::max(name_w, static_cast<int>(r.name.size()));
    shape_w = std::max(shape_w, static_cast<int>(r.shape.size()));
  }
  if (!opt.json) {
    std::printf("copy bandwidth (f32_copy, 96 MiB): %.2f GB/s\n\n", copy_gbps);
    std::printf("%-*s %-*s %9s %9s %9s %9s %8s %7s %9s %10s %s\n", name_w, "case", shape_w, "shape",
                "MB", "median ms", "min ms", "max ms", "GB/s", "%copy", "GFLOP/s", "CPU ref ms",
                "check");
  }
  for (const CaseResult& r : results) {
    ok = ok && r.error.empty() && r.verified;
    double med = ossvk::bench::median(r.gpu_ms);
    double mn = r.gpu_ms.empty() ? 0 : *std::min_element(r.gpu_ms.begin(), r.gpu_ms.end());
    double mx = r.gpu_ms.empty() ? 0 : *std::max_element(r.gpu_ms.begin(), r.gpu_ms.end());
    double gbps = med > 0 ? r.bytes / (med * 1e6) : 0;
    double gflops = med > 0 ? r.flops / (med * 1e6) : 0;
    // The tokenizer runs on the host: a fraction of the device's copy bandwidth means nothing.
    double pct = copy_gbps > 0 && !r.tokens ? 100.0 * gbps / copy_gbps : 0;
    if (opt.json) {
      Json c = {{"case", r.name},
                {"shape", r.shape},
                {"bytes", r.bytes},
                {"median_ms", med},
                {"min_ms", mn},
                {"max_ms", mx},
                {"gbps", gbps},
                {"pct_copy", pct},
                {"gflops", gflops},
                {"cpu_reference_ms", r.cpu_reference_ms},
                {"max_error_over_bound", r.max_error},
                {"verified", r.verified},
                {"error", r.error}};
      if (r.tokens) c["tokens_per_s"] = med > 0 ? r.tokens / (med / 1e3) : 0;
      doc["cases"].push_back(c);
    } else if (!r.error.empty()) {
      std::printf("%-*s %-*s FAILED: %s\n", name_w, r.name.c_str(), shape_w, r.shape.c_str(),
                  r.error.c_str());
    } else {
      std::printf(
          "%-*s %-*s %9.2f %9.3f %9.3f %9.3f %8.2f %6.1f%% %9.2f %10s %s\n", name_w, r.name.c_str(),
          shape_w, r.shape.c_str(), r.bytes / 1e6, med, mn, mx, gbps, pct, gflops,
          r.cpu_reference_ms > 0 ? std::to_string(r.cpu_reference_ms).substr(0, 8).c_str() : "-",
          r.verified ? "verified" : "WRONG");
      if (r.tokens && med > 0)
        std::printf("%-*s %.0f tokens/s (%.0f tokens a run) on the host; CPU ref: PCRE2 split\n",
                    name_w, "", r.tokens / (med / 1e3), r.tokens);
    }
  }
  if (opt.json)
    std::printf("%s\n", doc.dump(1, ' ', false, Json::error_handler_t::replace).c_str());
  else
    std::printf(
        "\nGB/s counts the bytes each run must move (weights as stored, x, bias, y). check: every\n"
        "output (matmul: every row of 8 sampled tokens) within its fp32 error bound of the "
        "double-\n"
        "precision reference (tile products: that of operands split into two fp16 parts); for\n"
        "matmul the CPU column scales the sampled time to all tokens.\n");
  // Under OSSVK_VALIDATION a single validation message fails the run, as it fails a test.
  if (const uint32_t messages = instance.value()->validation_messages()) {
    std::fprintf(stderr, "ossvk-bench: the validation layer reported %u message(s)\n", messages);
    ok = false;
  }
  return ok ? 0 : 1;
}
