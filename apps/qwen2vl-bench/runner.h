// Runs qwen2vl-bench's tests through the public API exactly as an app does: Model::open, then Session::generate on a
// reset session per run, reading the timings from Result::stats. Progress goes to stderr.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "edgevl/edgevl.h"
#include "image_spec.h"
#include "measurements.h"

namespace edgevl::bench {

struct BenchPlan {
  std::vector<int64_t> prompt_tokens;  ///< prefill tests ("pp<p>"): prompts of exactly p tokens, 1 new token; 0 = skip
  int gen_tokens = 128;                ///< decode test ("tg<n>"): exactly n new tokens after the shortest prompt;
                                       ///< 0 = skip
  std::vector<ImageSpec> images;       ///< image tests: one image + a short question, 1 new token
  int repetitions = 5;                 ///< measured runs per test, ≥ 1
  bool warmup = true;                  ///< one unmeasured run (and open) before each test's runs
};

/// Wall times (ms) of `repetitions` Model::open(bundle, options) calls, after one unmeasured open when `warmup`.
/// Each opened model is closed before the next open. Throws what Model::open throws.
std::vector<double> time_opens(const std::string& bundle, const ModelOptions& options, int repetitions, bool warmup);

/// Runs every test of `plan` on `model`, in the order prefill tests, decode test, image tests. Before any run it checks
/// that each test fits the context length (prompt + new tokens ≤ context length) and throws edgevl::Error
/// kContextOverflow naming the test otherwise; also throws kInvalidArgument for a prompt shorter than the chat
/// template allows (PromptFitter), and what Session::generate throws. A run whose token count differs from the one
/// asked is reported on stderr and kept (TestResult::tokens() then says what ran).
std::vector<TestResult> run_tests(const Model& model, const BenchPlan& plan, const std::string& progress_label);

}  // namespace edgevl::bench
