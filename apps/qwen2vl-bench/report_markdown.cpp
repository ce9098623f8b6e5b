// The markdown half of report.h.
#include <string>

#include "edgevl_apps/cli.h"
#include "report.h"

namespace edgevl::bench {
namespace {

std::string fmt_summary(const Summary& s, const char* format = "%.2f") {
  char a[64], b[64];
  std::snprintf(a, sizeof a, format, s.mean);
  std::snprintf(b, sizeof b, format, s.stdev);
  return std::string(a) + " ± " + b;
}

std::string fmt_num(double v, const char* format) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

const TestResult* decode_test(const ThreadResult& t) {
  for (const TestResult& r : t.tests)
    if (r.kind == TestKind::kDecode) return &r;
  return nullptr;
}

void print_tests(std::FILE* out, const BenchReport& rep) {
  std::fprintf(out,
               "| model | precision | threads | test | tokens | prefill t/s | decode t/s | preprocess ms | ViT ms "
               "| TTFT ms |\n"
               "| ----- | --------- | ------: | ---- | -----: | ----------: | ---------: | ------------: | -----: "
               "| ------: |\n");
  for (const ThreadResult& t : rep.threads)
    for (const TestResult& r : t.tests) {
      const bool image = r.kind == TestKind::kImage, decode = r.kind == TestKind::kDecode;
      const int64_t tokens = r.tokens();
      std::fprintf(out, "| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s |\n", rep.model.c_str(),
                   precision_name(rep.info.precision), t.threads, r.name.c_str(),
                   tokens >= 0 ? std::to_string(tokens).c_str() : "varies",
                   decode ? "-" : fmt_summary(r.summary_of(&Stats::prefill_tokens_per_s)).c_str(),
                   decode ? fmt_summary(r.summary_of(&Stats::decode_tokens_per_s)).c_str() : "-",
                   image ? fmt_summary(r.summary_of(&Stats::preprocess_ms)).c_str() : "-",
                   image ? fmt_summary(r.summary_of(&Stats::vit_ms)).c_str() : "-",
                   decode ? "-" : fmt_summary(r.summary_of(&Stats::ttft_ms)).c_str());
    }
}

void print_threads(std::FILE* out, const BenchReport& rep) {
  const std::string weights = apps::format_bytes(static_cast<unsigned long long>(rep.info.decode_weight_bytes));
  std::fprintf(out, "| threads | bundle open ms | read GB/s | decode weights | roofline t/s | decode of roofline |\n");
  std::fprintf(out, "| ------: | -------------: | --------: | -------------: | -----------: | -----------------: |\n");
  for (const ThreadResult& t : rep.threads) {
    const double roof = roofline_tokens_per_s(rep.info.decode_weight_bytes, t.read_gbps);
    const TestResult* tg = decode_test(t);
    const double share = tg && roof > 0 ? tg->summary_of(&Stats::decode_tokens_per_s).mean / roof : 0.0;
    std::fprintf(out, "| %d | %s | %s | %s | %s | %s |\n", t.threads, fmt_summary(summarize(t.open_ms)).c_str(),
                 t.read_gbps > 0 ? fmt_num(t.read_gbps, "%.2f").c_str() : "-", weights.c_str(),
                 roof > 0 ? fmt_num(roof, "%.1f").c_str() : "-",
                 share > 0 ? (fmt_num(100.0 * share, "%.1f") + "% (" + tg->name + ")").c_str() : "-");
  }
}

}  // namespace

void print_markdown(std::FILE* out, const BenchReport& rep) {
  std::fprintf(out, "model: %s (bundle %s), %s, context %lld, prefill chunk %lld, decode weights %s per token\n",
               rep.model.c_str(), rep.info.path.c_str(), precision_name(rep.info.precision),
               static_cast<long long>(rep.info.context_length), static_cast<long long>(rep.info.prefill_chunk),
               apps::format_bytes(static_cast<unsigned long long>(rep.info.decode_weight_bytes)).c_str());
  std::fprintf(out,
               "machine: %d hardware threads, load average %s (1/5/15 min, before measuring); %d repetitions, %s\n\n",
               rep.cores, rep.load_average.empty() ? "unknown" : rep.load_average.c_str(), rep.repetitions,
               rep.warmup ? "one warmup run per test" : "no warmup");
  print_tests(out, rep);
  std::fprintf(out, "\n");
  print_threads(out, rep);
  std::fprintf(out, "\npeak RSS: %.1f MiB (this process before the read-bandwidth probe: any compile into the cache, "
                   "the opens, the tests)", rep.peak_rss_mib);
  if (rep.bandwidth_buffer_bytes > 0)
    std::fprintf(out, "; probe buffer %.0f MiB", static_cast<double>(rep.bandwidth_buffer_bytes) / (1 << 20));
  std::fprintf(out, "\n");
}

}  // namespace edgevl::bench
