// Writes a GPT-OSS model as a Hugging Face checkpoint folder (config.json + model.safetensors),
// the layout backend/loader/hf_model reads: MXFP4 experts as linear-order `*_blocks` + `*_scales`
// with gate and up interleaved by row, or BF16/F16/F32 experts as the re-trains store them
// ([E, in, out], gate/up interleaved on the last axis). For tests: the same logical weights through
// both loaders.
#pragma once
#include <string>

#include "backend/text/tokenizer.h"
#include "reference/model.h"

namespace ossvk::testing {

// `m` must come from a GGUF (experts in GGUF MXFP4 or a 16/32-bit format); biases are written
// as F32 so nothing is rounded. `openai`: OpenAI's own layout and config keys instead (MXFP4
// experts only).
void write_hf_checkpoint(const ModelTensors& m, const std::string& dir, bool openai = false);

// `v` as tokenizer.json (vocab, merges as "a b" strings or, with `pair_merges`, as pairs, added
// tokens, a Split pre-tokenizer with o200k's regex) and tokenizer_config.json (eos_token).
void write_hf_tokenizer(const text::Vocabulary& v, const std::string& dir,
                        bool pair_merges = false);

}  // namespace ossvk::testing
