// What qwen2vl-bench measures: per thread count, the bundle open times and the runs of every test (each run's
// edgevl::Stats as Session::generate reported it), plus the machine facts the results depend on.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "edgevl/edgevl.h"

namespace edgevl::bench {

/// Mean and sample standard deviation (n - 1 in the denominator, as llama-bench; 0 for fewer than 2 values).
struct Summary {
  double mean = 0;
  double stdev = 0;
};
Summary summarize(const std::vector<double>& values);

enum class TestKind { kPrefill, kDecode, kImage };
const char* test_kind_name(TestKind kind);  ///< "prefill" / "decode" / "image"

/// One test (pp512, tg128, vit 448x448) at one thread count: its measured runs.
struct TestResult {
  TestKind kind = TestKind::kPrefill;
  std::string name;               ///< "pp512", "tg128", "vit 448x448" (llama-bench style)
  int64_t requested_tokens = 0;   ///< -p / -n value; 0 for an image test
  std::string image;              ///< image tests: the --image value (WxH or a file)
  std::vector<Stats> runs;        ///< one per repetition, as generate() returned them

  /// `field` of every run, e.g. summary_of(&Stats::prefill_tokens_per_s).
  Summary summary_of(double Stats::*field) const;
  /// The prefill (prefill and image tests) or decode (decode tests) token count of every run, if they all agree;
  /// else -1.
  int64_t tokens() const;
};

/// Everything measured with one thread count.
struct ThreadResult {
  int threads = 0;                     ///< as given (resolved: ≥ 1)
  std::vector<double> open_ms;         ///< Model::open wall times, one per repetition
  std::vector<TestResult> tests;
  double read_gbps = 0;                ///< best read bandwidth with this many threads (0 = not measured)
};

/// The whole benchmark.
struct BenchReport {
  std::string model;                   ///< -m as given (or the default model's path)
  ModelInfo info;                      ///< of the opened bundle (info.path = the bundle)
  std::string load_average;            ///< /proc/loadavg's first three fields before measuring ("" if unreadable)
  int cores = 0;                       ///< std::thread::hardware_concurrency()
  int repetitions = 0;
  bool warmup = true;
  uint64_t bandwidth_buffer_bytes = 0; ///< size of the read-bandwidth probe's buffer (0 = probe off)
  double peak_rss_mib = 0;             ///< getrusage ru_maxrss, MiB, after the tests (compile, opens, runs), before
                                       ///< the bandwidth probe
  std::vector<ThreadResult> threads;
};

/// The decode speed memory bandwidth allows when every step reads `weight_bytes` once: gbps·1e9 / weight_bytes
/// tokens/s (0 when either is 0).
double roofline_tokens_per_s(int64_t weight_bytes, double read_gbps);

}  // namespace edgevl::bench
