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

// What every family of cases is made from; bench/main.cpp fills it from the command line.
struct CaseOptions {
  host::Device& device;
  host::Transfer& transfer;
  int runs = 20;                 // timed runs of decode-sized cases
  int prefill_runs = 3;          // of prefill-sized ones
  uint32_t m = 0, k = 0, n = 0;  // --shape: one custom shape; families without one make no cases
  std::string tokenizer, text;   // --tokenizer, --text
};
using CaseFamily = std::vector<Case> (*)(const CaseOptions&);

// Registers a family of cases from its own file at static initialization, so that a new family
// touches no other file. `order` places its cases in the run and the table (lower first).
struct RegisterCases {
  RegisterCases(int order, CaseFamily family);
};
std::vector<Case> registered_cases(const CaseOptions& options);

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
