#include "runner.h"

#include <chrono>
#include <cstdio>

#include "prompt_fitter.h"

namespace edgevl::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct PlannedTest {
  TestResult result;
  Request request;
  GenerationConfig config;
};

void check_fits(const ModelInfo& info, const std::string& test, int64_t prompt, int64_t new_tokens) {
  if (prompt + new_tokens <= info.context_length) return;
  throw Error(ErrorCode::kContextOverflow,
              test + ": " + std::to_string(prompt) + " prompt tokens + " + std::to_string(new_tokens) +
                  " new tokens exceed the context length " + std::to_string(info.context_length) + " of model " +
                  info.path);
}

std::vector<PlannedTest> plan_tests(Session& session, const BenchPlan& plan) {
  const ModelInfo& info = session.model().info();
  const PromptFitter fitter(session);
  std::vector<PlannedTest> tests;
  for (int64_t p : plan.prompt_tokens) {
    if (p == 0) continue;
    PlannedTest t;
    t.result.kind = TestKind::kPrefill;
    t.result.name = "pp" + std::to_string(p);
    t.result.requested_tokens = p;
    check_fits(info, t.result.name, p, 1);
    t.request = fitter.request_for(p);
    t.config = exact_greedy(1);
    tests.push_back(std::move(t));
  }
  if (plan.gen_tokens > 0) {
    PlannedTest t;
    t.result.kind = TestKind::kDecode;
    t.result.name = "tg" + std::to_string(plan.gen_tokens);
    t.result.requested_tokens = plan.gen_tokens;
    check_fits(info, t.result.name, fitter.min_tokens(), plan.gen_tokens);
    t.request = fitter.request_for(fitter.min_tokens());
    t.config = exact_greedy(plan.gen_tokens);
    tests.push_back(std::move(t));
  }
  for (const ImageSpec& im : plan.images) {
    PlannedTest t;
    t.result.kind = TestKind::kImage;
    t.result.name = im.label;
    t.result.image = im.spec;
    t.request.text = "Describe the image.";
    t.request.images = {im.image};
    t.config = exact_greedy(1);
    tests.push_back(std::move(t));
  }
  return tests;
}

// The token count a run is checked against requested_tokens with (image tests ask none and are not checked).
int64_t ran_tokens(const TestResult& t, const Stats& s) {
  return t.kind == TestKind::kDecode ? s.decode_tokens : s.prefill_tokens;
}

void report_run(const std::string& label, const TestResult& t, const Stats& s, int run, int runs) {
  if (run == 0) std::fprintf(stderr, "%s%s: warmup:", label.c_str(), t.name.c_str());
  else std::fprintf(stderr, "%s%s: run %d/%d:", label.c_str(), t.name.c_str(), run, runs);
  if (t.kind == TestKind::kPrefill) std::fprintf(stderr, " %.1f prefill tok/s", s.prefill_tokens_per_s);
  if (t.kind == TestKind::kDecode) std::fprintf(stderr, " %.1f decode tok/s", s.decode_tokens_per_s);
  if (t.kind == TestKind::kImage) std::fprintf(stderr, " ViT %.1f ms", s.vit_ms);
  std::fprintf(stderr, ", TTFT %.1f ms\n", s.ttft_ms);
}

}  // namespace

std::vector<double> time_opens(const std::string& bundle, const ModelOptions& options, int repetitions, bool warmup) {
  if (warmup) Model::open(bundle, options);
  std::vector<double> ms;
  for (int i = 0; i < repetitions; ++i) {
    const auto t0 = Clock::now();
    { const Model m = Model::open(bundle, options); }
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  return ms;
}

std::vector<TestResult> run_tests(const Model& model, const BenchPlan& plan, const std::string& label) {
  Session session(model);
  std::vector<PlannedTest> tests = plan_tests(session, plan);
  std::vector<TestResult> results;
  for (PlannedTest& t : tests) {
    TestResult& r = t.result;
    for (int run = plan.warmup ? 0 : 1; run <= plan.repetitions; ++run) {
      session.reset();
      const Stats s = session.generate(t.request, t.config).stats;
      report_run(label, r, s, run, plan.repetitions);
      if (r.requested_tokens > 0 && ran_tokens(r, s) != r.requested_tokens)
        std::fprintf(stderr, "%s%s: warning: ran %lld tokens, not the %lld asked\n", label.c_str(), r.name.c_str(),
                     static_cast<long long>(ran_tokens(r, s)), static_cast<long long>(r.requested_tokens));
      if (run > 0) r.runs.push_back(s);
    }
    results.push_back(std::move(r));
  }
  return results;
}

}  // namespace edgevl::bench
