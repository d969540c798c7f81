// The C ABI's version, error and device functions, and the function table (abi_common.h has
// the rules every entry point follows; abi_model.cpp the models and sessions).
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "backend/abi_common.h"

namespace {

using namespace ossvk::abi;

ossvk_device_type to_abi(VkPhysicalDeviceType t) {
  switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
      return OSSVK_DEVICE_INTEGRATED_GPU;
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
      return OSSVK_DEVICE_DISCRETE_GPU;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
      return OSSVK_DEVICE_VIRTUAL_GPU;
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
      return OSSVK_DEVICE_CPU;
    default:
      return OSSVK_DEVICE_OTHER;
  }
}

// The newest table as an older version sees it: loaders that read that version's shorter
// options (ending at byte kOptionsEnd; where that is the whole struct, the newest loaders) and,
// where given, a placement that writes its shorter struct.
template <size_t kOptionsEnd>
ossvk_api older_table(const ossvk_api& newest, uint32_t version,
                      decltype(ossvk_api::model_get_placement) placement = nullptr) {
  ossvk_api t = newest;
  t.abi_version = version;
  if constexpr (kOptionsEnd < sizeof(ossvk_model_options)) {
    t.model_load = &model_load_old<kOptionsEnd>;
    t.model_create_synthetic = &model_create_synthetic_old<kOptionsEnd>;
  }
  if (placement) t.model_get_placement = placement;
  return t;
}

}  // namespace

extern "C" {

OSSVK_API uint32_t ossvk_abi_version(void) {
  return OSSVK_ABI_VERSION;
}

OSSVK_API const char* ossvk_last_error(void) {
  return t_last_error.c_str();
}

OSSVK_API ossvk_status ossvk_device_count(uint32_t* count) {
  return guarded([&] {
    if (!count) return fail(OSSVK_ERROR_INVALID_ARGUMENT, "ossvk_device_count: count is null");
    const DeviceList& l = device_list();
    if (!l.status.ok()) return fail(l.status);
    *count = static_cast<uint32_t>(l.devices.size());
    return OSSVK_OK;
  });
}

OSSVK_API ossvk_status ossvk_device_get_info(uint32_t index, ossvk_device_info* out) {
  return guarded([&] {
    if (!out) return fail(OSSVK_ERROR_INVALID_ARGUMENT, "ossvk_device_get_info: info is null");
    const DeviceList& l = device_list();
    if (!l.status.ok()) return fail(l.status);
    if (index >= l.devices.size())
      return fail(OSSVK_ERROR_INVALID_ARGUMENT, "ossvk_device_get_info: index " +
                                                    std::to_string(index) + " is out of range (" +
                                                    std::to_string(l.devices.size()) + " devices)");
    const auto& d = l.devices[index];
    *out = ossvk_device_info{};
    out->index = d.index;
    out->type = to_abi(d.type);
    copy_string(out->name, d.name);
    copy_string(out->driver_name, d.driver_name);
    copy_string(out->driver_info, d.driver_info);
    out->api_version = d.api_version;
    copy_string(out->driver_version, d.driver_version_string());
    out->vendor_id = d.vendor_id;
    out->device_id = d.device_id;
    out->heap_count = static_cast<uint32_t>(std::min<size_t>(d.heaps.size(), OSSVK_MAX_HEAPS));
    for (uint32_t i = 0; i < out->heap_count; ++i) {
      out->heap_size[i] = d.heaps[i].size;
      out->heap_device_local[i] = d.heaps[i].device_local;
    }
    out->max_storage_buffer_range = d.max_storage_buffer_range;
    out->max_memory_allocation_size = d.max_memory_allocation_size;
    out->max_shared_memory = d.max_shared_memory;
    out->subgroup_size = d.subgroup_size;
    out->min_subgroup_size = d.min_subgroup_size;
    out->max_subgroup_size = d.max_subgroup_size;
    out->timestamp_period_ns = d.timestamp_period_ns;
    const std::pair<bool, uint32_t> bits[] = {
        {d.buffer_device_address, OSSVK_FEATURE_BUFFER_DEVICE_ADDRESS},
        {d.storage_buffer_8bit, OSSVK_FEATURE_STORAGE_8BIT},
        {d.storage_buffer_16bit, OSSVK_FEATURE_STORAGE_16BIT},
        {d.shader_int8, OSSVK_FEATURE_SHADER_INT8},
        {d.shader_int64, OSSVK_FEATURE_SHADER_INT64},
        {d.subgroup_arithmetic, OSSVK_FEATURE_SUBGROUP_ARITHMETIC},
        {d.subgroup_shuffle, OSSVK_FEATURE_SUBGROUP_SHUFFLE},
        {d.shader_float16, OSSVK_FEATURE_SHADER_FLOAT16},
        {d.integer_dot_product, OSSVK_FEATURE_INTEGER_DOT_PRODUCT},
        {d.subgroup_size_control, OSSVK_FEATURE_SUBGROUP_SIZE_CONTROL},
        {d.cooperative_matrix, OSSVK_FEATURE_COOPERATIVE_MATRIX},
        {d.memory_budget, OSSVK_FEATURE_MEMORY_BUDGET},
        {d.matrix_units, OSSVK_FEATURE_MATRIX_UNITS},
    };
    for (auto [have, bit] : bits)
      if (have) out->features |= bit;
    out->usable = d.usable();
    std::string why;
    for (const auto& m : d.missing) why += (why.empty() ? "lacks " : ", ") + m;
    copy_string(out->unusable_reason, why);
    return OSSVK_OK;
  });
}

OSSVK_API ossvk_status ossvk_device_select(const char* selector, uint32_t* index) {
  return guarded([&] {
    if (!index) return fail(OSSVK_ERROR_INVALID_ARGUMENT, "ossvk_device_select: index is null");
    const DeviceList& l = device_list();
    if (!l.status.ok()) return fail(l.status);
    auto r = ossvk::host::select_device(l.devices, selector ? selector : "");
    if (!r.ok()) {
      Status s = r.status();
      // A selector that matches nothing is the caller's argument, not a missing driver.
      return l.devices.empty() ? fail(s)
                               : fail(s.vk_result() == VK_ERROR_FEATURE_NOT_PRESENT
                                          ? OSSVK_ERROR_UNSUPPORTED
                                          : OSSVK_ERROR_INVALID_ARGUMENT,
                                      s.message());
    }
    *index = r.value();
    return OSSVK_OK;
  });
}

OSSVK_API const ossvk_api* ossvk_get_api(uint32_t abi_version) {
  static const ossvk_api kApi = {
      OSSVK_ABI_VERSION,
      &ossvk_abi_version,
      &ossvk_last_error,
      &ossvk_device_count,
      &ossvk_device_get_info,
      &ossvk_device_select,
      &ossvk_model_load,
      &ossvk_model_create_synthetic,
      &ossvk_write_synthetic_model,
      &ossvk_model_free,
      &ossvk_model_get_info,
      &ossvk_model_get_tensor,
      &ossvk_model_reference_logits,
      &ossvk_session_create,
      &ossvk_session_free,
      &ossvk_session_eval,
      &ossvk_session_position,
      &ossvk_session_reset,
      &ossvk_sample,
      &ossvk_tokenize,
      &ossvk_detokenize,
      &ossvk_token_find,
      &ossvk_session_rewind,
      &ossvk_session_eval_sample,
      &ossvk_model_get_placement,
      &ossvk_batch_eval_sample,
      &ossvk_batch_eval_chunks,
  };
  static const ossvk_api kApiV4 = older_table<kOptionsEndV4>(kApi, 4);
  static const ossvk_api kApiV5 = older_table<kOptionsEndV5>(kApi, 5);
  static const ossvk_api kApiV6 =
      older_table<kOptionsEndV6>(kApi, 6, &model_get_placement_old<kPlacementEndV6>);
  static const ossvk_api kApiV7 =
      older_table<kOptionsEndV7>(kApi, 7, &model_get_placement_old<kPlacementEndV7>);
  static const ossvk_api kApiV8 =
      older_table<kOptionsEndV8>(kApi, 8, &model_get_placement_old<kPlacementEndV8>);
  constexpr uint32_t kOldestServed = 3;  // the table since then only grew at its end
  if (abi_version < kOldestServed || abi_version > OSSVK_ABI_VERSION) return nullptr;
  if (abi_version < 5) return &kApiV4;
  switch (abi_version) {
    case 5:
      return &kApiV5;
    case 6:
      return &kApiV6;
    case 7:
      return &kApiV7;
    case 8:
      return &kApiV8;
    default:
      return &kApi;
  }
}

}  // extern "C"
