// The tiny synthetic shape (backend/model/synthetic.cpp's "tiny") as a model with no tensors,
// for the fuzz targets that check an adapter against a model's matrices.
#pragma once
#include "reference/model.h"

inline ossvk::ModelTensors tiny_model() {
  ossvk::ModelTensors model;
  model.config = {.layers = 2,
                  .hidden = 64,
                  .vocab = 512,
                  .heads = 4,
                  .kv_heads = 1,
                  .head_dim = 16,
                  .experts = 8,
                  .top_k = 4,
                  .ff = 96};
  return model;
}
