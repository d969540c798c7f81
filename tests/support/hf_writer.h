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

// As mlx-lm writes GPT-OSS: HF names with gate_proj / up_proj / down_proj experts apart
// ([E, R, K]), MXFP4 experts as uint32 words + uint8 scales. Dense matrices (attention, router,
// embedding, unembedding) stay 16/32-bit, or with `quantize_dense` become MLX affine 8-bit in
// groups of 64 with bf16 scales and biases (values re-quantized: not the GGUF's numbers).
void write_mlx_checkpoint(const ModelTensors& m, const std::string& dir, bool quantize_dense);

// `v` as tokenizer.json (vocab, merges as "a b" strings or, with `pair_merges`, as pairs, added
// tokens, a Split pre-tokenizer with o200k's regex) and tokenizer_config.json (eos_token).
void write_hf_tokenizer(const text::Vocabulary& v, const std::string& dir,
                        bool pair_merges = false);

}  // namespace ossvk::testing
