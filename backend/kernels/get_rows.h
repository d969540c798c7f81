// Launcher of f32_<fmt>w_get_rows: the token-embedding lookup, reading token ids from a device
// buffer so a recorded step needs no host data baked in.
#pragma once
#include "backend/device_matrix.h"

namespace ossvk {

// y [n][w.k] = rows ids[0..n) of w. Ids must be < w.m (callers check; an id past the end
// leaves its row unwritten rather than reading outside w).
host::Status encode_get_rows(host::Device& device, host::CommandStream& stream,
                             const DeviceMatrix& w, const host::Buffer& ids, uint32_t n,
                             const host::Buffer& y);

}  // namespace ossvk
