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
    step();
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

Engine::Slot* Engine::next_prefill() {
  for (size_t k = 0; k < slots_.size(); ++k) {
    const size_t at = (next_prefill_ + k) % slots_.size();
    Slot& s = slots_[at];
    if (!s.job || s.prefilled >= s.job->prompt.size()) continue;
    next_prefill_ = (at + 1) % slots_.size();
    return &s;
  }
  return nullptr;
}

void Engine::step() {
  // What each slot takes this step: its drawn token, or the next chunk of its prompt (a draw
  // only after the last).
  struct Entry {
    Slot* slot;
    const uint32_t* tokens;
    uint32_t n;
    bool prefill, draws;
    ossvk_status status = OSSVK_OK;
    std::string why;
    uint32_t out = 0;
  };
  std::vector<Entry> entries;
  for (Slot& s : slots_)
    if (s.job && s.prefilled == s.job->prompt.size())
      entries.push_back({&s, &s.next, 1, false, true});
  if (Slot* p = next_prefill()) {
    const std::vector<uint32_t>& prompt = p->job->prompt;
    const size_t n = std::min(kPrefillChunk, prompt.size() - p->prefilled);
    entries.push_back({p, prompt.data() + p->prefilled, static_cast<uint32_t>(n), true,
                       p->prefilled + n == prompt.size()});
  }
  if (entries.empty()) return;
  const size_t count = entries.size();
  std::vector<ossvk_sampler> samplers(count);
  for (size_t i = 0; i < count; ++i) samplers[i] = entries[i].slot->job->sampler;
  if (o_.batched) {  // one step for all: every weight read once
    std::vector<ossvk_session*> sessions(count);
    std::vector<uint32_t> tokens, counts(count), out(count);
    std::vector<ossvk_sampler*> draw(count);
    for (size_t i = 0; i < count; ++i) {
      const Entry& e = entries[i];
      sessions[i] = e.slot->session;
      tokens.insert(tokens.end(), e.tokens, e.tokens + e.n);
      counts[i] = e.n;
      draw[i] = e.draws ? &samplers[i] : nullptr;
    }
    if (api_.batch_eval_chunks(sessions.data(), tokens.data(), counts.data(),
                               static_cast<uint32_t>(count), draw.data(), out.data()) != OSSVK_OK) {
      const std::string why = api_.last_error();
      for (Entry& e : entries) e.status = OSSVK_ERROR_INTERNAL, e.why = why;
    }
    for (size_t i = 0; i < count; ++i) entries[i].out = out[i];
  } else {  // a model split across devices: one slot after another
    for (size_t i = 0; i < count; ++i) {
      Entry& e = entries[i];
      e.status =
          e.draws ? api_.session_eval_sample(e.slot->session, e.tokens, e.n, &samplers[i], &e.out)
                  : api_.session_eval(e.slot->session, e.tokens, e.n, nullptr, 0);
      if (e.status != OSSVK_OK) e.why = api_.last_error();
    }
  }
  for (size_t i = 0; i < count; ++i) {
    Entry& e = entries[i];
    Slot& s = *e.slot;
    if (e.status != OSSVK_OK) {
      end(s, Job::End::error, e.why);
      renew(s);
      continue;
    }
    s.seen.insert(s.seen.end(), e.tokens, e.tokens + e.n);
    if (e.prefill) s.prefilled += e.n;
    if (!e.draws) continue;
    s.job->sampler = samplers[i];
    deliver(s, e.out);
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
