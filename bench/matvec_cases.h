// f32_<fmt>w_matvec at gpt-oss shapes: verified against the CPU reference, then GPU-timed.
#pragma once
#include "bench_case.h"
#include "reference/matvec.h"

namespace ossvk::bench {
CaseResult bench_matvec(host::Device& device, host::Transfer& transfer, reference::GgufType type,
                        uint32_t m, uint32_t k, int runs);
}
