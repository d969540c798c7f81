/* ossvk: a Vulkan compute backend for GPT-OSS models. The public C ABI.
 *
 * Rules that hold for every function:
 * - Nothing crosses this boundary but C types: no C++ exceptions, no exit() or abort().
 * - A function returning ossvk_status returns OSSVK_OK or an error code; the message of the
 *   calling thread's last error is ossvk_last_error().
 * - Thread-safety is stated per function.
 *
 * An engine that loads libossvk.so with dlopen() needs one symbol: ossvk_get_api(), which returns
 * the whole function table for an ABI version. */
#ifndef OSSVK_H
#define OSSVK_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(OSSVK_BUILDING_LIBRARY)
#define OSSVK_API __attribute__((visibility("default")))
#else
#define OSSVK_API
#endif

/* Bumped whenever a struct or function signature in this header changes. */
#define OSSVK_ABI_VERSION 1

typedef enum ossvk_status {
  OSSVK_OK = 0,
  OSSVK_ERROR_INVALID_ARGUMENT = 1, /* a null pointer, an index out of range, a bad selector */
  OSSVK_ERROR_NO_VULKAN = 2,        /* no loader or no device */
  OSSVK_ERROR_UNSUPPORTED = 3,      /* the device lacks a feature or a limit is exceeded */
  OSSVK_ERROR_OUT_OF_MEMORY = 4,
  OSSVK_ERROR_DEVICE_LOST = 5,
  OSSVK_ERROR_TIMEOUT = 6,
  OSSVK_ERROR_INTERNAL = 7
} ossvk_status;

typedef enum ossvk_device_type {
  OSSVK_DEVICE_OTHER = 0,
  OSSVK_DEVICE_INTEGRATED_GPU = 1,
  OSSVK_DEVICE_DISCRETE_GPU = 2,
  OSSVK_DEVICE_VIRTUAL_GPU = 3,
  OSSVK_DEVICE_CPU = 4
} ossvk_device_type;

/* Feature bits of ossvk_device_info.features. */
#define OSSVK_FEATURE_BUFFER_DEVICE_ADDRESS (1u << 0)
#define OSSVK_FEATURE_STORAGE_8BIT (1u << 1)
#define OSSVK_FEATURE_STORAGE_16BIT (1u << 2)
#define OSSVK_FEATURE_SHADER_INT8 (1u << 3)
#define OSSVK_FEATURE_SHADER_INT64 (1u << 4)
#define OSSVK_FEATURE_SUBGROUP_ARITHMETIC (1u << 5)
#define OSSVK_FEATURE_SHADER_FLOAT16 (1u << 6)
#define OSSVK_FEATURE_INTEGER_DOT_PRODUCT (1u << 7)
#define OSSVK_FEATURE_SUBGROUP_SIZE_CONTROL (1u << 8)
#define OSSVK_FEATURE_COOPERATIVE_MATRIX (1u << 9)
#define OSSVK_FEATURE_MEMORY_BUDGET (1u << 10)

#define OSSVK_MAX_HEAPS 16

typedef struct ossvk_device_info {
  uint32_t index;
  ossvk_device_type type;
  char name[256];
  char driver_name[256];
  char driver_info[256];
  uint32_t api_version;    /* VK_MAKE_API_VERSION packing */
  char driver_version[32]; /* decoded per vendor */
  uint32_t vendor_id;
  uint32_t device_id;
  uint32_t heap_count;
  uint64_t heap_size[OSSVK_MAX_HEAPS];
  uint32_t heap_device_local[OSSVK_MAX_HEAPS];
  uint64_t max_storage_buffer_range;
  uint64_t max_memory_allocation_size;
  uint32_t max_shared_memory;
  uint32_t subgroup_size;
  uint32_t min_subgroup_size;
  uint32_t max_subgroup_size;
  float timestamp_period_ns;
  uint32_t features;         /* OSSVK_FEATURE_* */
  uint32_t usable;           /* 1 if ossvk can run on this device */
  char unusable_reason[512]; /* what is missing, when usable == 0 */
} ossvk_device_info;

/* Thread-safe. */
OSSVK_API uint32_t ossvk_abi_version(void);

/* The message of this thread's last failed call, or "" if none. Thread-safe (per thread). */
OSSVK_API const char* ossvk_last_error(void);

/* Lists the Vulkan devices. Thread-safe. */
OSSVK_API ossvk_status ossvk_device_count(uint32_t* count);
OSSVK_API ossvk_status ossvk_device_get_info(uint32_t index, ossvk_device_info* info);

/* The index of the device a selector picks: an index, a name substring, or NULL/"" for
 * OSSVK_DEVICE or the best usable device. Thread-safe. */
OSSVK_API ossvk_status ossvk_device_select(const char* selector, uint32_t* index);

typedef struct ossvk_api {
  uint32_t abi_version;
  uint32_t (*abi_version_fn)(void);
  const char* (*last_error)(void);
  ossvk_status (*device_count)(uint32_t* count);
  ossvk_status (*device_get_info)(uint32_t index, ossvk_device_info* info);
  ossvk_status (*device_select)(const char* selector, uint32_t* index);
} ossvk_api;

/* The function table for `abi_version`, or NULL if this library does not provide it.
 * Thread-safe. */
OSSVK_API const ossvk_api* ossvk_get_api(uint32_t abi_version);

#ifdef __cplusplus
}
#endif

#endif /* OSSVK_H */
