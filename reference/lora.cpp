// merge_lora: the weights a LoRA adapter describes, written out, for reference::forward.
#include <map>

#include "reference/matmul.h"
#include "reference/model.h"

namespace ossvk::reference {
namespace {

TensorData& target_of(ModelTensors& t, const LoraModule& m) {
  LayerTensors& L = t.layers[m.layer];
  switch (m.target) {
    case LoraTarget::q:
      return L.q;
    case LoraTarget::k:
      return L.k;
    case LoraTarget::v:
      return L.v;
    case LoraTarget::out:
      return L.out;
    case LoraTarget::router:
      return L.router;
    case LoraTarget::gate:
      return L.gate;
    case LoraTarget::up:
      return L.up;
    case LoraTarget::down:
      return L.down;
  }
  return L.q;
}

}  // namespace

MergedModel merge_lora(const ModelTensors& model) {
  MergedModel merged;
  merged.tensors = model;
  merged.tensors.lora.clear();
  // Each adapted matrix decoded once into f32; every module on it then adds its B A, summed in
  // double and rounded once per module.
  std::map<std::pair<uint32_t, LoraTarget>, size_t> decoded;  // index in storage
  for (const LoraModule& m : model.lora) {
    TensorData& w = target_of(merged.tensors, m);
    auto [it, fresh] = decoded.try_emplace({m.layer, m.target}, merged.storage.size());
    if (fresh) {
      std::vector<float>& values = merged.storage.emplace_back(w.m * w.k);
      for (uint64_t r = 0; r < w.m; ++r) decode_row(w, r, &values[r * w.k]);
      w = TensorData{TensorFormat::f32,
                     w.m,
                     w.k,
                     {reinterpret_cast<const uint8_t*>(values.data()), values.size() * 4}};
    }
    std::vector<float>& values = merged.storage[it->second];
    for (uint64_t e = 0; e < m.experts; ++e)
      for (uint64_t i = 0; i < m.out; ++i) {
        const float* b = &m.b[(e * m.out + i) * m.rank];
        float* row = &values[(e * m.out + i) * m.in];
        for (uint64_t j = 0; j < m.in; ++j) {
          double delta = 0;
          for (uint64_t r = 0; r < m.rank; ++r)
            delta += double(b[r]) * m.a[(e * m.rank + r) * m.in + j];
          row[j] = static_cast<float>(row[j] + delta);
        }
      }
  }
  return merged;
}

}  // namespace ossvk::reference
