// The Session API end to end on a tiny random Qwen2-VL compiled once for this binary: multi-image prompts, multi-turn
// KV-cache reuse equal to a fresh prefill of the whole history, cancellation from another thread, stop strings,
// seeded sampling, the context-length check before any work, and error codes. Public API only.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "tiny_model.h"

namespace edgevl::test {
namespace {

static ::testing::Environment* const kEnv = ::testing::AddGlobalTestEnvironment(make_tiny_model_environment());

GenerationConfig greedy(int max_new_tokens) {
  GenerationConfig c;
  c.temperature = 0.0f;
  c.max_new_tokens = max_new_tokens;
  return c;
}

GenerationConfig sampled(uint64_t seed, int max_new_tokens) {
  GenerationConfig c;
  c.temperature = 1.0f;
  c.top_k = 0;
  c.top_p = 1.0f;
  c.seed = seed;
  c.max_new_tokens = max_new_tokens;
  return c;
}

ErrorCode error_code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  ADD_FAILURE() << "no edgevl::Error thrown";
  return ErrorCode::kInternal;
}

TEST(Session, TwoImagesInOnePrompt) {
  Session text_only(tiny_model());
  const Result t = text_only.generate(Request::user("Compare the pictures."), greedy(4));
  Session s(tiny_model());
  Request r;
  r.text = "Compare the pictures.";
  r.images = {synthetic_image(56, 56, 1), synthetic_image(84, 56, 2)};  // 4x4 and 6x4 patches: 4 and 6 tokens
  const Result res = s.generate(r, greedy(4));
  EXPECT_EQ(res.stats.images, 2);
  EXPECT_GT(res.stats.vit_ms, 0.0);
  // Each image adds <|vision_start|> + its pads + <|vision_end|>.
  EXPECT_EQ(res.stats.prompt_tokens, t.stats.prompt_tokens + (4 + 2) + (6 + 2));
  EXPECT_EQ(res.stats.prefill_tokens, res.stats.prompt_tokens);
  EXPECT_GE(res.token_ids.size(), 1u);
  EXPECT_LE(res.token_ids.size(), 4u);
}

TEST(Session, ThreeTurnsReuseTheCacheAndMatchAFreshSession) {
  const std::vector<Request> turns = {
      [] {
        Request r;
        r.text = "What shape is this?";
        r.images = {synthetic_image(56, 56, 3)};
        return r;
      }(),
      Request::user("And its colour?"),
      [] {
        Request r;
        r.text = "Now this one.";
        r.images = {synthetic_image(56, 84, 4)};
        return r;
      }(),
  };
  Session s(tiny_model());
  std::vector<Result> results;
  for (size_t k = 0; k < turns.size(); ++k) {
    const int64_t cached_before = s.cached_tokens();
    results.push_back(s.generate(turns[k], greedy(6)));
    const Stats& st = results.back().stats;
    EXPECT_EQ(st.prefill_tokens, st.prompt_tokens - cached_before) << "turn " << k;
    if (k > 0) {
      EXPECT_GT(cached_before, 0) << "turn " << k;
      EXPECT_LT(st.prefill_tokens, st.prompt_tokens / 2 + 20) << "turn " << k;
      // Everything of the previous turn is cached except its last generated token (not yet run through decode).
      EXPECT_EQ(cached_before,
                results[k - 1].stats.prompt_tokens + static_cast<int64_t>(results[k - 1].token_ids.size()) - 1);
    }
  }
  // A fresh session given the whole history (earlier replies as their exact token ids) answers the same.
  for (size_t upto = 1; upto < turns.size(); ++upto) {
    Request history;
    for (size_t k = 0; k <= upto; ++k) {
      Message u;
      u.role = Role::kUser;
      u.text = turns[k].text;
      u.images = turns[k].images;
      history.messages.push_back(u);
      if (k < upto) {
        Message a;
        a.role = Role::kAssistant;
        a.text = results[k].text;
        a.token_ids = results[k].token_ids;
        history.messages.push_back(a);
      }
    }
    Session fresh(tiny_model());
    const Result f = fresh.generate(history, greedy(6));
    EXPECT_EQ(f.token_ids, results[upto].token_ids) << "turn " << upto;
    EXPECT_EQ(f.text, results[upto].text) << "turn " << upto;
    EXPECT_EQ(f.stats.prompt_tokens, results[upto].stats.prompt_tokens) << "turn " << upto;
    EXPECT_EQ(f.stats.prefill_tokens, f.stats.prompt_tokens);
  }
}

TEST(Session, CancelFromAnotherThreadStopsWithinOneDecodeStep) {
  const GenerationConfig cfg = sampled(11, 120);
  Session ref(tiny_model());
  const Result full = ref.generate(Request::user("Tell me a long story."), cfg);
  ASSERT_GE(full.token_ids.size(), 20u) << "reference run ended early (" << stop_reason_name(full.stop_reason) << ")";

  Session s(tiny_model());
  std::atomic<int> pieces{0};
  std::atomic<bool> ready{false}, cancelled{false};
  std::string streamed, streamed_at_cancel;
  std::atomic<int> pieces_at_cancel{-1};
  std::thread canceller([&] {
    while (!ready.load()) std::this_thread::yield();
    s.cancel();
    cancelled.store(true);
  });
  const Result r = s.generate(Request::user("Tell me a long story."), cfg, [&](std::string_view p) {
    streamed.append(p);
    if (++pieces == 3) {
      ready.store(true);
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      while (!cancelled.load() && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
      pieces_at_cancel.store(pieces.load());
      streamed_at_cancel = streamed;
    }
    return true;
  });
  canceller.join();
  EXPECT_EQ(r.stop_reason, StopReason::kCancelled);
  EXPECT_LE(pieces.load() - pieces_at_cancel.load(), 1);  // at most one more step after cancel()
  EXPECT_LT(r.token_ids.size(), full.token_ids.size());
  // What was generated is the beginning of the uncancelled run (same seed), and the text is what was streamed.
  ASSERT_LE(r.token_ids.size(), full.token_ids.size());
  EXPECT_TRUE(std::equal(r.token_ids.begin(), r.token_ids.end(), full.token_ids.begin()));
  EXPECT_EQ(r.text, streamed);
  // The session remains usable.
  EXPECT_NO_THROW(s.generate(Request::user("Go on."), greedy(2)));
}

// UTF-8 character boundaries of `s` (byte offsets, including s.size()).
std::vector<size_t> char_starts(const std::string& s) {
  std::vector<size_t> b;
  for (size_t i = 0; i < s.size(); ++i)
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) b.push_back(i);
  b.push_back(s.size());
  return b;
}

TEST(Session, StopStringEndsGenerationAndIsExcluded) {
  const GenerationConfig base = sampled(21, 40);
  Session ref(tiny_model());
  const Result full = ref.generate(Request::user("Describe the scene."), base);
  // A stop string of two characters from the second half of the reference text, first occurring after its start.
  const std::vector<size_t> b = char_starts(full.text);
  std::string stop;
  size_t first = std::string::npos;
  for (size_t k = b.size() / 2; k + 2 < b.size() && stop.empty(); ++k) {
    const std::string cand = full.text.substr(b[k], b[k + 2] - b[k]);
    const size_t f = full.text.find(cand);
    if (f > 0) stop = cand, first = f;
  }
  ASSERT_FALSE(stop.empty()) << "no usable stop string in: " << full.text;
  GenerationConfig cfg = base;
  cfg.stop = {"never-generated-stop-string", stop};
  Session s(tiny_model());
  std::string streamed;
  const Result r = s.generate(Request::user("Describe the scene."), cfg, [&](std::string_view piece) {
    streamed.append(piece);
    return true;
  });
  EXPECT_EQ(r.stop_reason, StopReason::kStopString);
  EXPECT_EQ(r.text, full.text.substr(0, first));
  EXPECT_EQ(streamed, r.text);  // nothing of the stop string was streamed
  EXPECT_EQ(r.text.find(stop), std::string::npos);
  EXPECT_LE(r.token_ids.size(), full.token_ids.size());
}

TEST(Session, CallbackReturningFalseStops) {
  Session s(tiny_model());
  int calls = 0;
  const Result r = s.generate(Request::user("Count."), greedy(40), [&](std::string_view) { return ++calls < 2; });
  EXPECT_EQ(r.stop_reason, StopReason::kCallback);
  EXPECT_EQ(calls, 2);
}

TEST(Session, SeededSamplingIsReproducible) {
  auto run = [](uint64_t seed) {
    Session s(tiny_model());
    return s.generate(Request::user("Say something."), sampled(seed, 16)).token_ids;
  };
  const auto a = run(42), b = run(42), c = run(43);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(Session, MaxNewTokensIsHonoured) {
  Session s(tiny_model());
  const Result r = s.generate(Request::user("Hello"), sampled(5, 3));
  EXPECT_LE(r.token_ids.size(), 3u);
  if (r.stop_reason != StopReason::kEos) {
    EXPECT_EQ(r.stop_reason, StopReason::kMaxTokens);
    EXPECT_EQ(r.token_ids.size(), 3u);
  }
}

TEST(Session, OverlongPromptFailsBeforeAnyWork) {
  Session s(tiny_model());
  s.generate(Request::user("Hi"), greedy(2));
  const int64_t cached = s.cached_tokens();
  const std::vector<int32_t> ids = s.token_ids();
  std::string long_text;
  for (int i = 0; i < 200; ++i) long_text += "word" + std::to_string(i) + " ";
  Request r;
  r.text = long_text;
  r.images = {synthetic_image(112, 112, 5)};
  try {
    s.generate(r, greedy(2));
    FAIL() << "no error for an over-long prompt";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kContextOverflow);
    EXPECT_NE(std::string(e.what()).find("context length 256"), std::string::npos) << e.what();
  }
  EXPECT_EQ(s.cached_tokens(), cached);  // nothing was run
  EXPECT_EQ(s.token_ids(), ids);
  const Result next = s.generate(Request::user("Still there?"), greedy(2));
  EXPECT_GT(next.stats.prompt_tokens, cached);
}

TEST(Session, GenerationStopsWhenTheContextIsFull) {
  Session s(tiny_model());
  std::string text;
  for (int i = 0; i < 60; ++i) text += "ab ";
  const Result r = s.generate(Request::user(text), sampled(3, 1000));
  if (r.stop_reason != StopReason::kEos) {
    EXPECT_EQ(r.stop_reason, StopReason::kContextFull);
    EXPECT_EQ(r.stats.prompt_tokens + static_cast<int64_t>(r.token_ids.size()), kTinyContext + 1);
  }
  EXPECT_EQ(error_code_of([&] { s.generate(Request::user("more"), greedy(2)); }), ErrorCode::kContextOverflow);
}

TEST(Session, SessionsShareOneModelAcrossThreads) {
  const Request q = Request::user("Which shape?");
  Session single(tiny_model());
  const Result expected = single.generate(q, greedy(8));
  std::vector<Result> got(2);
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i)
    threads.emplace_back([&, i] {
      Session s(tiny_model());
      got[i] = s.generate(q, greedy(8));
    });
  for (auto& t : threads) t.join();
  for (const auto& g : got) EXPECT_EQ(g.token_ids, expected.token_ids);
}

TEST(Session, ResetForgetsTheConversation) {
  Session s(tiny_model());
  const Result a = s.generate(Request::user("Hello"), greedy(4));
  s.generate(Request::user("Again"), greedy(4));
  s.reset();
  EXPECT_EQ(s.cached_tokens(), 0);
  const Result b = s.generate(Request::user("Hello"), greedy(4));
  EXPECT_EQ(a.token_ids, b.token_ids);
}

TEST(Session, SystemMessageAndMessageOrder) {
  Session s(tiny_model());
  Request r;
  r.messages = {{Role::kSystem, "Answer briefly.", {}, {}}, {Role::kUser, "Hi", {}, {}}};
  EXPECT_NO_THROW(s.generate(r, greedy(2)));
  Request late_system;
  late_system.messages = {{Role::kSystem, "No.", {}, {}}, {Role::kUser, "Hi", {}, {}}};
  EXPECT_EQ(error_code_of([&] { s.generate(late_system, greedy(2)); }), ErrorCode::kInvalidArgument);
  Request ends_with_assistant;
  ends_with_assistant.messages = {{Role::kUser, "Hi", {}, {}}, {Role::kAssistant, "Hello", {}, {}}};
  Session t(tiny_model());
  EXPECT_EQ(error_code_of([&] { t.generate(ends_with_assistant, greedy(2)); }), ErrorCode::kInvalidArgument);
}

TEST(Session, BadInputsGiveErrorCodes) {
  Session s(tiny_model());
  EXPECT_EQ(error_code_of([&] { s.generate(Request::user(""), greedy(2)); }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(error_code_of([&] { s.generate(Request::user("  \n"), greedy(2)); }), ErrorCode::kInvalidArgument);
  try {
    s.generate(Request::user("What?", {"/nonexistent/cat.png"}), greedy(2));
    ADD_FAILURE() << "no error for a missing image";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/cat.png"), std::string::npos) << e.what();
  }
  GenerationConfig bad = greedy(2);
  bad.top_p = 0.0f;
  EXPECT_EQ(error_code_of([&] { s.generate(Request::user("Hi"), bad); }), ErrorCode::kInvalidArgument);
  bad = greedy(0);
  EXPECT_EQ(error_code_of([&] { s.generate(Request::user("Hi"), bad); }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(error_code_of([&] { s.generate(Request::user("Hi \xff\xfe"), greedy(2)); }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(error_code_of([] { Image::from_rgb(std::vector<uint8_t>(10), 2, 2); }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.cached_tokens(), 0);  // nothing ran
}

TEST(Model, OpenErrorsAndInfo) {
  EXPECT_EQ(error_code_of([] { Model::open("/nonexistent/model.evl"); }), ErrorCode::kNotFound);
  const ModelInfo& info = tiny_model().info();
  EXPECT_EQ(info.context_length, kTinyContext);
  EXPECT_EQ(info.prefill_chunk, kTinyChunk);
  EXPECT_FALSE(info.vit_buckets.empty());
  EXPECT_EQ(info.precision, Precision::kFp32);
  const GenerationConfig& d = tiny_model().generation_defaults();
  ASSERT_TRUE(d.max_new_tokens && d.temperature && d.top_k && d.top_p && d.repetition_penalty && d.seed);
  EXPECT_EQ(*d.top_k, 1);  // the checkpoint's generation_config.json: do_sample with top_k 1
  EXPECT_TRUE(is_bundle(tiny_dir() + "/tiny.evl"));
  EXPECT_FALSE(is_bundle(tiny_dir() + "/hf"));
}

}  // namespace
}  // namespace edgevl::test

namespace edgevl::test {
namespace {

// A model whose vocab_size is padded far past its tokenizer (as Qwen2-VL's 151936 vs 151665 tokens): ids without a
// token may be sampled and must give no text, not an error.
TEST(Session, IdsPastTheTokenizerGiveNoText) {
  const std::string dir = tiny_dir() + "/padded";
  const std::string cmd = std::string(EDGEVL_PYTHON) + " " + EDGEVL_SOURCE_DIR +
                          "/models/tools/make_random_checkpoint.py " + dir +
                          "/hf --preset tiny --seed 4 --vocab-size 4096 --max-pixels 12544 > " + tiny_dir() +
                          "/padded.log 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  CompileOptions o;
  o.context_length = 128;
  o.chunk = 16;
  compile_model(dir + "/hf", dir + "/padded.evl", o);
  const Model model = Model::open(dir + "/padded.evl");
  EXPECT_EQ(model.info().vocab_size, 4096);
  Session s(model);
  const Result r = s.generate(Request::user("Hello"), sampled(9, 24));
  ASSERT_FALSE(r.token_ids.empty());
  int32_t max_id = 0;
  for (int32_t id : r.token_ids) max_id = std::max(max_id, id);
  EXPECT_GE(max_id, 600);  // the tokenizer has ~570 tokens: most of the 4096 ids have no text
  EXPECT_NO_THROW(s.generate(Request::user("Again"), sampled(10, 4)));
}

}  // namespace
}  // namespace edgevl::test
