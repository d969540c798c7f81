// One range check of a GPT-OSS configuration for every loader (GGUF keys, Hugging Face and
// OpenAI config.json): each size, count and constant is checked before anything is sized or
// divided by it, and an error names the key as that file spells it.
#pragma once
#include <string>

#include "host/status.h"
#include "reference/model.h"

namespace ossvk {

// The key (or tensor) each ModelConfig field was read from, as the file names it.
struct ConfigKeys {
  const char *layers, *hidden, *vocab, *heads, *kv_heads, *head_dim, *experts, *top_k, *ff;
  const char *window, *swa_period, *context, *eps, *rope_theta, *rope_factor;
  const char *rope_original_context, *rope_beta_fast, *rope_beta_slow, *swiglu_limit;
};

extern const ConfigKeys kGgufConfigKeys;    // gpt-oss.* keys
extern const ConfigKeys kHfConfigKeys;      // transformers' config.json
extern const ConfigKeys kOpenAiConfigKeys;  // OpenAI's original/config.json

// `file` prefixes the message ("FILE: key 'K' = V is out of range (LO to HI)").
host::Status check_model_config(const ModelConfig& c, const ConfigKeys& keys,
                                const std::string& file);

}  // namespace ossvk
