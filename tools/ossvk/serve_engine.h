// The generation loop behind `ossvk serve`: N slots (one session each) on one model, fed from a
// bounded queue by one thread. Each turn of the loop admits queued jobs to free slots, then runs
// one step: a token for every decoding slot and a chunk of one prompt still prefilling (slots
// take turns), all in one batched step (ossvk_batch_eval_chunks) when the model is on one
// device, so a long prompt never stalls the others for more than a chunk. Request threads hand
// in Jobs and read their tokens as they come.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ossvk.h"

namespace ossvk_cli {

// One request's generation, shared by its request thread and the engine.
struct Job {
  enum class End { none, stop, length, cancelled, timeout, error };

  // Set before submit().
  std::vector<uint32_t> prompt;
  std::vector<uint32_t> stop_tokens;  // delivered, then the job ends
  ossvk_sampler sampler{};
  uint32_t max_tokens = 1;
  std::chrono::steady_clock::time_point deadline;
  std::atomic<bool> cancelled{false};  // the request thread gave up (client gone, stop string)

  // Written by the engine under `mutex`; `changed` tells the request thread.
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<uint32_t> tokens;  // generated so far
  End end = End::none;
  std::string error;
  uint32_t cached = 0;  // prompt tokens the slot's cache already held
};

class Engine {
 public:
  struct Options {
    uint32_t parallel;  // slots, 1 to 8
    uint32_t context;   // positions per slot
    uint32_t queue;     // jobs waiting for a slot before submit() refuses
    bool batched;       // ossvk_batch_eval_chunks (the model on one device)
  };
  static std::unique_ptr<Engine> create(const ossvk_api& api, ossvk_model* model, const Options& o,
                                        std::string& error);
  ~Engine();

  enum class Admit { ok, queue_full, draining };
  Admit submit(const std::shared_ptr<Job>& job);
  // Ctrl-C: new jobs are refused; the admitted ones run to their end (idle() then).
  void refuse_new();
  bool idle() const;
  // Ends every job now (cancelled), queued or running.
  void cancel_all();
  struct Load {
    size_t running, queued;
  };
  Load load() const;

 private:
  struct Slot {
    ossvk_session* session = nullptr;
    std::vector<uint32_t> seen;  // what the session's cache holds
    std::shared_ptr<Job> job;
    size_t prefilled = 0;  // prompt tokens evaluated; prompt.size() once decoding
    uint32_t next = 0;     // drawn, not yet evaluated
    uint64_t used = 0;     // for least-recently-used eviction
  };
  Engine(const ossvk_api& api, ossvk_model* model, const Options& o)
      : api_(api), model_(model), o_(o) {}

  void loop();
  void admit();
  Slot* choose_slot(const Job& job);
  void start(Slot& s);
  Slot* next_prefill();  // the next slot whose prompt is not all evaluated, in turns
  void step();
  void deliver(Slot& s, uint32_t token);
  void end(Slot& s, Job::End why, const std::string& error = {});
  void renew(Slot& s);  // a fresh session after a failed submission
  void check_jobs();    // ends the cancelled and the late

  const ossvk_api& api_;
  ossvk_model* model_;
  Options o_;
  std::vector<Slot> slots_;
  size_t next_prefill_ = 0;
  uint64_t clock_ = 0;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Job>> queue_;
  size_t running_ = 0;  // jobs in slots
  bool draining_ = false, cancelling_ = false, quit_ = false;
  std::thread thread_;
};

}  // namespace ossvk_cli
