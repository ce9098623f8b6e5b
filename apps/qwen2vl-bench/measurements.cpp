#include "measurements.h"

#include <cmath>

namespace edgevl::bench {

Summary summarize(const std::vector<double>& values) {
  Summary s;
  if (values.empty()) return s;
  double sum = 0;
  for (double v : values) sum += v;
  s.mean = sum / static_cast<double>(values.size());
  if (values.size() < 2) return s;
  double sq = 0;
  for (double v : values) sq += (v - s.mean) * (v - s.mean);
  s.stdev = std::sqrt(sq / static_cast<double>(values.size() - 1));
  return s;
}

const char* test_kind_name(TestKind kind) {
  switch (kind) {
    case TestKind::kPrefill: return "prefill";
    case TestKind::kDecode: return "decode";
    case TestKind::kImage: return "image";
  }
  return "unknown";
}

Summary TestResult::summary_of(double Stats::*field) const {
  std::vector<double> v;
  for (const Stats& s : runs) v.push_back(s.*field);
  return summarize(v);
}

int64_t TestResult::tokens() const {
  int64_t n = -1;
  for (const Stats& s : runs) {
    const int64_t t = kind == TestKind::kDecode ? s.decode_tokens : s.prefill_tokens;
    if (n >= 0 && t != n) return -1;
    n = t;
  }
  return n;
}

double roofline_tokens_per_s(int64_t weight_bytes, double read_gbps) {
  return weight_bytes > 0 && read_gbps > 0 ? read_gbps * 1e9 / static_cast<double>(weight_bytes) : 0.0;
}

}  // namespace edgevl::bench
