// The device's streaming bandwidth, measured with the f32_copy kernel: the yardstick for every
// other kernel's GB/s.
#pragma once
#include "bench_case.h"

namespace ossvk::bench {
CaseResult bench_copy_bandwidth(host::Device& device, host::Transfer& transfer, int runs);
}
