// The C ABI's opaque handles: what a model and a session hold.
#pragma once
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "backend/include/ossvk.h"
#include "backend/loader/gguf.h"
#include "backend/loader/hf_model.h"
#include "backend/model/batch.h"
#include "backend/model/session.h"
#include "backend/text/tokenizer.h"
#include "host/device.h"

struct ossvk_model {
  std::vector<std::unique_ptr<ossvk::host::Device>> devices;  // one per part of the model
  std::unique_ptr<ossvk::host::Device> experts_device;        // OSSVK_EXPERTS_OTHER
  std::vector<uint8_t> memory;                                // a synthetic model's GGUF bytes
  std::unique_ptr<ossvk::GgufFile> gguf;
  std::unique_ptr<ossvk::HfModel> hf;
  ossvk::ModelTensors tensors;  // views into gguf or hf
  std::string name;
  std::vector<ossvk_tensor_info> listing;  // the file's tensors as stored
  std::unique_ptr<ossvk::Model> model;     // the first part; the others follow from next()
  std::vector<ossvk::Placement> plan;      // plan_only: where the weights would go, by part
  uint32_t top_k = 0;
  // The batch steps' working buffers, one per experts-per-token and per kind (one token a
  // session, or chunks); calls serialize.
  std::map<std::pair<uint32_t, bool>, std::unique_ptr<ossvk::Batch>> batches;
  std::mutex batch_mutex;
  std::optional<ossvk::text::Tokenizer> tokenizer;
  std::string tokenizer_error;  // why there is none
};

struct ossvk_session {
  ossvk_model* model = nullptr;
  std::unique_ptr<ossvk::Session> session;
};
