// Launcher of f32_topk: the kTopkKeep (256) best entries of a row of logits, best first (higher
// logit, then lower id; NaN never), reduced chunk by chunk on the device (201,088 logits: four
// passes) so that sampling reads 2 KiB instead of the whole row.
#pragma once
#include <span>
#include <vector>

#include "host/commands.h"

namespace ossvk {

inline constexpr uint32_t kTopkCandidates = 256;

struct TopkScratch {
  host::Buffer ping, pong;
};

// The bytes of each of a row of n's two scratch buffers.
uint64_t topk_scratch_bytes(uint32_t n);
host::Result<TopkScratch> create_topk_scratch(host::Device& device, uint32_t n);

// Records the passes over logits[0..n); `result` is then the scratch buffer that will hold the
// kTopkCandidates keys.
host::Status encode_topk(host::Device& device, host::CommandStream& stream,
                         const host::Buffer& logits, uint32_t n, TopkScratch& scratch,
                         const host::Buffer*& result);

struct Candidate {
  uint32_t id;
  float logit;
};

// The candidates those keys name, best first, without NaN or padding entries.
std::vector<Candidate> decode_topk(std::span<const uint32_t> keys);

}  // namespace ossvk
