// GPT-OSS from a GGUF file as llama.cpp writes it (docs/formats.md, "GGUF names and keys"): the
// configuration from the gpt-oss.* keys (head size from tensor shapes when key_length is absent),
// and every tensor checked for presence, shape and type before anything is uploaded.
#pragma once
#include "backend/loader/gguf.h"
#include "reference/model.h"

namespace ossvk {

// Views into `file`, which must outlive the result. Errors name the file and the key or tensor.
host::Result<ModelTensors> read_gguf_model(const GgufFile& file);

}  // namespace ossvk
