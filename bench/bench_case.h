// What every kernel benchmark reports, and the GPU timing loop they share.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "host/transfer.h"

namespace ossvk::bench {

struct CaseResult {
  std::string name;   // the kernel stem, e.g. f32_mxfp4w_matvec
  std::string shape;  // e.g. 4096x14336
  double bytes = 0;   // bytes each run must move (weights once, activations, outputs)
  double flops = 0;
  std::vector<double> gpu_ms;  // one entry per timed run
  double cpu_reference_ms = 0;
  double max_error = 0;  // worst |gpu - reference| / bound over the outputs; <= 1 passes
  bool verified = false;
  std::string error;  // set when the case could not run
};

double median(std::vector<double> v);

// Records `runs` repetitions of `encode(i)` separated by barriers, each between two GPU
// timestamps, submits once, and returns each repetition's milliseconds.
host::Result<std::vector<double>> time_gpu(
    host::Device& device, int runs,
    const std::function<host::Status(host::CommandStream&, int)>& encode);

}  // namespace ossvk::bench
