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
  double tokens = 0;           // tokens each run produces (the tokenizer case), reported per second
  std::vector<double> gpu_ms;  // one entry per timed run
  double cpu_reference_ms = 0;
  double max_error = 0;  // worst |gpu - reference| / bound over the outputs; <= 1 passes
  bool verified = false;
  std::string error;  // set when the case could not run
};

// A case before it runs: its name and shape, which --filter matches and the table prints, and
// the work, which starts from a result that already carries them.
struct Case {
  std::string name, shape;
  std::function<CaseResult(CaseResult)> run;
  CaseResult operator()() const { return run(CaseResult{name, shape}); }
};

double median(std::vector<double> v);

// Folds one output's |gpu - reference| / bound into r.max_error; NaN counts as a failure.
void note_error(CaseResult& r, double error_over_bound);

// After verification: marks r verified if every noted error was within its bound, keeps the
// device busy with `encode` for 100 ms, then times `runs` repetitions into r.gpu_ms (or sets
// r.error). Returns r.
CaseResult& verify_and_time(CaseResult& r, host::Device& device, int runs,
                            const std::function<host::Status(host::CommandStream&, int)>& encode);

// Records `runs` repetitions of `encode(i)` separated by barriers, each between two GPU
// timestamps, submits once, and returns each repetition's milliseconds.
host::Result<std::vector<double>> time_gpu(
    host::Device& device, int runs,
    const std::function<host::Status(host::CommandStream&, int)>& encode);

}  // namespace ossvk::bench
