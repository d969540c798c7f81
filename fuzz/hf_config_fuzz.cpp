// A Hugging Face config.json.
#include "backend/loader/hf_model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)ossvk::hf_config_from_json({reinterpret_cast<const char*>(data), size}, "config.json");
  return 0;
}
