#include "backend/kernels/topk.h"

#include <algorithm>
#include <bit>
#include <string>

#include "shaders/kernel_names.h"
#include "shaders/topk_push.h"

namespace ossvk {

static_assert(sizeof(shaders::TopkPush) == 32, "TopkPush must match its GLSL layout");
static_assert(kTopkKeep == kTopkCandidates);

namespace {

uint32_t groups(uint32_t n) {
  return (n + kTopkChunk - 1) / kTopkChunk;
}

}  // namespace

uint64_t topk_scratch_bytes(uint32_t n) {
  return uint64_t{std::max(groups(n), 1u)} * kTopkKeep * 8;
}

host::Result<TopkScratch> create_topk_scratch(host::Device& device, uint32_t n) {
  const uint64_t bytes = topk_scratch_bytes(n);
  TopkScratch s;
  OSSVK_ASSIGN_OR_RETURN(s.ping, device.allocator().allocate(bytes, host::MemoryUse::device));
  OSSVK_ASSIGN_OR_RETURN(s.pong, device.allocator().allocate(bytes, host::MemoryUse::device));
  return s;
}

host::Status encode_topk(host::Device& device, host::CommandStream& stream,
                         const host::Buffer& logits, uint32_t n, TopkScratch& scratch,
                         const host::Buffer*& result) {
  const uint64_t need = uint64_t{groups(n)} * kTopkKeep * 8;
  if (n == 0 || !logits || logits.size() < uint64_t{n} * 4 || scratch.ping.size() < need ||
      scratch.pong.size() < need)
    return host::Status::error("f32_topk: bad arguments (no logits, or short buffers)");
  if (groups(n) > device.info().max_workgroup_count_x)
    return host::Status::error("f32_topk: " + std::to_string(n) + " logits need more workgroups " +
                               "than the device allows in one dispatch");
  OSSVK_ASSIGN_OR_RETURN(
      const host::Pipeline* pipeline,
      device.pipelines().get({std::string(kernel_names::f32_topk), {}, sizeof(shaders::TopkPush)}));
  const host::Buffer* in = nullptr;
  host::Buffer* out = &scratch.ping;
  for (uint32_t count = n;;) {
    shaders::TopkPush push{};
    push.logits = in ? 0 : logits.address();
    push.keys = in ? in->address() : 0;
    push.best = out->address();
    push.n = count;
    push.from_logits = in ? 0 : 1;
    stream.dispatch(*pipeline, &push, groups(count));
    stream.barrier();
    if (groups(count) == 1) break;
    count = groups(count) * kTopkKeep;
    in = out;
    out = out == &scratch.ping ? &scratch.pong : &scratch.ping;
  }
  result = out;
  return {};
}

std::vector<Candidate> decode_topk(std::span<const uint32_t> keys) {
  std::vector<Candidate> c;
  for (size_t i = 0; i + 1 < keys.size(); i += 2) {
    const uint32_t k = keys[i];
    if (k == 0) break;  // NaN and padding sort last
    const uint32_t bits = k & 0x80000000u ? k & 0x7FFFFFFFu : ~k;
    c.push_back({~keys[i + 1], std::bit_cast<float>(bits)});
  }
  return c;
}

}  // namespace ossvk
