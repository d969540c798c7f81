// A small byte-level BPE vocabulary for synthetic models: the 256 byte tokens, merges that spell
// common English words, unused padding, and o200k_harmony's special tokens (docs/model.md, "Harmony") — at their
// real ids (199998..200018) when the vocabulary is large enough, else at its end.
#pragma once
#include <cstdint>

#include "backend/text/tokenizer.h"

namespace ossvk::text {

// `size` >= 512 so the bytes, some merges and the 21 special tokens fit.
Vocabulary synthetic_vocabulary(uint32_t size);

}  // namespace ossvk::text
