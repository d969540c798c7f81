// The safetensors header length, its JSON and every tensor entry.
#include "backend/loader/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)ossvk::SafetensorsFile::parse({data, size}, "fuzz.safetensors");
  return 0;
}
