// The MoE block at gpt-oss shapes (hidden 2880, expert width 2880, MXFP4 experts, k = 4): time
// per layer, GB/s over the bytes of the experts the tokens selected, verified first.
#pragma once
#include "bench_case.h"

namespace ossvk::bench {
Case moe_case(host::Device& device, host::Transfer& transfer, uint32_t experts, uint32_t tokens,
              int runs);
}
