// Synthetic GPT-OSS models with random weights of realistic scale (each matrix's outputs keep the
// scale of its inputs), written through the project's GGUF writer: for tests, `ossvk make-model`
// and `ossvk bench --preset`, where no real checkpoint is at hand.
#pragma once
#include <optional>
#include <string>

#include "backend/loader/gguf_writer.h"

namespace ossvk {

struct SyntheticOptions {
  std::string preset = "tiny";                 // tiny (the public test cases' shape), 20b or 120b
  uint32_t layers = 0;                         // 0: the preset's
  TensorFormat experts = TensorFormat::mxfp4;  // any GGUF type ossvk reads
  std::optional<TensorFormat> up_experts;      // the up experts', where it differs from that
  TensorFormat dense = TensorFormat::bf16;     // attention, router, embedding, unembedding
  uint64_t seed = 1;
};

// Errors name the bad option.
host::Result<GgufWriter> synthetic_model(const SyntheticOptions& options);

}  // namespace ossvk
