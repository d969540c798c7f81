#include "backend/model/remote_experts.h"

#include <cstring>

#include "backend/model/model.h"

namespace ossvk {

RemoteExperts::Layout RemoteExperts::layout(uint32_t tokens, uint32_t hidden, uint32_t top_k) {
  Layout l;
  const uint64_t rows = uint64_t{tokens} * hidden * 4, picks = uint64_t{tokens} * top_k * 4;
  l.x = 0;
  l.normed = rows;
  l.ids = 2 * rows;
  l.weights = 2 * rows + picks;
  l.bytes = 2 * rows + 2 * picks;
  return l;
}

uint64_t RemoteExperts::work_bytes(const ModelConfig& c, const host::DeviceInfo& device,
                                   uint32_t tokens, uint32_t top_k, uint32_t lora_rank) {
  uint64_t total = 0;
  for (uint64_t b : moe_scratch_sizes(c.hidden, c.experts, c.ff, tokens, top_k, lora_rank))
    if (b) total += host::allocated_bytes(b, device);
  const uint64_t rows = uint64_t{tokens} * c.hidden * 4;
  for (uint64_t b : {layout(tokens, c.hidden, top_k).bytes, rows, rows, rows})
    total += host::allocated_bytes(b, device);
  return total;
}

host::Result<std::unique_ptr<RemoteExperts>> RemoteExperts::create(const Model& model,
                                                                   uint32_t tokens, uint32_t top_k,
                                                                   uint64_t timeout_ns) {
  host::Device& dev = *model.experts_device();
  const MoeLayer& first = model.remote_experts().front();
  std::unique_ptr<RemoteExperts> r(new RemoteExperts(model, top_k));
  r->timeout_ns_ = timeout_ns;
  r->layout_ = layout(tokens, first.hidden, top_k);
  OSSVK_ASSIGN_OR_RETURN(r->stream_, host::CommandStream::create(dev));
  r->decode_.resize(model.remote_experts().size());
  OSSVK_ASSIGN_OR_RETURN(r->scratch_,
                         create_moe_scratch(dev, first, tokens, top_k, model.lora_rank()));
  const uint64_t rows = uint64_t{tokens} * first.hidden * 4;
  host::Allocator& a = dev.allocator();
  OSSVK_ASSIGN_OR_RETURN(r->in_, a.allocate(r->layout_.bytes, host::MemoryUse::upload));
  OSSVK_ASSIGN_OR_RETURN(r->x_, a.allocate(rows, host::MemoryUse::device));
  OSSVK_ASSIGN_OR_RETURN(r->out_, a.allocate(rows, host::MemoryUse::device));
  OSSVK_ASSIGN_OR_RETURN(r->out_host_, a.allocate(rows, host::MemoryUse::download));
  return r;
}

void RemoteExperts::take(const std::byte* from, uint32_t tokens) {
  std::byte* to = in_.mapped();
  const uint64_t rows = uint64_t{tokens} * model_.config().hidden * 4,
                 picks = uint64_t{tokens} * top_k_ * 4;
  const Layout& l = layout_;
  for (auto [offset, bytes] :
       {std::pair{l.x, rows}, {l.normed, rows}, {l.ids, picks}, {l.weights, picks}})
    std::memcpy(to + offset, from + offset, bytes);
}

host::Status RemoteExperts::record(host::CommandStream& cs, uint32_t layer, uint32_t tokens) {
  host::Device& dev = *model_.experts_device();
  const uint64_t rows = uint64_t{tokens} * model_.config().hidden * 4,
                 picks = uint64_t{tokens} * top_k_ * 4;
  const Layout& l = layout_;
  cs.copy(in_, l.x, x_, 0, rows);
  cs.copy(in_, l.normed, scratch_.normed, 0, rows);
  cs.copy(in_, l.ids, scratch_.ids, 0, picks);
  cs.copy(in_, l.weights, scratch_.weights, 0, picks);
  cs.barrier();
  const std::string name = "blk." + std::to_string(model_.first_layer() + layer);
  OSSVK_RETURN_IF_ERROR(encode_moe_experts(dev, cs, model_.remote_experts()[layer], x_, tokens,
                                           top_k_, scratch_, out_, name));
  cs.barrier();
  cs.copy(out_, 0, out_host_, 0, rows);
  cs.host_barrier();
  return {};
}

host::Status RemoteExperts::run(uint32_t layer, uint32_t tokens) {
  if (tokens > 1) {
    OSSVK_RETURN_IF_ERROR(stream_->begin());
    OSSVK_RETURN_IF_ERROR(record(*stream_, layer, tokens));
    return stream_->submit_and_wait(timeout_ns_);
  }
  std::unique_ptr<host::CommandStream>& cs = decode_[layer];
  if (cs) return cs->resubmit_and_wait(timeout_ns_);
  OSSVK_ASSIGN_OR_RETURN(auto stream, host::CommandStream::create(*model_.experts_device()));
  OSSVK_RETURN_IF_ERROR(stream->begin(/*reusable=*/true));
  OSSVK_RETURN_IF_ERROR(record(*stream, layer, 1));
  OSSVK_RETURN_IF_ERROR(stream->submit_and_wait(timeout_ns_));
  cs = std::move(stream);  // replayed only once it has run
  return {};
}

}  // namespace ossvk
