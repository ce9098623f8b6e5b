// qwen2vl-bench's output: a llama-bench style markdown report, or one JSON document with every measurement.
#pragma once

#include <cstdio>

#include <nlohmann/json.hpp>

#include "measurements.h"

namespace edgevl::bench {

/// Header lines (model, machine load), the test table (one row per thread count and test, mean ± stdev over the
/// repetitions), the per-thread-count table (bundle open ms, read bandwidth, decode roofline) and the peak RSS.
void print_markdown(std::FILE* out, const BenchReport& report);

/// Everything in `report`: the summaries the markdown shows and every run's Stats. Keys are documented in README.md
/// ("Benchmarking").
nlohmann::json to_json(const BenchReport& report);

}  // namespace edgevl::bench
