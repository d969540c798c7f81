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
#define OSSVK_ABI_VERSION 9

typedef enum ossvk_status {
  OSSVK_OK = 0,
  OSSVK_ERROR_INVALID_ARGUMENT = 1, /* a null pointer, an index out of range, a bad selector */
  OSSVK_ERROR_NO_VULKAN = 2,        /* no loader or no device */
  OSSVK_ERROR_UNSUPPORTED = 3,      /* the device lacks a feature or a limit is exceeded */
  OSSVK_ERROR_OUT_OF_MEMORY = 4,
  OSSVK_ERROR_DEVICE_LOST = 5,
  OSSVK_ERROR_TIMEOUT = 6,
  OSSVK_ERROR_INTERNAL = 7,
  OSSVK_ERROR_BAD_FILE = 8,      /* a model file is malformed, truncated or not GPT-OSS */
  OSSVK_ERROR_SESSION_BROKEN = 9 /* an earlier submission failed; free the session */
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
/* Prefill's matmuls run on the device's matrix units: VK_NV_cooperative_matrix with 16x16x16
   fp16 products accumulated in fp32 (OSSVK_MATMUL=scalar turns them off). */
#define OSSVK_FEATURE_MATRIX_UNITS (1u << 11)
/* Required, as OSSVK_FEATURE_SUBGROUP_ARITHMETIC is. */
#define OSSVK_FEATURE_SUBGROUP_SHUFFLE (1u << 12)

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

/* ---- Models and sessions ----------------------------------------------------------------
 * A model is loaded once onto one device and is read-only afterwards: any number of sessions
 * on any threads may use it. A session is one sequence with its own K/V cache; call a session's
 * functions from one thread at a time (different sessions may run concurrently). */

typedef struct ossvk_model ossvk_model;
typedef struct ossvk_session ossvk_session;

/* Called during loading with the bytes uploaded so far and in all. */
typedef void (*ossvk_progress_fn)(uint64_t done, uint64_t total, void* user);

typedef struct ossvk_model_options {
  const char* device;         /* selector as for ossvk_device_select; NULL: the default */
  uint32_t experts_per_token; /* default for sessions; 0: the file's */
  ossvk_progress_fn progress; /* may be NULL */
  void* progress_user;
  uint64_t memory_limit; /* bytes of device memory for the weights and sessions (K/V caches,
                            working buffers); 0: all the device can hold. A model whose device
                            share and its sessions' (plan_sessions) exceed it spills experts to
                            system memory (see experts_on) or fails with OSSVK_ERROR_OUT_OF_MEMORY
                            before any upload. */
  uint32_t vocab_only;   /* 1: read and check the file, keep its tokenizer, upload nothing (no
                            device is opened): text, info and tensor listing work, sessions
                            return OSSVK_ERROR_UNSUPPORTED */
  /* From version 5. LoRA adapters applied at load, each an mlx-lm adapter folder or a llama.cpp
   * GGUF adapter; several on one matrix add. Ignored with vocab_only. */
  const char* const* lora_paths; /* lora_count paths */
  const float* lora_scales;      /* one per path, multiplying the adapter's own scale (mlx-lm:
                                    lora_parameters.scale; GGUF: alpha / rank); NULL: 1 each */
  uint32_t lora_count;
  /* From version 6. Where the MoE experts' weights go: the device's own memory, or system
   * memory that the device's kernels read across the bus (a token reads only its top-k
   * experts). OSSVK_EXPERTS_AUTO keeps everything on the device when it fits, and otherwise
   * moves the token embedding table (a token reads one row of it), then the experts of as few
   * leading layers as make the rest fit; OSSVK_EXPERTS_HOST moves the table with them. */
  uint32_t experts_on;         /* OSSVK_EXPERTS_AUTO (0), _DEVICE, _HOST or (from version 7)
                                  _OTHER */
  uint32_t host_expert_layers; /* OSSVK_EXPERTS_HOST or _OTHER: the first this many layers;
                                  0: all */
  uint32_t plan_context;       /* positions of a session's K/V cache the placement keeps free
                                  on the device; 0: 4096 */
  uint32_t plan_only;          /* 1: read, check and place the model, but open no device and
                                  upload nothing: ossvk_model_get_placement answers, sessions
                                  return OSSVK_ERROR_UNSUPPORTED */
  /* Several devices, one model: whole blocks in order across device_count selectors (as for
   * `device`, which is then ignored), in proportion to what each offers (memory_limit, when
   * given, applies to each), at least one block each; the first device also holds the
   * embedding, the last the unembedding, and only the hidden state crosses between them. A
   * selector may repeat: each entry opens its own VkDevice. device_count 0 or 1: `device`
   * alone, or devices[0]. */
  const char* const* devices;
  uint32_t device_count;
  /* From version 7. OSSVK_EXPERTS_OTHER: the device (a selector as for `device`; it may name
   * the model's device again, which opens another VkDevice) that holds and runs the experts,
   * for example the CPU's, while attention, router, norms and unembedding stay on the model's
   * one device. Each step hands the router's top-k ids and weights across and the experts'
   * output back. */
  const char* experts_device;
  /* From version 8. How many sessions of plan_context positions the placement keeps room for
   * (a server's parallel slots); 0: 1. */
  uint32_t plan_sessions;
} ossvk_model_options;

#define OSSVK_EXPERTS_AUTO 0u
#define OSSVK_EXPERTS_DEVICE 1u
#define OSSVK_EXPERTS_HOST 2u
#define OSSVK_EXPERTS_OTHER 3u

/* Where a model's weights went (or would go, with plan_only) on one of its devices. Bytes as
 * stored. */
typedef struct ossvk_placement {
  char device_name[256];
  uint32_t parts;            /* devices the model is split across (1: one) */
  uint32_t first_layer;      /* of the `layers` blocks on this device */
  uint64_t device_available; /* the memory limit given, or what the device can hold */
  uint32_t memory_limited;   /* 1: device_available is the limit given */
  uint32_t layers;
  uint64_t host_available;                /* system memory available for weights */
  uint64_t embedding_bytes, output_bytes; /* 0 where another device holds them */
  uint64_t dense_bytes;                   /* every layer's attention, router, norms and biases */
  uint64_t expert_bytes;                  /* every layer's expert matrices */
  uint64_t lora_bytes;                    /* LoRA side paths */
  uint32_t host_expert_layers; /* this device's first host_expert_layers blocks keep their
                                  experts in system memory */
  uint32_t embedding_on_host;  /* 1: the token embedding table is in system memory */
  uint32_t cache_context;
  uint64_t host_bytes;        /* weights in system memory */
  uint64_t host_expert_bytes; /* of those, experts */
  uint64_t device_bytes;      /* weights on the device */
  uint64_t cache_bytes;       /* the K/V caches and RoPE tables of cache_sessions sessions (before
                                 version 8: of one) at cache_context positions */
  /* From version 7. OSSVK_EXPERTS_OTHER: this device's first experts_device_layers blocks keep
   * their experts on experts_device_name, which offers experts_device_available. */
  char experts_device_name[256];
  uint32_t experts_device_layers;
  uint64_t experts_device_bytes;
  uint64_t experts_device_available;
  /* From version 8. The sessions cache_bytes holds room for (plan_sessions), and their working
   * buffers (a step's activations, expert scratch, logit rows), also kept free. */
  uint32_t cache_sessions;
  uint64_t work_bytes;
  /* From version 9. OSSVK_EXPERTS_OTHER: the sessions' working buffers on experts_device_name
   * (the rows handed across and back, the experts' scratch), kept free there beside the experts'
   * experts_device_bytes. */
  uint64_t experts_device_work_bytes;
} ossvk_placement;

/* Synthetic GPT-OSS models with random weights (tests, benchmarks). */
typedef struct ossvk_synthetic_options {
  const char* preset; /* "tiny", "small" (every row a multiple of 256), "20b" or "120b" */
  uint32_t layers;    /* 0: the preset's */
  /* Weight types by their lower-case GGUF names: "mxfp4", "q8_0", "q6_k", "q5_k", "q5_1",
   * "q5_0", "q4_k", "q4_1", "q4_0", "q3_k", "q2_k", "iq4_xs", "iq4_nl", "bf16", "f16", "f32".
   * MXFP4 is for experts only; a K-quant or IQ4_XS where a row is not a multiple of 256 takes
   * llama-quantize's fallback type. */
  const char* expert_type; /* NULL: "mxfp4" */
  const char* dense_type;  /* NULL: "bf16" */
  uint64_t seed;
} ossvk_synthetic_options;

typedef struct ossvk_model_info {
  char name[256];
  char device_name[256];
  uint32_t layers, hidden, vocab, heads, kv_heads, head_dim;
  uint32_t experts, experts_per_token, expert_ff, sliding_window, context_length;
  double rope_theta, rope_factor;
  uint64_t weight_bytes; /* on the device */
  uint64_t decode_bytes; /* weight bytes one decode step reads (selected experts only) */
  uint32_t tensor_count;
  uint64_t non_finite_weights;   /* weights that decode to NaN or Inf, over all tensors */
  char non_finite_tensors[512];  /* "name: count, ..." of those tensors (truncated), or "" */
  uint32_t tokenizer_tokens;     /* tokens in the file's tokenizer; 0: none (ossvk_tokenize says
                                    why) */
  uint32_t bos_token, eos_token; /* OSSVK_NO_TOKEN where the file names none */
} ossvk_model_info;

#define OSSVK_NO_TOKEN 0xFFFFFFFFu

typedef struct ossvk_tensor_info {
  char name[128];
  char type[16]; /* GGUF: "f32", "bf16", "mxfp4", ...; safetensors: "bf16", "u8", ... */
  uint32_t n_dims;
  uint64_t dims[4]; /* innermost first (ggml order): dims[0] is the row length */
  uint64_t bytes;
} ossvk_tensor_info;

typedef struct ossvk_session_options {
  uint32_t context;           /* positions; 0: 4096 or the model's context if smaller */
  uint32_t max_step_tokens;   /* tokens per command buffer; 0: 512 */
  uint32_t experts_per_token; /* 0: the model's default */
  uint32_t f16_kv;            /* 1: K/V cache in fp16 */
  uint64_t step_timeout_ns;   /* longest a step may run; 0: 120 s. Past it the session is broken
                                 (OSSVK_ERROR_TIMEOUT, then OSSVK_ERROR_SESSION_BROKEN). */
} ossvk_session_options;

/* Sampling: temperature 0 is greedy (argmax, ties to the lower id). Otherwise top_k (0: off),
 * then top_p (0 or 1: off), then min_p (0: off) filter the softmax of logits / temperature. `state`
 * is the random state, seeded by the caller and advanced by every draw. */
typedef struct ossvk_sampler {
  float temperature;
  uint32_t top_k;
  float top_p;
  float min_p;
  uint64_t state;
} ossvk_sampler;

/* Loads a GGUF file, or a Hugging Face checkpoint folder (config.json + safetensors shards),
 * memory-mapped; every tensor is validated before any upload. Thread-safe. */
OSSVK_API ossvk_status ossvk_model_load(const char* path, const ossvk_model_options* options,
                                        ossvk_model** model);
/* Builds a synthetic model in memory and loads it. Thread-safe. */
OSSVK_API ossvk_status ossvk_model_create_synthetic(const ossvk_synthetic_options* synthetic,
                                                    const ossvk_model_options* options,
                                                    ossvk_model** model);
/* Writes a synthetic model as GGUF to `path` (through a temporary file renamed into place).
 * Needs no device. Thread-safe. */
OSSVK_API ossvk_status ossvk_write_synthetic_model(const ossvk_synthetic_options* synthetic,
                                                   const char* path);
/* Frees a model; its sessions must be freed first. NULL is ignored. */
OSSVK_API void ossvk_model_free(ossvk_model* model);
/* From version 6. `part`: which of the model's devices (0 .. parts - 1). Thread-safe. */
OSSVK_API ossvk_status ossvk_model_get_placement(const ossvk_model* model, uint32_t part,
                                                 ossvk_placement* placement);
/* Thread-safe. */
OSSVK_API ossvk_status ossvk_model_get_info(const ossvk_model* model, ossvk_model_info* info);
OSSVK_API ossvk_status ossvk_model_get_tensor(const ossvk_model* model, uint32_t index,
                                              ossvk_tensor_info* info);
/* The CPU reference forward (double precision, slow: for checking small models): logits
 * [n][vocab] of one prefill of `tokens` from position 0. Thread-safe. */
OSSVK_API ossvk_status ossvk_model_reference_logits(const ossvk_model* model,
                                                    const uint32_t* tokens, uint32_t n,
                                                    uint32_t experts_per_token, float* logits);

OSSVK_API ossvk_status ossvk_session_create(ossvk_model* model,
                                            const ossvk_session_options* options,
                                            ossvk_session** session);
OSSVK_API void ossvk_session_free(ossvk_session* session);
/* Runs `n` tokens at the session's next positions. logits may be NULL; else it receives
 * [n][vocab] floats with OSSVK_EVAL_ALL_LOGITS, or the last token's [vocab]. On error the
 * session's position is unchanged (OSSVK_ERROR_SESSION_BROKEN after a failed submission). */
#define OSSVK_EVAL_ALL_LOGITS 1u
OSSVK_API ossvk_status ossvk_session_eval(ossvk_session* session, const uint32_t* tokens,
                                          uint32_t n, float* logits, uint32_t flags);
OSSVK_API ossvk_status ossvk_session_position(const ossvk_session* session, uint32_t* position);
/* Forgets the sequence; the next eval starts at position 0. */
OSSVK_API ossvk_status ossvk_session_reset(ossvk_session* session);
/* Forgets the positions from `position` (<= the current one) on; the next eval starts there.
 * OSSVK_ERROR_INVALID_ARGUMENT when the sliding-window layers' ring (window + max_step_tokens
 * positions) has already overwritten keys the kept positions need: reset and evaluate again. */
OSSVK_API ossvk_status ossvk_session_rewind(ossvk_session* session, uint32_t position);
/* Draws a token from `vocab` logits. Thread-safe (sampler is the caller's). */
OSSVK_API ossvk_status ossvk_sample(const float* logits, uint32_t vocab, ossvk_sampler* sampler,
                                    uint32_t* token);
/* ossvk_session_eval of `n` tokens, then the next token drawn from the last position's logits:
 * exactly what ossvk_sample draws from them, state included. On GPUs, greedy and top_k 1..256
 * pick candidates on the device and read back only the 256 best instead of the whole row
 * (201,088 floats for GPT-OSS); other settings, and CPU devices, read back the row. A row of NaN
 * logits is an error. */
OSSVK_API ossvk_status ossvk_session_eval_sample(ossvk_session* session, const uint32_t* tokens,
                                                 uint32_t n, ossvk_sampler* sampler,
                                                 uint32_t* token);

/* From version 7. One decode step for n (1 to 8) sessions on one model, each taking tokens[n]
 * at its next position and drawing out[i] with samplers[i] exactly as
 * ossvk_session_eval_sample would (state included), while every weight is read once for all
 * of them: aggregate decode speed grows with n where decode is bound by reading weights. The
 * model must lie on one device (no `devices`, experts not on another device) and the sessions
 * must share their experts per token; none may appear twice or be used by another thread
 * during the call. Calls on one model run one at a time. On a refused session nothing runs and
 * the message names its index; a failed submission breaks every session in the step. */
OSSVK_API ossvk_status ossvk_batch_eval_sample(ossvk_session* const* sessions,
                                               const uint32_t* tokens, uint32_t n,
                                               ossvk_sampler* samplers, uint32_t* out);

/* From version 8. As ossvk_batch_eval_sample, but session i takes counts[i] tokens of `tokens`
 * (which holds them in session order): one to decode, or a chunk of a prompt (up to the
 * session's max_step_tokens; OSSVK_BATCH_MAX_TOKENS in all) prefilled beside the others, so
 * a long prompt holds their decode up by one chunk a step, not by its whole length, and every
 * weight is still read once for all. Where samplers[i] is not NULL, out[i] is drawn from the
 * session's last position as ossvk_session_eval_sample would (state included); NULL (a
 * prompt's chunk before its last) draws nothing and leaves out[i] alone. A step of one token
 * each is ossvk_batch_eval_sample's; a step with chunks runs every token through the matmuls,
 * whose logits agree with the sessions' own steps within the fp32 bound the whole-model tests
 * use. */
#define OSSVK_BATCH_MAX_TOKENS 519u /* 7 decoding sessions beside a chunk of 512 */
OSSVK_API ossvk_status ossvk_batch_eval_chunks(ossvk_session* const* sessions,
                                               const uint32_t* tokens, const uint32_t* counts,
                                               uint32_t n, ossvk_sampler* const* samplers,
                                               uint32_t* out);

/* ---- Text: the model file's tokenizer (byte-level BPE, GPT-OSS's o200k_harmony) ------------
 * All thread-safe. Where the file has no usable tokenizer they return OSSVK_ERROR_UNSUPPORTED
 * with the reason. */

#define OSSVK_TOKENIZE_SPECIAL                                    \
  1u /* "<|start|>" etc. become their control tokens; text shaped \
        like one that names no token is an error */
#define OSSVK_TOKENIZE_REQUIRE_UTF8                        \
  2u /* text that is not valid UTF-8 is an error (else any \
        bytes encode, and decode back exactly) */
/* Encodes `length` bytes of `text`. `*count` receives the number of tokens; `tokens` receives
 * them only if *count <= capacity (so capacity 0 asks for the size). */
OSSVK_API ossvk_status ossvk_tokenize(const ossvk_model* model, const char* text, uint64_t length,
                                      uint32_t flags, uint32_t* tokens, uint32_t capacity,
                                      uint32_t* count);
/* The bytes `tokens` stand for (special tokens as their text; not NUL-terminated). `*length`
 * receives their number; `text` receives them only if *length <= capacity. */
OSSVK_API ossvk_status ossvk_detokenize(const ossvk_model* model, const uint32_t* tokens,
                                        uint32_t n, char* text, uint64_t capacity,
                                        uint64_t* length);
/* The id of the token whose text is exactly `text` (NUL-terminated), e.g. "<|return|>";
 * OSSVK_ERROR_INVALID_ARGUMENT if there is none. */
OSSVK_API ossvk_status ossvk_token_find(const ossvk_model* model, const char* text,
                                        uint32_t* token);

typedef struct ossvk_api {
  uint32_t abi_version;
  uint32_t (*abi_version_fn)(void);
  const char* (*last_error)(void);
  ossvk_status (*device_count)(uint32_t* count);
  ossvk_status (*device_get_info)(uint32_t index, ossvk_device_info* info);
  ossvk_status (*device_select)(const char* selector, uint32_t* index);
  ossvk_status (*model_load)(const char*, const ossvk_model_options*, ossvk_model**);
  ossvk_status (*model_create_synthetic)(const ossvk_synthetic_options*, const ossvk_model_options*,
                                         ossvk_model**);
  ossvk_status (*write_synthetic_model)(const ossvk_synthetic_options*, const char*);
  void (*model_free)(ossvk_model*);
  ossvk_status (*model_get_info)(const ossvk_model*, ossvk_model_info*);
  ossvk_status (*model_get_tensor)(const ossvk_model*, uint32_t, ossvk_tensor_info*);
  ossvk_status (*model_reference_logits)(const ossvk_model*, const uint32_t*, uint32_t, uint32_t,
                                         float*);
  ossvk_status (*session_create)(ossvk_model*, const ossvk_session_options*, ossvk_session**);
  void (*session_free)(ossvk_session*);
  ossvk_status (*session_eval)(ossvk_session*, const uint32_t*, uint32_t, float*, uint32_t);
  ossvk_status (*session_position)(const ossvk_session*, uint32_t*);
  ossvk_status (*session_reset)(ossvk_session*);
  ossvk_status (*sample)(const float*, uint32_t, ossvk_sampler*, uint32_t*);
  ossvk_status (*tokenize)(const ossvk_model*, const char*, uint64_t, uint32_t, uint32_t*, uint32_t,
                           uint32_t*);
  ossvk_status (*detokenize)(const ossvk_model*, const uint32_t*, uint32_t, char*, uint64_t,
                             uint64_t*);
  ossvk_status (*token_find)(const ossvk_model*, const char*, uint32_t*);
  ossvk_status (*session_rewind)(ossvk_session*, uint32_t);
  /* from version 4 */
  ossvk_status (*session_eval_sample)(ossvk_session*, const uint32_t*, uint32_t, ossvk_sampler*,
                                      uint32_t*);
  /* from version 6 */
  ossvk_status (*model_get_placement)(const ossvk_model*, uint32_t, ossvk_placement*);
  /* from version 7 */
  ossvk_status (*batch_eval_sample)(ossvk_session* const*, const uint32_t*, uint32_t,
                                    ossvk_sampler*, uint32_t*);
  /* from version 8 */
  ossvk_status (*batch_eval_chunks)(ossvk_session* const*, const uint32_t*, const uint32_t*,
                                    uint32_t, ossvk_sampler* const*, uint32_t*);
} ossvk_api;

/* The function table for `abi_version`, or NULL if this library does not provide it. Versions 3
 * and on get the same table layout: later versions only append members. Tables for versions 3
 * to 7 take those versions' shorter ossvk_model_options, and those of versions 6 to 8 write
 * their shorter ossvk_placement. Thread-safe. */
OSSVK_API const ossvk_api* ossvk_get_api(uint32_t abi_version);

#ifdef __cplusplus
}
#endif

#endif /* OSSVK_H */
