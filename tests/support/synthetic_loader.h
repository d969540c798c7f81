// Synthetic models (backend/model/synthetic) written as GGUF, read back and uploaded, held in
// memory for the life of a test. Failures are reported as test failures and give null.
#pragma once
#include <memory>
#include <vector>

#include "backend/loader/gguf_model.h"
#include "backend/model/model.h"
#include "backend/model/synthetic.h"

namespace ossvk::testing {

struct Loaded {
  std::vector<uint8_t> bytes;
  std::unique_ptr<GgufFile> file;
  ModelTensors tensors;
  std::unique_ptr<Model> model;
};

// Written as GGUF and read back, not yet uploaded (model stays null).
std::unique_ptr<Loaded> read_synthetic(const SyntheticOptions& o);
// The same, uploaded to `device`.
std::unique_ptr<Loaded> load_synthetic(host::Device& device, const SyntheticOptions& o);
// Device logits against reference::forward's: within 1e-3 of the largest |logit|, as for the
// public cases; synthetic routers keep k-th/(k+1)-th margins far above fp32 logit error, so
// routing agrees and that bound holds.
void expect_close(const std::vector<float>& got, const std::vector<float>& want);
// n deterministic token ids below vocab.
std::vector<uint32_t> some_tokens(uint32_t n, uint32_t vocab);

}  // namespace ossvk::testing
