#include "backend/model/model.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "backend/loader/lora_adapter.h"

namespace ossvk {
namespace {

using host::Result;
using host::Status;

uint64_t matrix_bytes(const DeviceMatrix& m) {
  uint64_t n = 0;
  for (const auto& p : m.parts) n += p.quants.size() + p.scales.size() + p.aux.size();
  return n;
}

uint64_t qkv_bytes(const Model::Layer& l) {
  uint64_t n = 0;
  for (const DeviceMatrix& m : l.qkv) n += matrix_bytes(m);
  return n;
}

bool same_layout(const TensorData& a, const TensorData& b) {
  return a.format == b.format && a.group_size == b.group_size && a.scale_dtype == b.scale_dtype;
}

// q, k and v stacked in one file-format matrix: rows are whole blocks (and, for formats with
// separate planes, whole rows of scales and biases), so stacking rows is concatenating each
// plane's bytes. Needs one layout for the three.
struct Stacked {
  std::vector<uint8_t> data, scales, biases;
};
Stacked stack_qkv(const LayerTensors& l) {
  Stacked out;
  for (const TensorData* t : {&l.q, &l.k, &l.v}) {
    out.data.insert(out.data.end(), t->data.begin(), t->data.end());
    out.scales.insert(out.scales.end(), t->scales.begin(), t->scales.end());
    out.biases.insert(out.biases.end(), t->biases.begin(), t->biases.end());
  }
  return out;
}

class Uploader {
 public:
  Uploader(host::Device& device, host::Transfer& transfer, const ModelOptions& options,
           uint64_t total)
      : device_(device), transfer_(transfer), options_(options), total_(total) {}

  Result<host::Buffer> floats(const std::vector<float>& v) {
    OSSVK_ASSIGN_OR_RETURN(host::Buffer b,
                           device_.allocator().allocate(v.size() * 4, host::MemoryUse::device));
    OSSVK_RETURN_IF_ERROR(transfer_.upload(b, 0, v.data(), v.size() * 4));
    return b;  // small vectors: not counted in the progress, which counts matrices
  }

  Result<DeviceMatrix> matrix(const TensorData& t, const std::string& name) {
    return matrix(t, name, options_.upload);
  }
  Result<DeviceMatrix> matrix(const TensorData& t, const std::string& name,
                              const UploadOptions& upload) {
    OSSVK_ASSIGN_OR_RETURN(DeviceMatrix m, upload_matrix(device_, transfer_, t, name, upload));
    advance(t.data.size() + t.scales.size() + t.biases.size());
    return m;
  }

  void advance(uint64_t bytes) {
    done_ += bytes;
    if (options_.progress) options_.progress(done_, total_);
  }

 private:
  host::Device& device_;
  host::Transfer& transfer_;
  const ModelOptions& options_;
  uint64_t total_, done_ = 0;
};

// The matrices' bytes of blocks [begin, end), with the embedding and the unembedding where the
// range starts or ends the model.
uint64_t file_bytes(const ModelTensors& t, uint32_t begin, uint32_t end) {
  uint64_t n = (begin == 0 ? t.embedding.data.size() : 0) +
               (end == t.layers.size() ? t.output.data.size() : 0);
  for (uint32_t i = begin; i < end; ++i) {
    const LayerTensors& l = t.layers[i];
    for (const TensorData* d : {&l.q, &l.k, &l.v, &l.out, &l.router, &l.gate, &l.up, &l.down})
      n += d->data.size();
  }
  return n;
}

// NaN and Inf among a tensor's floats (norm gains, biases, sinks), reported like the matrices'.
Status count_non_finite(const std::vector<float>& v, const std::string& name,
                        const UploadOptions& options,
                        std::vector<std::pair<std::string, uint64_t>>& report) {
  const uint64_t n = std::count_if(v.begin(), v.end(), [](float x) { return !std::isfinite(x); });
  if (!n) return Status();
  if (options.refuse_non_finite)
    return Status::bad_file("tensor '" + name + "' has " + std::to_string(n) +
                            " values that are NaN or Inf");
  report.emplace_back(name, n);
  return Status();
}

// Where a LoRA module joins: one side path per matrix the step computes, q, k and v sharing
// the stacked projection's, as their weights do.
enum class LoraSlot { qkv, out, router, gate, up, down };
LoraSlot slot_of(LoraTarget t) {
  switch (t) {
    case LoraTarget::q:
    case LoraTarget::k:
    case LoraTarget::v:
      return LoraSlot::qkv;
    case LoraTarget::out:
      return LoraSlot::out;
    case LoraTarget::router:
      return LoraSlot::router;
    case LoraTarget::gate:
      return LoraSlot::gate;
    case LoraTarget::up:
      return LoraSlot::up;
    case LoraTarget::down:
      return LoraSlot::down;
  }
  return LoraSlot::qkv;
}

// The modules of one side path, each with the first of its output rows there, and the path's
// output rows in all.
struct LoraGroup {
  std::vector<std::pair<const LoraModule*, uint32_t>> modules;
  uint32_t experts = 0, in = 0, out = 0, rank = 0;
  uint64_t bytes() const { return (uint64_t{experts} * rank * (in + out)) * 4; }
};
using LoraGroups = std::map<std::pair<uint32_t, LoraSlot>, LoraGroup>;

// Every LoRA module checked against the matrix it adapts, then grouped by side path.
Result<LoraGroups> group_lora(const ModelTensors& t) {
  const ModelConfig& c = t.config;
  LoraGroups groups;
  for (const LoraModule& m : t.lora) {
    const LoraShape s = lora_shape(c, m.target);
    if (m.layer >= c.layers || m.experts != s.experts || m.in != s.in || m.out != s.out ||
        !m.rank || m.a.size() != uint64_t{m.experts} * m.rank * m.in ||
        m.b.size() != uint64_t{m.experts} * m.out * m.rank)
      return Status::bad_argument("LoRA module '" + m.name + "' does not fit block " +
                                  std::to_string(m.layer) + "'s " + lora_target_name(m.target) +
                                  " matrix");
    const uint32_t q = c.heads * c.head_dim, kv = c.kv_heads * c.head_dim;
    const LoraSlot slot = slot_of(m.target);
    const uint32_t first = m.target == LoraTarget::k ? q : m.target == LoraTarget::v ? q + kv : 0;
    LoraGroup& g = groups[{m.layer, slot}];
    g.modules.emplace_back(&m, first);
    g.experts = m.experts, g.in = m.in, g.rank += m.rank;
    g.out = slot == LoraSlot::qkv ? q + 2 * kv : m.out;
  }
  return groups;
}

// One side path from its modules, ranks stacked: A's rows one module after another, and B
// [experts][out][rank] with each module's B in its own columns and output rows, zero elsewhere,
// so B A is the sum of the modules' (q, k and v each onto their rows of the projection).
Result<LoraWeights> upload_lora(host::Device& device, host::Transfer& transfer,
                                const LoraGroup& g) {
  LoraWeights w;
  w.experts = g.experts, w.in = g.in, w.out = g.out, w.rank = g.rank;
  std::vector<float> a, b(uint64_t{w.experts} * w.out * w.rank);
  a.reserve(uint64_t{w.experts} * w.rank * w.in);
  for (uint64_t e = 0; e < w.experts; ++e)
    for (const auto& [m, first] : g.modules)
      a.insert(a.end(), m->a.begin() + e * m->rank * m->in,
               m->a.begin() + (e + 1) * m->rank * m->in);
  for (uint32_t column = 0; const auto& [m, first] : g.modules) {
    for (uint64_t e = 0; e < w.experts; ++e)
      for (uint64_t i = 0; i < m->out; ++i)
        std::copy_n(&m->b[(e * m->out + i) * m->rank], m->rank,
                    &b[(e * w.out + first + i) * w.rank + column]);
    column += m->rank;
  }
  for (auto [buffer, values] : {std::pair{&w.a, &a}, {&w.b, &b}}) {
    OSSVK_ASSIGN_OR_RETURN(
        *buffer, device.allocator().allocate(values->size() * 4, host::MemoryUse::device));
    OSSVK_RETURN_IF_ERROR(transfer.upload(*buffer, 0, values->data(), values->size() * 4));
  }
  return w;
}

uint64_t lora_bytes(const LoraWeights& w) {
  return w.a.size() + w.b.size();
}

}  // namespace

MoeLayerData moe_layer_data(const ModelTensors& t, uint32_t layer) {
  const ModelConfig& c = t.config;
  const LayerTensors& L = t.layers[layer];
  return {c.experts, c.hidden, c.ff,   L.post_norm.data(), L.router,         L.router_bias.data(),
          L.gate,    L.up,     L.down, L.gate_bias.data(), L.up_bias.data(), L.down_bias.data()};
}

Result<Placement> Model::plan(const host::DeviceInfo& device, const ModelTensors& t,
                              const ModelOptions& options) {
  OSSVK_ASSIGN_OR_RETURN(const LoraGroups lora, group_lora(t));
  PlacementRequest request = options.placement;
  request.lora_bytes = 0;
  for (const auto& [key, g] : lora)
    if (key.first >= request.layer_begin && key.first < request.layer_end) {
      request.lora_bytes += g.bytes();
      request.lora_rank = std::max(request.lora_rank, g.rank);
    }
  return plan_placement(t, device, request);
}

Result<std::unique_ptr<Model>> Model::upload(host::Device& device, const ModelTensors& t,
                                             const ModelOptions& given) {
  const ModelConfig& c = t.config;
  std::unique_ptr<Model> model(new Model(device));
  model->config_ = c;
  if (c.layers != t.layers.size()) return Status::error("model: layer count mismatch");
  OSSVK_ASSIGN_OR_RETURN(const LoraGroups lora, group_lora(t));
  ModelOptions options = given;
  if (options.placement.experts == ExpertsOn::other) {
    if (!options.experts_device) return Status::bad_argument("no device named for the experts");
    options.placement.experts_device = &options.experts_device->info();
  }
  OSSVK_ASSIGN_OR_RETURN(model->placement_, plan(device.info(), t, options));
  const uint32_t begin = model->placement_.first_layer;
  const uint32_t end = begin + static_cast<uint32_t>(model->placement_.experts.size());
  const uint64_t needed = file_bytes(t, begin, end) + model->placement_.lora;
  auto check = [&](const std::vector<float>& v, const std::string& name) {
    return count_non_finite(v, name, options.upload, model->non_finite_);
  };
  if (end == c.layers) OSSVK_RETURN_IF_ERROR(check(t.output_norm, "output_norm.weight"));
  for (uint32_t l = begin; l < end; ++l) {
    const LayerTensors& L = t.layers[l];
    const std::string b = "blk." + std::to_string(l) + ".";
    for (const auto& [v, name] : {std::pair{&L.attn_norm, "attn_norm.weight"},
                                  {&L.q_bias, "attn_q.bias"},
                                  {&L.k_bias, "attn_k.bias"},
                                  {&L.v_bias, "attn_v.bias"},
                                  {&L.sinks, "attn_sinks.weight"},
                                  {&L.out_bias, "attn_output.bias"},
                                  {&L.post_norm, "post_attention_norm.weight"},
                                  {&L.router_bias, "ffn_gate_inp.bias"},
                                  {&L.gate_bias, "ffn_gate_exps.bias"},
                                  {&L.up_bias, "ffn_up_exps.bias"},
                                  {&L.down_bias, "ffn_down_exps.bias"}})
      OSSVK_RETURN_IF_ERROR(check(*v, b + name));
  }
  OSSVK_ASSIGN_OR_RETURN(auto transfer, host::Transfer::create(device));
  Uploader up(device, *transfer, options, needed);
  const uint32_t remote = model->placement_.experts_device_layers;
  std::unique_ptr<host::Transfer> remote_transfer;
  if (remote) {
    model->experts_device_ = options.experts_device;
    OSSVK_ASSIGN_OR_RETURN(remote_transfer, host::Transfer::create(*options.experts_device));
  }

  UploadOptions embedding = options.upload;
  if (model->placement_.embedding_on_host) embedding.memory = host::MemoryUse::system;
  if (begin == 0) {
    OSSVK_ASSIGN_OR_RETURN(model->embedding_,
                           up.matrix(t.embedding, "token_embd.weight", embedding));
  }
  for (uint32_t l = begin; l < end; ++l) {
    const LayerTensors& L = t.layers[l];
    const std::string name = "blk." + std::to_string(l);
    Layer layer;
    layer.dims = {c.heads, c.kv_heads, c.head_dim, c.sliding(l) ? c.window : 0};
    OSSVK_RETURN_IF_ERROR(check_attention_dims(layer.dims).with_context(name));
    OSSVK_ASSIGN_OR_RETURN(layer.attn_norm, up.floats(L.attn_norm));
    if (same_layout(L.q, L.k) && same_layout(L.q, L.v)) {
      const Stacked qkv = stack_qkv(L);
      TensorData fused = L.q;
      fused.m = L.q.m + L.k.m + L.v.m;
      fused.data = qkv.data;
      fused.scales = qkv.scales;
      fused.biases = qkv.biases;
      OSSVK_ASSIGN_OR_RETURN(DeviceMatrix m, up.matrix(fused, name + ".attn_qkv"));
      layer.qkv.push_back(std::move(m));
    } else {  // MLX's mixed-width recipes give v more bits than q and k
      const std::pair<const TensorData*, const char*> apart[] = {
          {&L.q, ".attn_q.weight"}, {&L.k, ".attn_k.weight"}, {&L.v, ".attn_v.weight"}};
      for (const auto& [t, suffix] : apart) {
        OSSVK_ASSIGN_OR_RETURN(DeviceMatrix m, up.matrix(*t, name + suffix));
        layer.qkv.push_back(std::move(m));
      }
    }
    std::vector<float> bias = L.q_bias;
    bias.insert(bias.end(), L.k_bias.begin(), L.k_bias.end());
    bias.insert(bias.end(), L.v_bias.begin(), L.v_bias.end());
    OSSVK_ASSIGN_OR_RETURN(layer.qkv_bias, up.floats(bias));
    OSSVK_ASSIGN_OR_RETURN(layer.sinks, up.floats(L.sinks));
    OSSVK_ASSIGN_OR_RETURN(layer.out, up.matrix(L.out, name + ".attn_output.weight"));
    OSSVK_ASSIGN_OR_RETURN(layer.out_bias, up.floats(L.out_bias));
    const MoeLayerData moe = moe_layer_data(t, l);
    UploadOptions experts = options.upload;
    if (l - begin < model->placement_.host_expert_layers) experts.memory = host::MemoryUse::system;
    if (l - begin < remote) {
      OSSVK_RETURN_IF_ERROR(
          upload_moe_router(device, *transfer, moe, name, options.upload, layer.moe));
      MoeLayer& far = model->remote_experts_.emplace_back();
      OSSVK_RETURN_IF_ERROR(upload_moe_experts(*options.experts_device, *remote_transfer, moe, name,
                                               options.upload, far));
    } else {
      OSSVK_ASSIGN_OR_RETURN(layer.moe, upload_moe_layer(device, *transfer, moe, name, experts));
    }
    for (MoeLayer* m : {&layer.moe, remote ? &model->remote_experts_.back() : nullptr}) {
      if (!m) continue;
      m->eps = static_cast<float>(c.eps);
      m->swiglu_alpha = static_cast<float>(c.swiglu_alpha);
      m->swiglu_limit = static_cast<float>(c.swiglu_limit);
    }
    up.advance(L.router.data.size() + L.gate.data.size() + L.up.data.size() + L.down.data.size());
    model->layers_.push_back(std::move(layer));
  }
  for (const auto& [key, g] : lora) {
    if (key.first < begin || key.first >= end) continue;
    const uint32_t i = key.first - begin;
    Layer& L = model->layers_[i];
    // The experts' side paths go with the experts.
    MoeLayer& experts = i < remote ? model->remote_experts_[i] : L.moe;
    LoraWeights* const slots[] = {&L.qkv_lora,        &L.out_lora,      &L.moe.router_lora,
                                  &experts.gate_lora, &experts.up_lora, &experts.down_lora};
    LoraWeights& w = *slots[static_cast<int>(key.second)];
    const bool far = i < remote && key.second >= LoraSlot::gate;
    OSSVK_ASSIGN_OR_RETURN(w, far ? upload_lora(*options.experts_device, *remote_transfer, g)
                                  : upload_lora(device, *transfer, g));
    model->lora_rank_ = std::max(model->lora_rank_, w.rank);
    up.advance(g.bytes());
  }
  if (end == c.layers) {
    OSSVK_ASSIGN_OR_RETURN(model->output_norm_, up.floats(t.output_norm));
    OSSVK_ASSIGN_OR_RETURN(model->output_, up.matrix(t.output, "output.weight"));
  }

  auto report = [&](const DeviceMatrix& m, const std::string& name) {
    if (m.non_finite) model->non_finite_.emplace_back(name, m.non_finite);
  };
  report(model->embedding_, "token_embd.weight");
  for (size_t l = 0; l < model->layers_.size(); ++l) {
    const Layer& L = model->layers_[l];
    const std::string b = "blk." + std::to_string(begin + l) + ".";
    static constexpr const char* kApart[] = {"attn_q.weight", "attn_k.weight", "attn_v.weight"};
    for (size_t i = 0; i < L.qkv.size(); ++i)
      report(L.qkv[i], b + (L.qkv.size() == 1 ? "attn_qkv" : kApart[i]));
    report(L.out, b + "attn_output.weight");
    report(L.moe.router, b + "ffn_gate_inp.weight");
    const MoeLayer& experts = l < remote ? model->remote_experts_[l] : L.moe;
    report(experts.gate, b + "ffn_gate_exps.weight");
    report(experts.up, b + "ffn_up_exps.weight");
    report(experts.down, b + "ffn_down_exps.weight");
  }
  report(model->output_, "output.weight");

  model->weight_bytes_ = matrix_bytes(model->embedding_) + matrix_bytes(model->output_);
  for (size_t l = 0; l < model->layers_.size(); ++l) {
    const Layer& L = model->layers_[l];
    model->weight_bytes_ +=
        qkv_bytes(L) + matrix_bytes(L.out) + matrix_bytes(L.moe.router) + model->expert_bytes(l);
  }
  model->weight_bytes_ += model->placement_.lora;
  return model;
}

Result<std::vector<uint32_t>> Model::split_blocks(
    const std::vector<const host::DeviceInfo*>& devices, uint32_t layers, uint64_t limit) {
  if (devices.empty() || devices.size() > layers)
    return Status::bad_argument(std::to_string(devices.size()) + " devices for " +
                                std::to_string(layers) + " blocks: each device takes at least one");
  std::vector<double> offer;
  for (const host::DeviceInfo* d : devices)
    offer.push_back(static_cast<double>(limit ? limit : d->usable_bytes()));
  double total = 0;
  for (double o : offer) total += o;
  // Cumulative shares rounded: counts add up to `layers`; then at least one each.
  std::vector<uint32_t> blocks;
  double sum = 0;
  uint32_t given = 0;
  for (size_t i = 0; i < offer.size(); ++i) {
    sum += offer[i];
    const uint32_t upto =
        i + 1 == offer.size() ? layers : static_cast<uint32_t>(std::lround(layers * (sum / total)));
    blocks.push_back(upto > given ? upto - given : 0);
    given = std::max(given, upto);
  }
  for (size_t i = 0; i < blocks.size(); ++i)
    while (blocks[i] == 0) {
      auto most = std::max_element(blocks.begin(), blocks.end());
      --*most, ++blocks[i];
    }
  return blocks;
}

namespace {

// A part's options: the whole model's, for blocks [begin, begin + count).
ModelOptions part_options(const ModelOptions& options, uint32_t begin, uint32_t count) {
  ModelOptions part = options;
  part.placement.layer_begin = begin;
  part.placement.layer_end = begin + count;
  return part;
}

// Experts on another device serve a model on one device: a split's parts would share that
// device's memory without one plan to account for it.
Status check_experts_elsewhere(size_t devices, const ModelOptions& options) {
  if (devices > 1 && options.placement.experts == ExpertsOn::other)
    return Status::bad_argument(
        "experts on a device of their own take a model on one device, not "
        "split across " +
        std::to_string(devices));
  return {};
}

std::string device_context(size_t i, const host::DeviceInfo& d) {
  return "device " + std::to_string(i) + " (" + d.name + ")";
}

}  // namespace

Result<std::vector<Placement>> Model::plan_split(
    const std::vector<const host::DeviceInfo*>& devices, const ModelTensors& t,
    const ModelOptions& options, const std::vector<uint32_t>& blocks) {
  OSSVK_RETURN_IF_ERROR(check_experts_elsewhere(devices.size(), options));
  std::vector<Placement> parts;
  for (uint32_t i = 0, begin = 0; i < devices.size(); begin += blocks[i++]) {
    auto p = plan(*devices[i], t, part_options(options, begin, blocks[i]));
    if (!p.ok()) return p.status().with_context(device_context(i, *devices[i]));
    parts.push_back(std::move(p).value());
  }
  return parts;
}

std::vector<const host::DeviceInfo*> Model::choose_devices(
    const std::vector<const host::DeviceInfo*>& gpus, const ModelTensors& t,
    const ModelOptions& options) {
  if (gpus.size() < 2) return gpus;
  ModelOptions whole = options;
  whole.placement.experts = ExpertsOn::device;
  if (plan(*gpus[0], t, whole).ok()) return {gpus[0]};
  auto blocks =
      split_blocks(gpus, static_cast<uint32_t>(t.layers.size()), options.placement.device_limit);
  const bool fits = blocks.ok() && plan_split(gpus, t, whole, blocks.value()).ok();
  return fits ? gpus : std::vector<const host::DeviceInfo*>{gpus[0]};
}

Result<std::unique_ptr<Model>> Model::upload_split(const std::vector<host::Device*>& devices,
                                                   const ModelTensors& t,
                                                   const ModelOptions& options,
                                                   std::vector<uint32_t> blocks) {
  const uint32_t layers = static_cast<uint32_t>(t.layers.size());
  OSSVK_RETURN_IF_ERROR(check_experts_elsewhere(devices.size(), options));
  if (blocks.empty()) {
    std::vector<const host::DeviceInfo*> infos;
    for (const host::Device* d : devices) infos.push_back(&d->info());
    OSSVK_ASSIGN_OR_RETURN(blocks, split_blocks(infos, layers, options.placement.device_limit));
  }
  uint32_t total = 0;
  for (uint32_t b : blocks) total += b;
  if (blocks.size() != devices.size() || total != layers ||
      std::count(blocks.begin(), blocks.end(), 0u))
    return Status::bad_argument("a split must give each of the " + std::to_string(devices.size()) +
                                " devices at least one of the " + std::to_string(layers) +
                                " blocks");
  // One progress for the whole model: each part's counts offset by the parts before it.
  std::vector<uint64_t> before{0};
  for (uint32_t i = 0, begin = 0; i < devices.size(); begin += blocks[i++])
    before.push_back(before.back() + file_bytes(t, begin, begin + blocks[i]));
  std::unique_ptr<Model> head;
  Model* tail = nullptr;
  for (uint32_t i = 0, begin = 0; i < devices.size(); begin += blocks[i++]) {
    ModelOptions part = part_options(options, begin, blocks[i]);
    if (options.progress)
      part.progress = [&, i](uint64_t done, uint64_t) {
        options.progress(before[i] + done, before.back());
      };
    auto m = upload(*devices[i], t, part);
    if (!m.ok()) return m.status().with_context(device_context(i, devices[i]->info()));
    Model* added = m.value().get();
    (tail ? tail->next_ : head) = std::move(m).value();
    tail = added;
  }
  return head;
}

uint64_t Model::device_free() const {
  const host::Allocator& a = device_.allocator();
  const uint64_t in_use = a.bytes_in_use() - a.bytes_in_use(host::MemoryUse::system);
  return placement_.device_available > in_use ? placement_.device_available - in_use : 0;
}

const MoeLayer& Model::experts(size_t layer) const {
  return layer < remote_experts_.size() ? remote_experts_[layer] : layers_[layer].moe;
}

uint64_t Model::expert_bytes(size_t layer) const {
  const MoeLayer& m = experts(layer);
  return matrix_bytes(m.gate) + matrix_bytes(m.up) + matrix_bytes(m.down);
}

uint64_t Model::decode_bytes(uint32_t top_k) const {
  uint64_t n = matrix_bytes(output_) + matrix_bytes(embedding_) / std::max(1u, config_.vocab);
  for (size_t i = 0; i < layers_.size(); ++i) {
    const Layer& l = layers_[i];
    const MoeLayer& m = experts(i);
    const uint64_t experts = std::max(1u, config_.experts);
    n += qkv_bytes(l) + matrix_bytes(l.out) + matrix_bytes(l.moe.router) +
         expert_bytes(i) * top_k / experts;
    for (const LoraWeights* w : {&l.qkv_lora, &l.out_lora, &l.moe.router_lora}) n += lora_bytes(*w);
    for (const LoraWeights* w : {&m.gate_lora, &m.up_lora, &m.down_lora})
      n += lora_bytes(*w) * top_k / experts;
  }
  return n;
}

}  // namespace ossvk
