// Writes a GPT-OSS model as a Hugging Face checkpoint folder (config.json + model.safetensors),
// the layout backend/loader/hf_model reads: MXFP4 experts as linear-order `*_blocks` + `*_scales`
// with gate and up interleaved by row, or BF16/F16/F32 experts as the re-trains store them
// ([E, in, out], gate/up interleaved on the last axis). For tests: the same logical weights through
// both loaders.
#pragma once
#include <optional>
#include <string>

#include "backend/text/tokenizer.h"
#include "reference/model.h"

namespace ossvk::testing {

// `m` must come from a GGUF (experts in GGUF MXFP4 or a 16/32-bit format); biases are written
// as F32 so nothing is rounded. `openai`: OpenAI's own layout and config keys instead (MXFP4
// experts only).
void write_hf_checkpoint(const ModelTensors& m, const std::string& dir, bool openai = false);

// One MLX affine layout: code width, group size and the dtype of scales and biases.
struct MlxQuant {
  uint32_t bits = 8;
  uint32_t group_size = 64;
  ScaleDtype scale_dtype = ScaleDtype::bf16;
};

// What write_mlx_checkpoint quantizes; values are re-quantized from `m` (not the GGUF's numbers).
struct MlxCheckpoint {
  std::optional<MlxQuant> dense;    // attention, embedding, unembedding; none: 16/32-bit
  std::optional<MlxQuant> router;   // with its own config entry; none: as `dense`
  std::optional<MlxQuant> experts;  // affine, each with a config entry; none: MXFP4
  std::optional<MlxQuant> v_proj;   // with its own entry, as mlx-lm's mixed recipes; none: dense
};

// As mlx-lm writes GPT-OSS: HF names with gate_proj / up_proj / down_proj experts apart
// ([E, R, K]), MXFP4 experts as uint32 words + uint8 scales, or MLX affine. A module whose input
// is not whole groups stays unquantized with no config entry, as mlx-lm leaves it. config.json's
// `quantization` (and its copy `quantization_config`): the global layout plus per-module entries.
void write_mlx_checkpoint(const ModelTensors& m, const std::string& dir, const MlxCheckpoint& o);

// `v` as tokenizer.json (vocab, merges as "a b" strings or, with `pair_merges`, as pairs, added
// tokens, a Split pre-tokenizer with o200k's regex) and tokenizer_config.json (eos_token).
void write_hf_tokenizer(const text::Vocabulary& v, const std::string& dir,
                        bool pair_merges = false);

}  // namespace ossvk::testing
