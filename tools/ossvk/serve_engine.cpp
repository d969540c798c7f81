#include "ossvk/serve_engine.h"

#include <algorithm>
#include <cstdio>
#include <utility>

namespace ossvk_cli {
namespace {

// Prompt tokens per command buffer while others decode: long enough to run near prefill speed,
// short enough that a decoding slot waits at most one chunk for its next token.
constexpr size_t kPrefillChunk = 256;

size_t common_prefix(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
  size_t n = 0;
  while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
  return n;
}

void finish(Job& j, Job::End why, const std::string& error) {
  {
    std::lock_guard lock(j.mutex);
    j.end = why;
    j.error = error;
  }
  j.changed.notify_all();
}

}  // namespace

std::unique_ptr<Engine> Engine::create(const ossvk_api& api, ossvk_model* model, const Options& o,
                                       std::string& error) {
  std::unique_ptr<Engine> e(new Engine(api, model, o));
  e->slots_.resize(o.parallel);
  for (Slot& s : e->slots_) {
    ossvk_session_options so{};
    so.context = o.context;
    if (api.session_create(model, &so, &s.session) != OSSVK_OK) {
      error = api.last_error();
      return nullptr;
    }
  }
  e->thread_ = std::thread([p = e.get()] { p->loop(); });
  return e;
}

Engine::~Engine() {
  {
    std::lock_guard lock(mutex_);
    quit_ = cancelling_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  for (Slot& s : slots_) api_.session_free(s.session);
}

Engine::Admit Engine::submit(const std::shared_ptr<Job>& job) {
  {
    std::lock_guard lock(mutex_);
    if (draining_ || quit_) return Admit::draining;
    if (running_ + queue_.size() >= o_.parallel + o_.queue) return Admit::queue_full;
    queue_.push_back(job);
  }
  wake_.notify_all();
  return Admit::ok;
}

void Engine::refuse_new() {
  std::lock_guard lock(mutex_);
  draining_ = true;
}

bool Engine::idle() const {
  std::lock_guard lock(mutex_);
  return queue_.empty() && running_ == 0;
}

void Engine::cancel_all() {
  {
    std::lock_guard lock(mutex_);
    cancelling_ = true;
  }
  wake_.notify_all();
}

Engine::Load Engine::load() const {
  std::lock_guard lock(mutex_);
  return {running_, queue_.size()};
}

void Engine::loop() {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return quit_ || cancelling_ || !queue_.empty() || running_ > 0; });
      if (quit_ && queue_.empty() && running_ == 0) return;
    }
    check_jobs();
    admit();
    prefill_chunk();
    decode_step();
  }
}

void Engine::check_jobs() {
  const auto now = std::chrono::steady_clock::now();
  auto late = [&](const Job& j) { return now > j.deadline; };
  std::vector<std::shared_ptr<Job>> dropped;
  bool everything;
  {
    std::lock_guard lock(mutex_);
    everything = std::exchange(cancelling_, false);
    for (auto it = queue_.begin(); it != queue_.end();) {
      if (everything || (*it)->cancelled || late(**it)) {
        dropped.push_back(*it);
        it = queue_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const auto& j : dropped)
    finish(*j, late(*j) && !everything ? Job::End::timeout : Job::End::cancelled, {});
  for (Slot& s : slots_) {
    if (!s.job) continue;
    if (everything || s.job->cancelled)
      end(s, Job::End::cancelled);
    else if (late(*s.job))
      end(s, Job::End::timeout);
  }
}

void Engine::admit() {
  for (;;) {
    Slot* slot;
    {
      std::lock_guard lock(mutex_);
      if (queue_.empty() || !(slot = choose_slot(*queue_.front()))) return;
      slot->job = std::move(queue_.front());
      queue_.pop_front();
      ++running_;
    }
    start(*slot);
  }
}

// The free slot whose cache holds the longest start of the prompt (a conversation going on
// returns to its slot); among equals the least recently used, so the oldest cache is evicted.
Engine::Slot* Engine::choose_slot(const Job& job) {
  Slot* best = nullptr;
  size_t best_prefix = 0;
  for (Slot& s : slots_) {
    if (s.job || !s.session) continue;
    const size_t prefix = common_prefix(s.seen, job.prompt);
    if (!best || prefix > best_prefix || (prefix == best_prefix && s.used < best->used)) {
      best = &s;
      best_prefix = prefix;
    }
  }
  return best;
}

void Engine::start(Slot& s) {
  Job& j = *s.job;
  size_t same = common_prefix(s.seen, j.prompt);
  if (same == j.prompt.size()) --same;  // the last token is evaluated again for its logits
  if (api_.session_rewind(s.session, static_cast<uint32_t>(same)) != OSSVK_OK) {
    same = 0;  // the sliding-window ring lost what the kept prefix needs: start over
    if (api_.session_reset(s.session) != OSSVK_OK) {
      const std::string why = api_.last_error();
      end(s, Job::End::error, why);
      renew(s);
      return;
    }
  }
  s.seen.resize(same);
  s.prefilled = same;
  s.used = ++clock_;
  std::lock_guard lock(j.mutex);
  j.cached = static_cast<uint32_t>(same);
}

void Engine::prefill_chunk() {
  for (size_t k = 0; k < slots_.size(); ++k) {
    const size_t at = (next_prefill_ + k) % slots_.size();
    Slot& s = slots_[at];
    if (!s.job || s.prefilled >= s.job->prompt.size()) continue;
    next_prefill_ = (at + 1) % slots_.size();
    const std::vector<uint32_t>& p = s.job->prompt;
    const size_t n = std::min(kPrefillChunk, p.size() - s.prefilled);
    const bool last = s.prefilled + n == p.size();
    uint32_t next = 0;
    const ossvk_status st =
        last ? api_.session_eval_sample(s.session, p.data() + s.prefilled, static_cast<uint32_t>(n),
                                        &s.job->sampler, &next)
             : api_.session_eval(s.session, p.data() + s.prefilled, static_cast<uint32_t>(n),
                                 nullptr, 0);
    if (st != OSSVK_OK) {
      const std::string why = api_.last_error();
      end(s, Job::End::error, why);
      renew(s);
      return;
    }
    s.seen.insert(s.seen.end(), p.begin() + s.prefilled, p.begin() + s.prefilled + n);
    s.prefilled += n;
    if (last) deliver(s, next);
    return;
  }
}

void Engine::decode_step() {
  std::vector<Slot*> ready;
  for (Slot& s : slots_)
    if (s.job && s.prefilled == s.job->prompt.size()) ready.push_back(&s);
  if (ready.empty()) return;
  const uint32_t n = static_cast<uint32_t>(ready.size());
  std::vector<ossvk_session*> sessions(n);
  std::vector<uint32_t> tokens(n), out(n);
  std::vector<ossvk_sampler> samplers(n);
  for (uint32_t i = 0; i < n; ++i) {
    sessions[i] = ready[i]->session;
    tokens[i] = ready[i]->next;
    samplers[i] = ready[i]->job->sampler;
  }
  // One step for all (every weight read once), or one session after another where the model
  // is split across devices.
  std::vector<ossvk_status> status(n, OSSVK_OK);
  std::vector<std::string> why(n);
  if (o_.batched) {
    if (api_.batch_eval_sample(sessions.data(), tokens.data(), n, samplers.data(), out.data()) !=
        OSSVK_OK) {
      std::fill(status.begin(), status.end(), OSSVK_ERROR_INTERNAL);
      std::fill(why.begin(), why.end(), std::string(api_.last_error()));
    }
  } else {
    for (uint32_t i = 0; i < n; ++i)
      if ((status[i] = api_.session_eval_sample(sessions[i], &tokens[i], 1, &samplers[i],
                                                &out[i])) != OSSVK_OK)
        why[i] = api_.last_error();
  }
  for (uint32_t i = 0; i < n; ++i) {
    Slot& s = *ready[i];
    if (status[i] != OSSVK_OK) {
      end(s, Job::End::error, why[i]);
      renew(s);
      continue;
    }
    s.job->sampler = samplers[i];
    s.seen.push_back(s.next);
    deliver(s, out[i]);
  }
}

void Engine::deliver(Slot& s, uint32_t token) {
  Job& j = *s.job;
  size_t count;
  {
    std::lock_guard lock(j.mutex);
    j.tokens.push_back(token);
    count = j.tokens.size();
  }
  j.changed.notify_all();
  s.next = token;
  if (std::find(j.stop_tokens.begin(), j.stop_tokens.end(), token) != j.stop_tokens.end())
    end(s, Job::End::stop);
  else if (count >= j.max_tokens || s.seen.size() >= o_.context)
    end(s, Job::End::length);
}

void Engine::end(Slot& s, Job::End why, const std::string& error) {
  finish(*s.job, why, error);
  s.job.reset();
  s.used = ++clock_;
  {
    std::lock_guard lock(mutex_);
    --running_;
  }
}

// A failed step may leave the session broken: its cache is dropped for a new one.
void Engine::renew(Slot& s) {
  api_.session_free(s.session);
  s.session = nullptr;
  s.seen.clear();
  ossvk_session_options so{};
  so.context = o_.context;
  if (api_.session_create(model_, &so, &s.session) != OSSVK_OK) {
    std::fprintf(stderr, "ossvk serve: a slot is lost: %s\n", api_.last_error());
    s.session = nullptr;
  }
}

}  // namespace ossvk_cli
