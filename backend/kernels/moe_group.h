// Launcher of f32_moe_group (shaders/moe_group.comp): prefill's (token, slot) pairs sorted by
// expert on the device (counts, prefix sums, the pairs expert by expert), each expert's run cut
// into tiles of `tile` pairs for the grouped matmuls (encode_moe_matmul).
#pragma once
#include "host/commands.h"

namespace ossvk {

// ids [tokens][top_k] -> order [tokens * top_k] and tiles [1 + 3 * max tiles].
host::Status encode_moe_group(host::Device& device, host::CommandStream& stream,
                              const host::Buffer& ids, uint32_t tokens, uint32_t top_k,
                              uint32_t experts, uint32_t tile, const host::Buffer& order,
                              const host::Buffer& tiles);

}  // namespace ossvk
