// The C ABI's models, sessions and sampling (ossvk.h): opaque handles over backend/model.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>

#include "backend/abi_common.h"
#include "backend/abi_handles.h"
#include "backend/loader/gguf_model.h"
#include "backend/loader/hf_model.h"
#include "backend/loader/lora_adapter.h"
#include "backend/model/experts_probe.h"
#include "backend/model/sampler.h"
#include "backend/model/session.h"
#include "backend/model/synthetic.h"
#include "backend/text/hf_tokenizer.h"
#include "host/device.h"
#include "shaders/embedded_kernels.h"

using ossvk::host::Status;
using namespace ossvk::abi;

namespace {

bool format_by_name(const char* name, ossvk::TensorFormat fallback, ossvk::TensorFormat* out) {
  if (!name || !*name) {
    *out = fallback;
    return true;
  }
  for (int f = 0; f < ossvk::kTensorFormatCount; ++f) {
    const ossvk::TensorFormatInfo& info =
        ossvk::tensor_format_info(static_cast<ossvk::TensorFormat>(f));
    if (info.gguf_type != ossvk::kNoGgufType && std::strcmp(info.name, name) == 0) {
      *out = static_cast<ossvk::TensorFormat>(f);
      return true;
    }
  }
  return false;
}

ossvk::host::Result<ossvk::GgufWriter> synthetic(const ossvk_synthetic_options* o) {
  ossvk::SyntheticOptions s;
  s.preset = o->preset ? o->preset : "tiny";
  s.layers = o->layers;
  s.seed = o->seed;
  if (!format_by_name(o->expert_type, ossvk::TensorFormat::mxfp4, &s.experts))
    return Status::bad_argument(std::string("expert type '") + o->expert_type +
                                "' is unknown (GGUF types: " + ossvk::gguf_types_read() + ")");
  if (!format_by_name(o->dense_type, ossvk::TensorFormat::bf16, &s.dense))
    return Status::bad_argument(std::string("dense type '") + o->dense_type +
                                "' is unknown (GGUF types: " + ossvk::gguf_types_read() + ")");
  return ossvk::synthetic_model(s);
}

ossvk_tensor_info listing(const std::string& name, const std::string& type,
                          std::vector<uint64_t> dims, uint64_t bytes) {
  ossvk_tensor_info t{};
  copy_string(t.name, name);
  copy_string(t.type, type);
  t.n_dims = static_cast<uint32_t>(std::min<size_t>(dims.size(), 4));
  for (uint32_t i = 0; i < t.n_dims; ++i) t.dims[i] = dims[i];
  t.bytes = bytes;
  return t;
}

// The file's tokenizer, or why it has none: the model still runs on token ids either way.
void keep_tokenizer(ossvk_model& m, ossvk::host::Result<ossvk::text::Tokenizer> tokenizer) {
  if (tokenizer.ok())
    m.tokenizer.emplace(std::move(tokenizer).value());
  else
    m.tokenizer_error = tokenizer.status().message();
}

// Reads and validates m->gguf's model.
ossvk_status read_gguf(ossvk_model& m) {
  auto tensors = ossvk::read_gguf_model(*m.gguf);
  if (!tensors.ok()) return fail(tensors.status());
  m.tensors = std::move(tensors).value();
  keep_tokenizer(m, ossvk::text::Tokenizer::from_gguf(*m.gguf, m.tensors.config.vocab));
  auto name = m.gguf->get_string("general.name");
  m.name = name.ok() ? name.value() : m.gguf->path();
  for (const auto& t : m.gguf->tensors())
    m.listing.push_back(
        listing(t.name, ossvk::tensor_format_info(t.format).name, t.dims, t.data.size()));
  return OSSVK_OK;
}

// A GGUF holding a tokenizer and no tensors (as vocabulary files are shipped): enough for
// tokenize and detokenize, which load with vocab_only.
ossvk_status read_gguf_tokenizer_only(ossvk_model& m, const ossvk_model_options* options) {
  if (!options || !options->vocab_only)
    return fail(
        OSSVK_ERROR_INVALID_ARGUMENT,
        m.gguf->path() + ": holds no tensors (a tokenizer alone serves tokenize and detokenize)");
  const ossvk::GgufValue* tokens = m.gguf->find("tokenizer.ggml.tokens");
  const uint64_t stored = tokens ? tokens->strings.size() : 0;
  auto tokenizer = ossvk::text::Tokenizer::from_gguf(
      *m.gguf, static_cast<uint32_t>(std::min<uint64_t>(stored, UINT32_MAX)));
  if (!tokenizer.ok()) return fail(tokenizer.status());
  m.tokenizer.emplace(std::move(tokenizer).value());
  auto name = m.gguf->get_string("general.name");
  m.name = name.ok() ? name.value() : m.gguf->path();
  return OSSVK_OK;
}

// A Hugging Face checkpoint folder.
ossvk_status read_hf(ossvk_model& m, const std::string& dir) {
  auto hf = ossvk::read_hf_model(dir);
  if (!hf.ok()) return fail(hf.status());
  m.hf = std::move(hf).value();
  m.tensors = std::move(m.hf->tensors);
  auto vocabulary = ossvk::text::read_hf_tokenizer(dir);
  keep_tokenizer(m, vocabulary.ok() ? ossvk::text::Tokenizer::create(std::move(vocabulary).value(),
                                                                     m.tensors.config.vocab,
                                                                     dir + "/tokenizer.json")
                                    : vocabulary.status());
  m.name = m.hf->name;
  for (const auto& shard : m.hf->shards)
    for (const auto& [name, t] : shard->tensors()) {
      std::string type = t.dtype;
      for (char& ch : type) ch = static_cast<char>(std::tolower(ch));
      m.listing.push_back(listing(
          name, type, std::vector<uint64_t>(t.shape.rbegin(), t.shape.rend()), t.data.size()));
    }
  return OSSVK_OK;
}

ossvk::host::Result<std::unique_ptr<ossvk::host::Device>> open_device(const DeviceList& l,
                                                                      const std::string& selector) {
  ossvk::host::DeviceOptions options;
  options.kernels = ossvk::shaders::embedded_kernels();
  options.selector = selector;
  return ossvk::host::Device::create(*l.instance, options);
}

// With no device named and one GPU that must spill experts to system memory: the first usable
// CPU device runs them instead where that measured faster (experts_probe.h), `mopt` changed to
// say so; null where it did not, or where the probe could not run (the spill then stands).
const ossvk::host::DeviceInfo* cpu_for_experts(const DeviceList& l,
                                               const ossvk::host::DeviceInfo& gpu,
                                               const ossvk::ModelTensors& t,
                                               ossvk::ModelOptions& mopt, uint32_t top_k) {
  const auto cpu = std::find_if(l.devices.begin(), l.devices.end(), [](const auto& d) {
    return d.type == VK_PHYSICAL_DEVICE_TYPE_CPU && d.usable();
  });
  if (cpu == l.devices.end()) return nullptr;
  auto spill = ossvk::Model::plan(gpu, t, mopt);
  if (!spill.ok() || spill.value().host_expert_layers == 0) return nullptr;
  auto device = open_device(l, std::to_string(gpu.index));
  auto other = open_device(l, std::to_string(cpu->index));
  if (!device.ok() || !other.ok()) return nullptr;
  auto chosen =
      ossvk::choose_expert_place(*device.value(), *other.value(), t, mopt.placement, top_k);
  if (!chosen.ok() || chosen.value().experts != ossvk::ExpertsOn::other) return nullptr;
  mopt.placement = chosen.value();
  return &*cpu;
}

// Uploads m->tensors onto a new device.
ossvk_status finish_load(std::unique_ptr<ossvk_model> m, const ossvk_model_options* options,
                         ossvk_model** out) {
  m->top_k = m->tensors.config.top_k;
  if (options && options->experts_per_token) {
    if (options->experts_per_token > m->tensors.config.experts)
      return fail(OSSVK_ERROR_INVALID_ARGUMENT,
                  "experts_per_token " + std::to_string(options->experts_per_token) +
                      " exceeds the model's " + std::to_string(m->tensors.config.experts) +
                      " experts");
    m->top_k = options->experts_per_token;
  }
  if (options && options->vocab_only) {
    *out = m.release();
    return OSSVK_OK;
  }
  for (uint32_t i = 0; options && i < options->lora_count; ++i) {
    if (!options->lora_paths || !options->lora_paths[i])
      return fail(OSSVK_ERROR_INVALID_ARGUMENT, "lora_paths[" + std::to_string(i) + "] is null");
    const float scale = options->lora_scales ? options->lora_scales[i] : 1.0f;
    if (auto s = ossvk::read_lora_adapter(options->lora_paths[i], scale, m->tensors); !s.ok())
      return fail(s);
  }
  ossvk::ModelOptions mopt;
  if (options) {
    if (options->experts_on > OSSVK_EXPERTS_OTHER)
      return fail(OSSVK_ERROR_INVALID_ARGUMENT,
                  "experts_on " + std::to_string(options->experts_on) +
                      " is none of OSSVK_EXPERTS_AUTO, _DEVICE, _HOST and _OTHER");
    if ((options->experts_on == OSSVK_EXPERTS_OTHER) != (options->experts_device != nullptr))
      return fail(OSSVK_ERROR_INVALID_ARGUMENT,
                  "experts_device names the experts' device with experts_on OSSVK_EXPERTS_OTHER, "
                  "and only then");
    ossvk::PlacementRequest& p = mopt.placement;
    p.device_limit = options->memory_limit;
    p.experts = static_cast<ossvk::ExpertsOn>(options->experts_on);
    p.expert_layers = options->host_expert_layers;
    if (options->plan_context) p.context = options->plan_context;
    if (options->plan_sessions) p.sessions = options->plan_sessions;
    p.top_k = m->top_k;
  }
  const DeviceList& l = device_list();
  if (!l.status.ok()) return fail(l.status);
  // The selectors, one per part.
  std::vector<std::string> selectors;
  if (options && options->device_count > 0) {
    if (!options->devices)
      return fail(OSSVK_ERROR_INVALID_ARGUMENT,
                  "devices is null with device_count " + std::to_string(options->device_count));
    for (uint32_t i = 0; i < options->device_count; ++i)
      selectors.push_back(options->devices[i] ? options->devices[i] : "");
  } else {
    selectors.push_back(options && options->device ? options->device : "");
  }
  std::vector<const ossvk::host::DeviceInfo*> infos;
  const ossvk::host::DeviceInfo* experts_info = nullptr;  // ExpertsOn::other
  const char* env = std::getenv("OSSVK_DEVICE");
  if (selectors == std::vector<std::string>{""} && !(env && *env) &&
      mopt.placement.experts == ossvk::ExpertsOn::automatic) {
    // No device named: the best GPU, or every GPU where the model fits them and not one.
    infos = ossvk::Model::choose_devices(ossvk::host::usable_gpus(l.devices), m->tensors, mopt);
    selectors.clear();
    for (const auto* d : infos) selectors.push_back(std::to_string(d->index));
    if (infos.size() == 1 && !(options && options->plan_only))
      experts_info = cpu_for_experts(l, *infos[0], m->tensors, mopt, m->top_k);
  }
  if (infos.empty()) {
    selectors = selectors.empty() ? std::vector<std::string>{""} : selectors;
    for (size_t i = 0; i < selectors.size(); ++i) {
      auto index = ossvk::host::select_device(l.devices, selectors[i]);
      if (!index.ok())
        return fail(index.status().with_context("devices[" + std::to_string(i) + "]"));
      infos.push_back(&l.devices[index.value()]);
    }
  }
  if (mopt.placement.experts == ossvk::ExpertsOn::other && !experts_info) {
    auto index = ossvk::host::select_device(l.devices, options->experts_device);
    if (!index.ok()) return fail(index.status().with_context("experts_device"));
    experts_info = &l.devices[index.value()];
  }
  mopt.placement.experts_device = experts_info;
  const uint32_t layers = m->tensors.config.layers;
  auto blocks = ossvk::Model::split_blocks(infos, layers, mopt.placement.device_limit);
  if (!blocks.ok()) return fail(blocks.status());
  if (options && options->plan_only) {
    auto plan = ossvk::Model::plan_split(infos, m->tensors, mopt, blocks.value());
    if (!plan.ok()) return fail(plan.status());
    m->plan = std::move(plan).value();
    *out = m.release();
    return OSSVK_OK;
  }
  auto open = [&](const std::string& selector) { return open_device(l, selector); };
  std::vector<ossvk::host::Device*> devices;
  for (const std::string& selector : selectors) {
    auto device = open(selector);
    if (!device.ok()) return fail(device.status());
    m->devices.push_back(std::move(device).value());
    devices.push_back(m->devices.back().get());
  }
  if (experts_info) {
    auto device = open(std::to_string(experts_info->index));
    if (!device.ok()) return fail(device.status().with_context("experts_device"));
    m->experts_device = std::move(device).value();
    mopt.experts_device = m->experts_device.get();
  }
  if (options && options->progress) {
    auto fn = options->progress;
    void* user = options->progress_user;
    mopt.progress = [fn, user](uint64_t done, uint64_t total) { fn(done, total, user); };
  }
  auto model = ossvk::Model::upload_split(devices, m->tensors, mopt, blocks.value());
  if (!model.ok()) return fail(model.status());
  m->model = std::move(model).value();
  *out = m.release();
  return OSSVK_OK;
}

}  // namespace

extern "C" {

OSSVK_API ossvk_status ossvk_model_load(const char* path, const ossvk_model_options* options,
                                        ossvk_model** out) {
  return guarded([&] {
    if (!path || !out) return fail(OSSVK_ERROR_INVALID_ARGUMENT, "ossvk_model_load: null argument");
    *out = nullptr;
    auto m = std::make_unique<ossvk_model>();
    if (std::filesystem::is_directory(path)) {
      if (ossvk_status s = read_hf(*m, path); s != OSSVK_OK) return s;
    } else {
      auto file = ossvk::GgufFile::open(path);
      if (!file.ok()) return fail(file.status());
      m->gguf = std::move(file).value();
      const ossvk_status s =
          m->gguf->tensors().empty() ? read_gguf_tokenizer_only(*m, options) : read_gguf(*m);
      if (s != OSSVK_OK) return s;
    }
    return finish_load(std::move(m), options, out);
  });
}

OSSVK_API ossvk_status ossvk_model_create_synthetic(const ossvk_synthetic_options* synthetic_opts,
                                                    const ossvk_model_options* options,
                                                    ossvk_model** out) {
  return guarded([&] {
    if (!synthetic_opts || !out)
      return fail(OSSVK_ERROR_INVALID_ARGUMENT, "ossvk_model_create_synthetic: null argument");
    *out = nullptr;
    auto writer = synthetic(synthetic_opts);
    if (!writer.ok()) return fail(writer.status());
    auto m = std::make_unique<ossvk_model>();
    m->memory = std::move(writer.value()).take_bytes();
    auto file = ossvk::GgufFile::parse(m->memory, "synthetic model");
    if (!file.ok()) return fail(file.status());
    m->gguf = std::move(file).value();
    if (ossvk_status s = read_gguf(*m); s != OSSVK_OK) return s;
    return finish_load(std::move(m), options, out);
  });
}

OSSVK_API ossvk_status ossvk_write_synthetic_model(const ossvk_synthetic_options* synthetic_opts,
                                                   const char* path) {
  return guarded([&] {
    if (!synthetic_opts || !path)
      return fail(OSSVK_ERROR_INVALID_ARGUMENT, "ossvk_write_synthetic_model: null argument");
    auto writer = synthetic(synthetic_opts);
    if (!writer.ok()) return fail(writer.status());
    Status s = writer.value().write(path);
    return s.ok() ? OSSVK_OK : fail(s);
  });
}

OSSVK_API void ossvk_model_free(ossvk_model* model) {
  guarded([&] {
    delete model;
    return OSSVK_OK;
  });
}

OSSVK_API ossvk_status ossvk_model_get_placement(const ossvk_model* m, uint32_t part,
                                                 ossvk_placement* out) {
  return guarded([&] {
    if (!m || !out)
      return fail(OSSVK_ERROR_INVALID_ARGUMENT, "ossvk_model_get_placement: null argument");
    std::vector<const ossvk::Placement*> parts;
    for (const ossvk::Model* p = m->model.get(); p; p = p->next()) parts.push_back(&p->placement());
    for (const ossvk::Placement& p : m->plan) parts.push_back(&p);
    if (parts.empty())
      return fail(OSSVK_ERROR_UNSUPPORTED,
                  "the model was loaded vocab_only: it was placed on no device");
    if (part >= parts.size())
      return fail(OSSVK_ERROR_INVALID_ARGUMENT, "ossvk_model_get_placement: part " +
                                                    std::to_string(part) + " of " +
                                                    std::to_string(parts.size()));
    const ossvk::Placement* p = parts[part];
    *out = ossvk_placement{};
    copy_string(out->device_name, p->device);
    out->parts = static_cast<uint32_t>(parts.size());
    out->first_layer = p->first_layer;
    out->device_available = p->device_available;
    out->memory_limited = p->limited;
    out->layers = static_cast<uint32_t>(p->experts.size());
    out->host_available = p->host_available;
    out->embedding_bytes = p->embedding, out->output_bytes = p->output;
    out->dense_bytes = p->dense, out->expert_bytes = p->expert_bytes(), out->lora_bytes = p->lora;
    out->host_expert_layers = p->host_expert_layers;
    out->embedding_on_host = p->embedding_on_host;
    out->cache_context = p->cache_context;
    out->host_bytes = p->host_bytes(), out->device_bytes = p->device_bytes();
    out->host_expert_bytes = p->host_bytes() - (p->embedding_on_host ? p->embedding : 0);
    out->cache_bytes = p->cache;
    out->cache_sessions = p->cache_sessions;
    out->work_bytes = p->work;
    copy_string(out->experts_device_name, p->experts_device);
    out->experts_device_layers = p->experts_device_layers;
    out->experts_device_bytes = p->experts_device_bytes();
    out->experts_device_available = p->experts_device_available;
    out->experts_device_work_bytes = p->experts_device_work;
    return OSSVK_OK;
  });
}

OSSVK_API ossvk_status ossvk_model_get_info(const ossvk_model* m, ossvk_model_info* info) {
  return guarded([&] {
    if (!m || !info)
      return fail(OSSVK_ERROR_INVALID_ARGUMENT, "ossvk_model_get_info: null argument");
    const ossvk::ModelConfig& c = m->tensors.config;
    *info = ossvk_model_info{};
    copy_string(info->name, m->name);
    std::string devices;
    for (const auto& d : m->devices) devices += (devices.empty() ? "" : " + ") + d->info().name;
    copy_string(info->device_name, devices);
    info->layers = c.layers, info->hidden = c.hidden, info->vocab = c.vocab;
    info->heads = c.heads, info->kv_heads = c.kv_heads, info->head_dim = c.head_dim;
    info->experts = c.experts, info->experts_per_token = m->top_k, info->expert_ff = c.ff;
    info->sliding_window = c.window, info->context_length = c.context;
    info->rope_theta = c.rope_theta, info->rope_factor = c.rope_factor;
    info->tensor_count = static_cast<uint32_t>(m->listing.size());
    std::string tensors;
    for (const ossvk::Model* p = m->model.get(); p; p = p->next()) {  // none for vocab_only
      info->weight_bytes += p->weight_bytes();
      info->decode_bytes += p->decode_bytes(m->top_k);
      for (const auto& [name, count] : p->non_finite()) {
        info->non_finite_weights += count;
        tensors += (tensors.empty() ? "" : ", ") + name + ": " + std::to_string(count);
      }
    }
    copy_string(info->non_finite_tensors, tensors);
    const auto& t = m->tokenizer;
    info->tokenizer_tokens = t ? t->stored() : 0;
    info->bos_token = t && t->bos() ? *t->bos() : OSSVK_NO_TOKEN;
    info->eos_token = t && t->eos() ? *t->eos() : OSSVK_NO_TOKEN;
    return OSSVK_OK;
  });
}

OSSVK_API ossvk_status ossvk_model_get_tensor(const ossvk_model* m, uint32_t index,
                                              ossvk_tensor_info* info) {
  return guarded([&] {
    if (!m || !info)
      return fail(OSSVK_ERROR_INVALID_ARGUMENT, "ossvk_model_get_tensor: null argument");
    if (index >= m->listing.size())
      return fail(OSSVK_ERROR_INVALID_ARGUMENT,
                  "ossvk_model_get_tensor: index " + std::to_string(index) + " is out of range");
    *info = m->listing[index];
    return OSSVK_OK;
  });
}

OSSVK_API ossvk_status ossvk_model_reference_logits(const ossvk_model* m, const uint32_t* tokens,
                                                    uint32_t n, uint32_t experts_per_token,
                                                    float* logits) {
  return guarded([&] {
    if (!m || !tokens || !n || !logits)
      return fail(OSSVK_ERROR_INVALID_ARGUMENT, "ossvk_model_reference_logits: null argument");
    const ossvk::ModelConfig& c = m->tensors.config;
    const uint32_t k = experts_per_token ? experts_per_token : m->top_k;
    if (k > c.experts)
      return fail(OSSVK_ERROR_INVALID_ARGUMENT, "experts_per_token exceeds the experts");
    Status ids = ossvk::check_token_ids({tokens, n}, c.vocab);
    if (!ids.ok()) return fail(ids);
    auto out = ossvk::reference::forward(m->tensors, {tokens, n}, k);
    std::memcpy(logits, out.data(), out.size() * 4);
    return OSSVK_OK;
  });
}

OSSVK_API ossvk_status ossvk_session_create(ossvk_model* m, const ossvk_session_options* o,
                                            ossvk_session** out) {
  return guarded([&] {
    if (!m || !out)
      return fail(OSSVK_ERROR_INVALID_ARGUMENT, "ossvk_session_create: null argument");
    *out = nullptr;
    if (!m->model)
      return fail(OSSVK_ERROR_UNSUPPORTED,
                  "the model was loaded vocab_only or plan_only: it has no weights "
                  "on a device to run");
    ossvk::SessionOptions so;
    const uint32_t model_context = std::max(1u, m->tensors.config.context);
    so.context = o && o->context ? o->context : std::min(4096u, model_context);
    if (o && o->max_step_tokens) so.max_step_tokens = o->max_step_tokens;
    so.top_k = o && o->experts_per_token ? o->experts_per_token : m->top_k;
    so.f16_kv = o && o->f16_kv;
    if (o && o->step_timeout_ns) so.step_timeout_ns = o->step_timeout_ns;
    if (so.top_k > m->tensors.config.experts)
      return fail(OSSVK_ERROR_INVALID_ARGUMENT,
                  "experts_per_token " + std::to_string(so.top_k) + " exceeds the model's " +
                      std::to_string(m->tensors.config.experts) + " experts");
    auto s = ossvk::Session::create(*m->model, so);
    if (!s.ok()) return fail(s.status());
    *out = new ossvk_session{m, std::move(s).value()};
    return OSSVK_OK;
  });
}

OSSVK_API void ossvk_session_free(ossvk_session* s) {
  guarded([&] {
    delete s;
    return OSSVK_OK;
  });
}

namespace {

// What both evals refuse before running: a broken session, bad token ids, context overflow.
ossvk_status check_eval(const ossvk_session& s, std::span<const uint32_t> tokens) {
  if (!s.session->usable())
    return fail(OSSVK_ERROR_SESSION_BROKEN,
                "the session failed earlier and cannot continue; free it and create another");
  Status check = s.session->check_tokens(tokens);
  return check.ok() ? OSSVK_OK : fail(check);
}

}  // namespace

OSSVK_API ossvk_status ossvk_session_eval(ossvk_session* s, const uint32_t* tokens, uint32_t n,
                                          float* logits, uint32_t flags) {
  return guarded([&] {
    if (!s || !tokens)
      return fail(OSSVK_ERROR_INVALID_ARGUMENT, "ossvk_session_eval: null argument");
    std::span<const uint32_t> t(tokens, n);
    if (ossvk_status st = check_eval(*s, t); st != OSSVK_OK) return st;
    Status r = s->session->eval(t, logits, (flags & OSSVK_EVAL_ALL_LOGITS) != 0);
    return r.ok() ? OSSVK_OK : fail(r);
  });
}

OSSVK_API ossvk_status ossvk_session_position(const ossvk_session* s, uint32_t* position) {
  return guarded([&] {
    if (!s || !position)
      return fail(OSSVK_ERROR_INVALID_ARGUMENT, "ossvk_session_position: null argument");
    *position = s->session->position();
    return OSSVK_OK;
  });
}

OSSVK_API ossvk_status ossvk_session_reset(ossvk_session* s) {
  return guarded([&] {
    if (!s) return fail(OSSVK_ERROR_INVALID_ARGUMENT, "ossvk_session_reset: null argument");
    s->session->reset();
    return OSSVK_OK;
  });
}

OSSVK_API ossvk_status ossvk_session_rewind(ossvk_session* s, uint32_t position) {
  return guarded([&] {
    if (!s) return fail(OSSVK_ERROR_INVALID_ARGUMENT, "ossvk_session_rewind: null argument");
    Status r = s->session->rewind(position);
    return r.ok() ? OSSVK_OK : fail(r);
  });
}

namespace {

// The sampler's settings, checked; `function` names the caller in the error.
std::optional<ossvk::SamplerParams> sampler_params(const ossvk_sampler& s, const char* function) {
  if (!(s.temperature >= 0) || !(s.top_p >= 0 && s.top_p <= 1) || !(s.min_p >= 0 && s.min_p <= 1)) {
    fail(OSSVK_ERROR_INVALID_ARGUMENT,
         std::string(function) + ": temperature must be >= 0, top_p and min_p in [0, 1]");
    return std::nullopt;
  }
  const float top_p = s.top_p > 0 ? s.top_p : 1.0f;  // 0 (a zeroed struct): off
  return ossvk::SamplerParams{s.temperature, s.top_k, top_p, s.min_p};
}

}  // namespace

OSSVK_API ossvk_status ossvk_sample(const float* logits, uint32_t vocab, ossvk_sampler* sampler,
                                    uint32_t* token) {
  return guarded([&] {
    if (!logits || !vocab || !sampler || !token)
      return fail(OSSVK_ERROR_INVALID_ARGUMENT, "ossvk_sample: null argument or empty vocabulary");
    auto p = sampler_params(*sampler, "ossvk_sample");
    if (!p) return OSSVK_ERROR_INVALID_ARGUMENT;
    *token = ossvk::sample({logits, vocab}, *p, sampler->state);
    return OSSVK_OK;
  });
}

OSSVK_API ossvk_status ossvk_session_eval_sample(ossvk_session* s, const uint32_t* tokens,
                                                 uint32_t n, ossvk_sampler* sampler,
                                                 uint32_t* token) {
  return guarded([&] {
    if (!s || !tokens || !sampler || !token)
      return fail(OSSVK_ERROR_INVALID_ARGUMENT, "ossvk_session_eval_sample: null argument");
    auto p = sampler_params(*sampler, "ossvk_session_eval_sample");
    if (!p) return OSSVK_ERROR_INVALID_ARGUMENT;
    std::span<const uint32_t> t(tokens, n);
    if (ossvk_status st = check_eval(*s, t); st != OSSVK_OK) return st;
    auto r = s->session->eval_sample(t, *p, sampler->state);
    if (!r.ok()) return fail(r.status());
    *token = r.value();
    return OSSVK_OK;
  });
}

namespace {

static_assert(OSSVK_BATCH_MAX_TOKENS == ossvk::kBatchMaxTokens);

// ossvk_batch_eval_sample (counts null: one token each) and ossvk_batch_eval_chunks.
ossvk_status batch_step(const std::string& fn, ossvk_session* const* sessions,
                        const uint32_t* tokens, const uint32_t* counts, uint32_t n,
                        ossvk_sampler* const* samplers, uint32_t* out) {
  std::vector<ossvk::Session*> list;
  std::vector<std::optional<ossvk::SamplerParams>> params;
  std::vector<uint32_t> taken;
  for (uint32_t i = 0; i < n; ++i) {
    const std::string which = fn + ": session " + std::to_string(i);
    if (!sessions[i]) return fail(OSSVK_ERROR_INVALID_ARGUMENT, which + " is null");
    if (sessions[i]->model != sessions[0]->model)
      return fail(OSSVK_ERROR_INVALID_ARGUMENT, which + " is on another model than session 0");
    if (!sessions[i]->session->usable())
      return fail(OSSVK_ERROR_SESSION_BROKEN,
                  which + " failed earlier and cannot continue; free it and create another");
    params.emplace_back();
    if (samplers[i] && !(params.back() = sampler_params(*samplers[i], fn.c_str())))
      return OSSVK_ERROR_INVALID_ARGUMENT;
    list.push_back(sessions[i]->session.get());
    taken.push_back(counts ? counts[i] : 1);
  }
  uint64_t total = 0;
  for (uint32_t c : taken) total += c;
  const bool chunks = total > n;
  ossvk_model& m = *sessions[0]->model;
  std::lock_guard lock(m.batch_mutex);
  std::unique_ptr<ossvk::Batch>& batch = m.batches[{list[0]->top_k(), chunks}];
  if (!batch) {
    auto b = ossvk::Batch::create(*m.model, ossvk::kMaxMatvecColumns, list[0]->top_k(),
                                  chunks ? ossvk::kBatchMaxTokens : 0);
    if (!b.ok()) return fail(b.status());
    batch = std::move(b).value();
  }
  if (Status s = batch->eval(list, {tokens, total}, taken, nullptr); !s.ok()) return fail(s);
  for (uint32_t i = 0; i < n; ++i) {
    if (!params[i]) continue;
    const std::span<const float> row = batch->row(i);
    out[i] = ossvk::sample(row, *params[i], samplers[i]->state);
    if (std::isnan(row[out[i]]))  // sample() picks a NaN only from a row of them
      return fail(OSSVK_ERROR_INTERNAL, fn + ": session " + std::to_string(i) +
                                            ": every logit of the last position is NaN");
  }
  return OSSVK_OK;
}

}  // namespace

OSSVK_API ossvk_status ossvk_batch_eval_sample(ossvk_session* const* sessions,
                                               const uint32_t* tokens, uint32_t n,
                                               ossvk_sampler* samplers, uint32_t* out) {
  return guarded([&] {
    if (!sessions || !tokens || !samplers || !out || n == 0)
      return fail(OSSVK_ERROR_INVALID_ARGUMENT, "ossvk_batch_eval_sample: null argument or n 0");
    std::vector<ossvk_sampler*> each(n);
    for (uint32_t i = 0; i < n; ++i) each[i] = &samplers[i];
    return batch_step("ossvk_batch_eval_sample", sessions, tokens, nullptr, n, each.data(), out);
  });
}

OSSVK_API ossvk_status ossvk_batch_eval_chunks(ossvk_session* const* sessions,
                                               const uint32_t* tokens, const uint32_t* counts,
                                               uint32_t n, ossvk_sampler* const* samplers,
                                               uint32_t* out) {
  return guarded([&] {
    if (!sessions || !tokens || !counts || !samplers || !out || n == 0)
      return fail(OSSVK_ERROR_INVALID_ARGUMENT, "ossvk_batch_eval_chunks: null argument or n 0");
    return batch_step("ossvk_batch_eval_chunks", sessions, tokens, counts, n, samplers, out);
  });
}

}  // extern "C"

namespace ossvk::abi {
namespace {

// An older version's options: its members, the rest zero.
ossvk_model_options from_old(const ossvk_model_options* old, size_t end) {
  ossvk_model_options o{};
  std::memcpy(&o, old, end);
  return o;
}

}  // namespace

template <size_t kEnd>
ossvk_status model_load_old(const char* path, const ossvk_model_options* options,
                            ossvk_model** model) {
  if (!options) return ossvk_model_load(path, nullptr, model);
  const ossvk_model_options o = from_old(options, kEnd);
  return ossvk_model_load(path, &o, model);
}

template <size_t kEnd>
ossvk_status model_create_synthetic_old(const ossvk_synthetic_options* synthetic,
                                        const ossvk_model_options* options, ossvk_model** model) {
  if (!options) return ossvk_model_create_synthetic(synthetic, nullptr, model);
  const ossvk_model_options o = from_old(options, kEnd);
  return ossvk_model_create_synthetic(synthetic, &o, model);
}

template ossvk_status model_load_old<kOptionsEndV4>(const char*, const ossvk_model_options*,
                                                    ossvk_model**);
template ossvk_status model_load_old<kOptionsEndV5>(const char*, const ossvk_model_options*,
                                                    ossvk_model**);
template ossvk_status model_load_old<kOptionsEndV6>(const char*, const ossvk_model_options*,
                                                    ossvk_model**);
template ossvk_status model_load_old<kOptionsEndV7>(const char*, const ossvk_model_options*,
                                                    ossvk_model**);
template ossvk_status model_create_synthetic_old<kOptionsEndV7>(const ossvk_synthetic_options*,
                                                                const ossvk_model_options*,
                                                                ossvk_model**);
template ossvk_status model_create_synthetic_old<kOptionsEndV6>(const ossvk_synthetic_options*,
                                                                const ossvk_model_options*,
                                                                ossvk_model**);
template ossvk_status model_create_synthetic_old<kOptionsEndV4>(const ossvk_synthetic_options*,
                                                                const ossvk_model_options*,
                                                                ossvk_model**);
template ossvk_status model_create_synthetic_old<kOptionsEndV5>(const ossvk_synthetic_options*,
                                                                const ossvk_model_options*,
                                                                ossvk_model**);

template <size_t kEnd>
ossvk_status model_get_placement_old(const ossvk_model* model, uint32_t part,
                                     ossvk_placement* placement) {
  if (!placement) return ossvk_model_get_placement(model, part, nullptr);
  ossvk_placement p;
  const ossvk_status s = ossvk_model_get_placement(model, part, &p);
  if (s == OSSVK_OK) std::memcpy(placement, &p, kEnd);
  return s;
}

template ossvk_status model_get_placement_old<kPlacementEndV6>(const ossvk_model*, uint32_t,
                                                               ossvk_placement*);
template ossvk_status model_get_placement_old<kPlacementEndV7>(const ossvk_model*, uint32_t,
                                                               ossvk_placement*);
template ossvk_status model_get_placement_old<kPlacementEndV8>(const ossvk_model*, uint32_t,
                                                               ossvk_placement*);

}  // namespace ossvk::abi
