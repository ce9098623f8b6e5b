// One Model shared by several threads (public API only), on the bundled demo model compiled by the CTest fixture
// c_api.bundle (tests/c_api/make_demo_bundle.cpp: <build>/tests/c_api/work/shapes.evl, context 128):
//  - Concurrency.FourThreadsShareOneModel: 4 threads x 25 requests (image questions about models/demo/samples,
//    text-only turns, multi-turn follow-ups, greedy) through their own Sessions on ONE Model opened once, each answer
//    (token ids, text, stop reason) equal to the same request answered single-threaded first (on a Model opened
//    separately, so the shared one prepares its ViT buckets lazily while the threads race). One conversation of the
//    mix is cancelled mid-answer by a fifth thread (Session::cancel) at a fixed point: the callback waits until the
//    canceller has called cancel(), so the answer stops after exactly the same tokens as the single-threaded run that
//    cancels itself there, and the follow-up turn matches too.
//  - Concurrency.RssFlatOver1000Requests: 1,000 requests (10 rounds of 4 threads x 25, same mix and checks) on one
//    Model; resident memory is printed after every round (100 requests) and may grow by at most kMaxRssGrowthKiB from
//    request 100 to the end. Under AddressSanitizer / ThreadSanitizer (their allocators keep freed memory) it runs 200
//    requests and only prints.
// Built with -DEDGEVL_SANITIZE=thread this binary is the ThreadSanitizer check of the SDK (label tsan; README).
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "edgevl/edgevl.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define EDGEVL_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define EDGEVL_TEST_SANITIZED 1
#endif
#endif

namespace {

using edgevl::GenerationConfig;
using edgevl::Model;
using edgevl::Request;
using edgevl::Result;
using edgevl::Session;
using edgevl::StopReason;

constexpr int kThreads = 4;
constexpr int kRequestsPerThread = 25;
#if defined(EDGEVL_TEST_SANITIZED)
constexpr int kSoakRequests = 200;
#else
constexpr int kSoakRequests = 1000;
#endif
constexpr int kRssWarmup = 100;           // requests before the first RSS sample that the bound is measured from
constexpr long kMaxRssGrowthKiB = 4096;   // 4 MiB: one KV cache (384 KiB here) leaked per 80 requests exceeds it

std::string bundle_path() { return std::string(EDGEVL_DEMO_FIXTURE_DIR) + "/shapes.evl"; }
// Two emulator threads per graph run on any machine, so every graph's thread pool has a worker (and a 64-core CI
// machine does not start 63 per pool); the reference and the shared Model use the same count.
Model open_model() {
  edgevl::ModelOptions o;
  o.num_threads = 2;
  return Model::open(bundle_path(), o);
}
std::string sample(const std::string& name) { return std::string(EDGEVL_DEMO_SAMPLES_DIR) + "/" + name; }

// One user turn of a scripted conversation; cancel_at_piece > 0: the turn is cancelled right after that streamed piece.
struct Turn {
  std::string text;
  std::vector<std::string> images;
  int cancel_at_piece = 0;
};
using Script = std::vector<Turn>;  // one conversation: its turns run in one Session, in order

// 13 conversations, 20 turns: every thread's 25 requests cover each of them at least once (incl. the cancelled one).
// Context 128 holds a 40-token image with three short turns.
std::vector<Script> scripts() {
  const Turn count{"How many shapes are there?", {}, 0};
  return {
      {{"Describe the image.", {sample("scene0.jpg")}}, count},
      {{"How many shapes are there?", {sample("scene1.jpg")}}},
      {{"Describe the image.", {sample("scene2.jpg")}, /*cancel_at_piece=*/3}, count},
      {{"Hello!", {}}},
      {{"Describe the image.", {sample("scene3.jpg")}}, {"Where is the star?", {}}, {"Is there a circle?", {}}},
      {{"Describe the image.", {sample("scene4.png")}}},
      {{"What can you see?", {}}, count},
      {{"Is there a star?", {sample("scene5.jpg")}}, {"What color is the square?", {}}},
      {{"Describe the image.", {}}},
      {{"Where is the star?", {sample("scene0.jpg")}}},
      {{"Describe the image.", {sample("scene1.jpg")}}, count},
      {{"Tell me a story.", {}}},
      {{"How many shapes are there?", {sample("scene2.jpg")}}},
  };
}

GenerationConfig greedy() {
  GenerationConfig g;
  g.temperature = 0.f;
  g.max_new_tokens = 24;
  g.min_new_tokens = 0;
  g.repetition_penalty = 1.f;
  g.top_k = 0;
  g.top_p = 1.f;
  return g;
}

struct Answer {
  std::vector<int32_t> token_ids;
  std::string text, streamed;
  StopReason stop = StopReason::kMaxTokens;
};

// Runs one turn; `cancel(session)` is called from the callback right after the turn's cancel_at_piece-th piece.
Answer run_turn(Session& s, const Turn& turn, const std::function<void(Session&)>& cancel) {
  Request r = Request::user(turn.text, turn.images);
  Answer a;
  int pieces = 0;
  const Result res = s.generate(r, greedy(), [&](std::string_view piece) {
    a.streamed.append(piece);
    if (++pieces == turn.cancel_at_piece) cancel(s);
    return true;
  });
  a.token_ids = res.token_ids;
  a.text = res.text;
  a.stop = res.stop_reason;
  return a;
}

std::string describe(const Answer& a) {
  std::string ids;
  for (int32_t id : a.token_ids) ids += (ids.empty() ? "" : ",") + std::to_string(id);
  return "'" + a.text + "' [" + edgevl::stop_reason_name(a.stop) + "] ids " + ids;
}

// The single-threaded answers, expected[script][turn]; the cancelled turn cancels itself from its callback.
std::vector<std::vector<Answer>> reference_answers(const std::vector<Script>& all) {
  const Model model = open_model();
  std::vector<std::vector<Answer>> expected;
  for (const Script& script : all) {
    Session s(model);
    expected.emplace_back();
    for (const Turn& turn : script) expected.back().push_back(run_turn(s, turn, [](Session& self) { self.cancel(); }));
  }
  return expected;
}

// A thread that cancels other threads' sessions on request: cancel_and_wait() returns once cancel() was called.
class Canceller {
 public:
  Canceller() : thread_([this] { loop(); }) {}
  ~Canceller() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void cancel_and_wait(Session& s) {
    std::promise<void> done;
    std::future<void> f = done.get_future();
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push_back({&s, &done});
    }
    cv_.notify_all();
    f.wait();
  }
  int cancelled() const { return cancelled_.load(); }

 private:
  void loop() {
    for (;;) {
      std::pair<Session*, std::promise<void>*> job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
        if (queue_.empty()) return;
        job = queue_.front();
        queue_.pop_front();
      }
      job.first->cancel();
      ++cancelled_;
      job.second->set_value();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<Session*, std::promise<void>*>> queue_;
  bool stop_ = false;
  std::atomic<int> cancelled_{0};
  std::thread thread_;
};

long rss_kib() {
  long pages = 0, resident = -1;
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return -1;
  if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = -1;
  std::fclose(f);
  return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

// Runs `requests` requests per thread on `threads` threads sharing `model`, cycling through the scripts from a
// per-thread offset (plus `round`; even threads: a new Session per conversation; odd threads: one Session, reset() in
// between), and compares every answer with `expected`. Returns when all threads have ended (no Session left).
struct RunOutcome {
  std::vector<std::string> mismatches;
  int requests = 0, cancelled = 0;
};
RunOutcome run_threads(const Model& model, const std::vector<Script>& all,
                       const std::vector<std::vector<Answer>>& expected, int threads, int requests, int round = 0) {
  RunOutcome out;
  std::mutex mu;
  std::atomic<int> finished{0}, cancelled_turns{0};
  Canceller canceller;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      std::unique_ptr<Session> reused = (t % 2 == 1) ? std::make_unique<Session>(model) : nullptr;
      int done = 0;
      for (size_t k = 0; done < requests; ++k) {
        const size_t si = (size_t(t) * 3 + size_t(round) + k) % all.size();
        std::unique_ptr<Session> fresh;
        Session* s = reused.get();
        if (s) {
          s->reset();
        } else {
          fresh = std::make_unique<Session>(model);
          s = fresh.get();
        }
        for (size_t ti = 0; ti < all[si].size() && done < requests; ++ti, ++done) {
          const Turn& turn = all[si][ti];
          Answer a;
          std::string error;
          try {
            a = run_turn(*s, turn, [&](Session& victim) { canceller.cancel_and_wait(victim); });
          } catch (const std::exception& e) {
            error = e.what();
          }
          const Answer& want = expected[si][ti];
          if (turn.cancel_at_piece > 0 && a.stop == StopReason::kCancelled) ++cancelled_turns;
          if (!error.empty() || a.token_ids != want.token_ids || a.text != want.text || a.stop != want.stop ||
              a.streamed != a.text) {
            std::lock_guard<std::mutex> lock(mu);
            out.mismatches.push_back("thread " + std::to_string(t) + " conversation " + std::to_string(si) + " turn " +
                                     std::to_string(ti) + " ('" + turn.text + "'): " +
                                     (error.empty() ? "got " + describe(a) + ", streamed '" + a.streamed + "'"
                                                    : "error " + error) +
                                     "; single-threaded " + describe(want));
          }
          ++finished;
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  out.requests = finished.load();
  out.cancelled = cancelled_turns.load();
  EXPECT_EQ(canceller.cancelled(), out.cancelled) << "every cancel() of the canceller thread stopped its turn";
  return out;
}

class Concurrency : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    scripts_ = scripts();
    const auto t0 = std::chrono::steady_clock::now();
    expected_ = reference_answers(scripts_);
    std::printf("[concurrency] %zu single-threaded reference answers in %.2f s\n", count_turns(),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  static size_t count_turns() {
    size_t n = 0;
    for (const Script& s : scripts_) n += s.size();
    return n;
  }
  static std::vector<Script> scripts_;
  static std::vector<std::vector<Answer>> expected_;
};
std::vector<Script> Concurrency::scripts_;
std::vector<std::vector<Answer>> Concurrency::expected_;

TEST_F(Concurrency, ReferenceAnswersAreUsable) {
  // The mix must hold what it claims: a cancelled turn that stopped after its 3rd piece, image and text answers.
  ASSERT_LE(count_turns(), size_t(kRequestsPerThread)) << "each thread must reach every conversation";
  for (size_t si = 0; si < scripts_.size(); ++si)
    for (size_t ti = 0; ti < scripts_[si].size(); ++ti) {
      const Answer& a = expected_[si][ti];
      std::printf("[concurrency] conversation %zu turn %zu '%s' -> %s\n", si, ti, scripts_[si][ti].text.c_str(),
                  describe(a).c_str());
      EXPECT_FALSE(a.token_ids.empty());
      EXPECT_EQ(a.streamed, a.text);
      if (scripts_[si][ti].cancel_at_piece > 0) {
        EXPECT_EQ(a.stop, StopReason::kCancelled) << "the cancelled turn's answer must be longer than 3 pieces";
      } else {
        EXPECT_NE(a.stop, StopReason::kCancelled);
      }
    }
}

TEST_F(Concurrency, FourThreadsShareOneModel) {
  const Model model = open_model();  // opened once; its ViT buckets are prepared by the racing threads
  const auto t0 = std::chrono::steady_clock::now();
  const RunOutcome o = run_threads(model, scripts_, expected_, kThreads, kRequestsPerThread);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("[concurrency] %d threads x %d requests on one Model: %d answers (%d cancelled from another thread) in "
              "%.2f s\n", kThreads, kRequestsPerThread, o.requests, o.cancelled, s);
  EXPECT_EQ(o.requests, kThreads * kRequestsPerThread);
  EXPECT_GE(o.cancelled, kThreads) << "each thread's mix holds the cancelled conversation";
  EXPECT_TRUE(o.mismatches.empty()) << o.mismatches.size() << " answers differ from single-threaded ones, first: "
                                    << (o.mismatches.empty() ? "" : o.mismatches.front());
}

TEST_F(Concurrency, RssFlatOver1000Requests) {
  // Rounds of 4 threads x 25 requests; RSS is read between rounds, when every thread and Session of the round is gone,
  // so each sample is taken in the same state.
  const Model model = open_model();
  std::vector<long> series{rss_kib()};
  std::vector<std::string> mismatches;
  int requests = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (int round = 0; requests < kSoakRequests; ++round) {
    RunOutcome o = run_threads(model, scripts_, expected_, kThreads, 100 / kThreads, round);
    requests += o.requests;
    mismatches.insert(mismatches.end(), o.mismatches.begin(), o.mismatches.end());
    series.push_back(rss_kib());
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(requests, kSoakRequests);
  EXPECT_TRUE(mismatches.empty()) << mismatches.size() << " answers differ from single-threaded ones, first: "
                                  << (mismatches.empty() ? "" : mismatches.front());
  std::string line;
  for (size_t i = 0; i < series.size(); ++i)
    line += (i ? ", " : "") + std::to_string(i * 100) + ": " + std::to_string(series[i]);
  const long growth = series.back() - series[size_t(kRssWarmup / 100)];
  std::printf("[rss] %d requests (rounds of %d threads x %d) on one Model in %.2f s; RSS KiB after N requests: %s\n",
              requests, kThreads, 100 / kThreads, s, line.c_str());
  std::printf("[rss] growth from request %d to %d: %+ld KiB (bound %ld KiB)\n", kRssWarmup, requests, growth,
              kMaxRssGrowthKiB);
#if defined(EDGEVL_TEST_SANITIZED)
  std::printf("[rss] bound not checked under a sanitizer (its allocator keeps freed memory)\n");
#else
  for (long v : series) ASSERT_GT(v, 0) << "could not read /proc/self/statm";
  EXPECT_LT(growth, kMaxRssGrowthKiB) << "resident memory grew over " << requests - kRssWarmup << " requests";
#endif
}

}  // namespace
