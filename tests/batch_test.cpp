// A decode step for several sessions at once against each session stepping alone: the same
// logits bit for bit (the batched matvecs compute each column as the one-column matvec does,
// and each session's attention runs on its own cache), for 1 to 8 sessions at different
// positions (sliding-window rings wrapped), sessions leaving and joining between steps, and
// experts per token other than the model's. A prompt prefilled in chunks beside decoding
// sessions, against the reference. Bad batches are refused before anything runs.
#include "backend/model/batch.h"

#include <gtest/gtest.h>

#include "reference/model.h"
#include "support/gpu.h"
#include "support/synthetic_loader.h"

namespace ossvk::testing {
namespace {

class BatchTest : public GpuTest {
 protected:
  void SetUp() override {
    GpuTest::SetUp();
    SyntheticOptions so;
    so.layers = 3;
    loaded_ = read_synthetic(so);
    ASSERT_TRUE(loaded_);
    auto m = Model::upload(device(), loaded_->tensors, {});
    ASSERT_OK(m);
    model_ = std::move(m).value();
    vocab_ = loaded_->tensors.config.vocab;
  }

  // Two sessions with the same prompt of `length` tokens: one to batch, one to step alone.
  struct Pair {
    std::unique_ptr<Session> batched, alone;
  };
  Pair pair(uint32_t length, uint32_t top_k = 0) {
    Pair p;
    std::vector<uint32_t> prompt(length);
    for (uint32_t i = 0; i < length; ++i) prompt[i] = (i * 7 + length * 13) % vocab_;
    for (auto* s : {&p.batched, &p.alone}) {
      auto made = Session::create(*model_, {.context = 64, .top_k = top_k});
      EXPECT_OK(made);
      if (!made.ok()) return p;
      *s = std::move(made).value();
      EXPECT_OK((*s)->eval(prompt, nullptr, false));
    }
    return p;
  }

  // One batched step over `pairs` (tokens chosen from the step and the pair), checked against
  // each pair's session stepping alone.
  void step(Batch& batch, std::vector<Pair*> pairs, uint32_t k) {
    std::vector<Session*> sessions;
    std::vector<uint32_t> tokens;
    for (size_t i = 0; i < pairs.size(); ++i) {
      sessions.push_back(pairs[i]->batched.get());
      tokens.push_back((k * 31 + i * 17 + 5) % vocab_);
    }
    std::vector<float> got(pairs.size() * vocab_), want(vocab_);
    ASSERT_OK(batch.eval(sessions, tokens, got.data()));
    for (size_t i = 0; i < pairs.size(); ++i) {
      ASSERT_OK(pairs[i]->alone->eval({&tokens[i], 1}, want.data(), false));
      EXPECT_EQ(pairs[i]->batched->position(), pairs[i]->alone->position());
      EXPECT_TRUE(std::equal(want.begin(), want.end(), got.begin() + i * vocab_))
          << "session " << i << " of " << pairs.size() << ", step " << k;
    }
  }

  std::unique_ptr<Loaded> loaded_;
  std::unique_ptr<Model> model_;
  uint32_t vocab_ = 0;
};

TEST_F(BatchTest, one_to_eight_sessions_give_each_sessions_own_logits) {
  auto batch = Batch::create(*model_);
  ASSERT_OK(batch);
  for (uint32_t n = 1; n <= kMaxMatvecColumns; ++n) {
    std::vector<Pair> pairs;
    for (uint32_t i = 0; i < n; ++i) pairs.push_back(pair(1 + 3 * i));  // positions 1 .. 22
    std::vector<Pair*> all;
    for (Pair& p : pairs) all.push_back(&p);
    for (uint32_t k = 0; k < 3; ++k) step(*batch.value(), all, k);
  }
}

// Sessions finish and join between steps; the rest carry on at their own positions.
TEST_F(BatchTest, sessions_leave_and_join_between_steps) {
  auto batch = Batch::create(*model_);
  ASSERT_OK(batch);
  Pair a = pair(2), b = pair(9), c = pair(5);
  step(*batch.value(), {&a, &b, &c}, 0);
  step(*batch.value(), {&b, &c}, 1);  // a is done
  Pair d = pair(13);                  // d joins
  step(*batch.value(), {&d, &b, &c}, 2);
  step(*batch.value(), {&c}, 3);
  step(*batch.value(), {&a, &d}, 4);  // a comes back
}

TEST_F(BatchTest, experts_per_token_other_than_the_models) {
  auto batch = Batch::create(*model_, 3, 2);
  ASSERT_OK(batch);
  Pair a = pair(3, 2), b = pair(7, 2);
  step(*batch.value(), {&a, &b}, 0);
  step(*batch.value(), {&b, &a}, 1);
}

// Session 3 prefills a 50-token prompt in chunks of 24, 24 and 2 while sessions 0-2 decode, then
// decodes with them. Each session's row against reference::forward over all it took, within the
// whole-model bound (expect_close): a step of more than kMaxMatvecColumns tokens runs the
// matmuls and the grouped experts over all of them, so the decoding sessions' sums differ in
// order from their own matvec steps; the last chunk's step (5 tokens) takes the matvecs.
TEST_F(BatchTest, a_prompt_prefills_in_chunks_beside_decoding_sessions) {
  auto made = Batch::create(*model_, 4, 0, 3 + 24);
  ASSERT_OK(made);
  Batch& batch = *made.value();
  std::vector<std::unique_ptr<Session>> sessions;
  std::vector<std::vector<uint32_t>> taken(4);
  for (uint32_t i = 0; i < 4; ++i) {
    auto s = Session::create(*model_, {.context = 64, .max_step_tokens = 24});
    ASSERT_OK(s);
    sessions.push_back(std::move(s).value());
    for (uint32_t j = 0; j < (i < 3 ? 2 + 7 * i : 0); ++j)
      taken[i].push_back((j * 7 + i * 13 + 3) % vocab_);
    if (!taken[i].empty()) ASSERT_OK(sessions[i]->eval(taken[i], nullptr, false));
  }
  const std::vector<uint32_t> prompt = some_tokens(50, vocab_);
  const std::vector<uint32_t> chunks = {24, 24, 2, 1, 1};
  for (size_t k = 0, at = 0; k < chunks.size(); at += chunks[k++]) {
    std::vector<Session*> list;
    std::vector<uint32_t> tokens, counts;
    for (uint32_t i = 0; i < 4; ++i) {
      list.push_back(sessions[i].get());
      const uint32_t n = i < 3 ? 1 : chunks[k];
      for (uint32_t j = 0; j < n; ++j) {
        const uint32_t t =
            i < 3 || at + j >= prompt.size() ? (k * 31 + i * 17 + j + 5) % vocab_ : prompt[at + j];
        tokens.push_back(t);
        taken[i].push_back(t);
      }
      counts.push_back(n);
    }
    std::vector<float> got(4 * vocab_);
    ASSERT_OK(batch.eval(list, tokens, counts, got.data()));
    for (uint32_t i = 0; i < 4; ++i) {
      EXPECT_EQ(sessions[i]->position(), taken[i].size());
      const std::vector<float> all =
          reference::forward(loaded_->tensors, taken[i], loaded_->tensors.config.top_k);
      SCOPED_TRACE("session " + std::to_string(i) + ", step " + std::to_string(k));
      expect_close({got.begin() + i * vocab_, got.begin() + (i + 1) * vocab_},
                   {all.end() - vocab_, all.end()});
    }
  }
  // More tokens than the batch takes, and a chunk past its session's step, are refused.
  Session* s = sessions[3].get();
  const uint32_t before = s->position();
  const std::vector<uint32_t> many(28, 1);
  const std::vector<Session*> one{s}, two{sessions[0].get(), s};
  host::Status st = batch.eval(one, std::span(many).first(25), std::vector<uint32_t>{25}, nullptr);
  EXPECT_NE(st.message().find("session 0 takes 25 tokens; a step takes 1 to its 24"),
            std::string::npos)
      << st.message();
  st = batch.eval(two, many, std::vector<uint32_t>{4, 24}, nullptr);
  EXPECT_NE(st.message().find("up to 27 tokens"), std::string::npos) << st.message();
  st = batch.eval(two, std::span(many).first(1), std::vector<uint32_t>{1, 0}, nullptr);
  EXPECT_NE(st.message().find("session 1 takes 0 tokens"), std::string::npos) << st.message();
  EXPECT_EQ(s->position(), before);
}

TEST_F(BatchTest, bad_batches_are_refused_before_anything_runs) {
  EXPECT_FALSE(Batch::create(*model_, 9).ok());
  EXPECT_FALSE(Batch::create(*model_, 0).ok());
  auto batch = Batch::create(*model_, 2);
  ASSERT_OK(batch);
  Batch& b = *batch.value();
  Pair a = pair(3), c = pair(3), k2 = pair(3, 2);
  auto refused = [&](std::vector<Session*> sessions, std::vector<uint32_t> tokens,
                     const std::string& why) {
    const uint32_t before = a.batched->position();
    host::Status s = b.eval(sessions, tokens, nullptr);
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.message().find(why), std::string::npos) << s.message();
    EXPECT_EQ(a.batched->position(), before);
  };
  refused({a.batched.get(), a.batched.get()}, {1, 2}, "session 0 appears twice");
  refused({a.batched.get(), c.batched.get(), c.alone.get()}, {1, 2, 3}, "takes 1 to 2");
  refused({a.batched.get()}, {1, 2}, "as many as the sessions' counts add up to");
  refused({a.batched.get(), k2.batched.get()}, {1, 2}, "session 1 uses 2 experts per token");
  refused({a.batched.get()}, {vocab_}, "session 0: token id");
  auto other = Model::upload(device(), loaded_->tensors, {});
  ASSERT_OK(other);
  auto foreign = Session::create(*other.value(), {.context = 8});
  ASSERT_OK(foreign);
  refused({a.batched.get(), foreign.value().get()}, {1, 2}, "session 1 is not on the batch's");
  auto full = Session::create(*model_, {.context = 3});
  ASSERT_OK(full);
  ASSERT_OK(full.value()->eval(some_tokens(3, vocab_), nullptr, false));
  refused({full.value().get()}, {1}, "context overflow");
  // A refused submission breaks every session in the step, and only those.
  device().fail_next_submit(VK_ERROR_OUT_OF_DEVICE_MEMORY);
  EXPECT_FALSE(b.eval(std::vector<Session*>{a.batched.get(), c.batched.get()},
                      std::vector<uint32_t>{1, 2}, nullptr)
                   .ok());
  EXPECT_FALSE(a.batched->usable());
  EXPECT_FALSE(c.batched->usable());
  EXPECT_TRUE(a.alone->usable());
  refused({a.batched.get()}, {1}, "unusable");
}

}  // namespace
}  // namespace ossvk::testing
