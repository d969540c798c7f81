#include "ossvk/devices.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "ossvk/json_output.h"

namespace ossvk_cli {
namespace {

const char* type_name(ossvk_device_type t) {
  switch (t) {
    case OSSVK_DEVICE_DISCRETE_GPU:
      return "discrete";
    case OSSVK_DEVICE_INTEGRATED_GPU:
      return "integrated";
    case OSSVK_DEVICE_VIRTUAL_GPU:
      return "virtual";
    case OSSVK_DEVICE_CPU:
      return "cpu";
    default:
      return "other";
  }
}

struct Feature {
  uint32_t bit;
  const char* name;
};
const Feature kFeatures[] = {
    {OSSVK_FEATURE_BUFFER_DEVICE_ADDRESS, "bufferDeviceAddress"},
    {OSSVK_FEATURE_STORAGE_8BIT, "storageBuffer8BitAccess"},
    {OSSVK_FEATURE_STORAGE_16BIT, "storageBuffer16BitAccess"},
    {OSSVK_FEATURE_SHADER_INT8, "shaderInt8"},
    {OSSVK_FEATURE_SHADER_INT64, "shaderInt64"},
    {OSSVK_FEATURE_SUBGROUP_ARITHMETIC, "subgroupArithmetic"},
    {OSSVK_FEATURE_SUBGROUP_SHUFFLE, "subgroupShuffle"},
    {OSSVK_FEATURE_SHADER_FLOAT16, "shaderFloat16"},
    {OSSVK_FEATURE_INTEGER_DOT_PRODUCT, "integerDotProduct"},
    {OSSVK_FEATURE_SUBGROUP_SIZE_CONTROL, "subgroupSizeControl"},
    {OSSVK_FEATURE_COOPERATIVE_MATRIX, "cooperativeMatrix"},
    {OSSVK_FEATURE_MEMORY_BUDGET, "memoryBudget"},
    {OSSVK_FEATURE_MATRIX_UNITS, "matrixUnits"},
};

// What a device's prefill matmuls run on (host::MatrixUnits; OSSVK_MATMUL chooses).
std::string prefill_matmul(const ossvk_device_info& d) {
  const char* env = std::getenv("OSSVK_MATMUL");
  const std::string choice = env ? env : "";
  if (choice == "emulated") return "emulated matrix units (OSSVK_MATMUL=emulated)";
  if (choice == "scalar") return "scalar fp32 tiles (OSSVK_MATMUL=scalar)";
  if (d.features & OSSVK_FEATURE_MATRIX_UNITS)
    return "matrix units: 64x64 tiles of 16x16x16 fp16 products, fp32 sums "
           "(VK_NV_cooperative_matrix)";
  // Devices with only VK_KHR_cooperative_matrix (AMD, Intel, Mesa 26's lavapipe) land here.
  if (d.features & OSSVK_FEATURE_COOPERATIVE_MATRIX)
    return "scalar fp32 tiles (the device's cooperative matrices lack what ossvk's matrix "
           "kernels use: VK_NV_cooperative_matrix, 16x16x16 fp16 products, subgroups of 32)";
  return "scalar fp32 tiles";
}

std::string api_string(uint32_t v) {
  return std::to_string(v >> 22 & 0x7F) + "." + std::to_string(v >> 12 & 0x3FF) + "." +
         std::to_string(v & 0xFFF);
}

void print_devices_json(const std::vector<ossvk_device_info>& devs, uint32_t chosen) {
  Json all = Json::array();
  for (const auto& d : devs) {
    Json heaps = Json::array();
    for (uint32_t h = 0; h < d.heap_count; ++h)
      heaps.push_back({{"bytes", d.heap_size[h]}, {"device_local", bool(d.heap_device_local[h])}});
    Json features = Json::object();
    for (const Feature& f : kFeatures) features[f.name] = (d.features & f.bit) != 0;
    all.push_back({{"index", d.index},
                   {"name", d.name},
                   {"type", type_name(d.type)},
                   {"driver", d.driver_name},
                   {"driver_info", d.driver_info},
                   {"driver_version", d.driver_version},
                   {"api_version", api_string(d.api_version)},
                   {"heaps", heaps},
                   {"max_storage_buffer_range", d.max_storage_buffer_range},
                   {"max_memory_allocation_size", d.max_memory_allocation_size},
                   {"max_shared_memory", d.max_shared_memory},
                   {"subgroup_size", d.subgroup_size},
                   {"min_subgroup_size", d.min_subgroup_size},
                   {"max_subgroup_size", d.max_subgroup_size},
                   {"timestamp_period_ns", d.timestamp_period_ns},
                   {"features", features},
                   {"prefill_matmul", prefill_matmul(d)},
                   {"usable", bool(d.usable)},
                   {"why_not", d.unusable_reason},
                   {"default", d.index == chosen}});
  }
  print_json(all);
}

void print_text(const std::vector<ossvk_device_info>& devs, uint32_t chosen) {
  for (const auto& d : devs) {
    std::printf("%s%u: %s (%s)\n", d.index == chosen ? "* " : "  ", d.index, d.name,
                type_name(d.type));
    std::printf("     driver %s %s (%s), Vulkan %s\n", d.driver_name, d.driver_version,
                d.driver_info, api_string(d.api_version).c_str());
    for (uint32_t h = 0; h < d.heap_count; ++h)
      std::printf("     heap %u: %.1f GiB%s\n", h, d.heap_size[h] / 1073741824.0,
                  d.heap_device_local[h] ? " device-local" : "");
    std::printf(
        "     maxStorageBufferRange %.0f MiB, maxMemoryAllocationSize %.0f MiB, shared memory %u "
        "KiB\n",
        d.max_storage_buffer_range / 1048576.0, d.max_memory_allocation_size / 1048576.0,
        d.max_shared_memory / 1024);
    std::printf("     subgroup size %u (min %u, max %u), timestampPeriod %g ns\n", d.subgroup_size,
                d.min_subgroup_size, d.max_subgroup_size, d.timestamp_period_ns);
    std::printf("     features:");
    for (const auto& f : kFeatures)
      if (d.features & f.bit) std::printf(" %s", f.name);
    std::printf("\n     prefill matmuls: %s\n", prefill_matmul(d).c_str());
    std::printf("     %s\n", d.usable ? "usable by ossvk"
                                      : (std::string("NOT usable: ") + d.unusable_reason).c_str());
  }
  if (chosen != UINT32_MAX)
    std::printf("* = the device ossvk uses by default (set OSSVK_DEVICE to change)\n");
}

}  // namespace

int run_devices(const ossvk_api& api, int argc, char** argv) {
  bool json = false;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--json") == 0)
      json = true;
    else {
      std::fprintf(stderr, "ossvk devices: unknown argument '%s' (usage: ossvk devices [--json])\n",
                   argv[i]);
      return 2;
    }
  }
  uint32_t n = 0;
  if (api.device_count(&n) != OSSVK_OK) {
    std::fprintf(stderr, "ossvk devices: %s\n", api.last_error());
    return 1;
  }
  std::vector<ossvk_device_info> devs(n);
  for (uint32_t i = 0; i < n; ++i)
    if (api.device_get_info(i, &devs[i]) != OSSVK_OK) {
      std::fprintf(stderr, "ossvk devices: %s\n", api.last_error());
      return 1;
    }
  uint32_t chosen = UINT32_MAX;
  if (api.device_select(nullptr, &chosen) != OSSVK_OK) {
    chosen = UINT32_MAX;
    if (!json) std::fprintf(stderr, "ossvk devices: %s\n", api.last_error());
  }
  json ? print_devices_json(devs, chosen) : print_text(devs, chosen);
  return n == 0 ? 1 : 0;
}

}  // namespace ossvk_cli
