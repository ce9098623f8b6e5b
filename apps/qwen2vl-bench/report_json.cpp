// The JSON half of report.h.
#include "report.h"

namespace edgevl::bench {
namespace {

nlohmann::json summary_json(const Summary& s) { return {{"mean", s.mean}, {"stdev", s.stdev}}; }

nlohmann::json stats_json(const Stats& s) {
  return {{"images", s.images},
          {"preprocess_ms", s.preprocess_ms},
          {"vit_ms", s.vit_ms},
          {"prompt_tokens", s.prompt_tokens},
          {"prefill_tokens", s.prefill_tokens},
          {"prefill_ms", s.prefill_ms},
          {"prefill_tokens_per_s", s.prefill_tokens_per_s},
          {"ttft_ms", s.ttft_ms},
          {"decode_tokens", s.decode_tokens},
          {"decode_ms", s.decode_ms},
          {"decode_tokens_per_s", s.decode_tokens_per_s},
          {"total_ms", s.total_ms}};
}

nlohmann::json test_json(const TestResult& r, double roofline) {
  nlohmann::json j = {{"name", r.name},
                      {"kind", test_kind_name(r.kind)},
                      {"requested_tokens", r.requested_tokens},
                      {"tokens", r.tokens()},
                      {"prefill_tokens_per_s", summary_json(r.summary_of(&Stats::prefill_tokens_per_s))},
                      {"decode_tokens_per_s", summary_json(r.summary_of(&Stats::decode_tokens_per_s))},
                      {"preprocess_ms", summary_json(r.summary_of(&Stats::preprocess_ms))},
                      {"vit_ms", summary_json(r.summary_of(&Stats::vit_ms))},
                      {"ttft_ms", summary_json(r.summary_of(&Stats::ttft_ms))},
                      {"runs", nlohmann::json::array()}};
  if (!r.image.empty()) j["image"] = r.image;
  if (r.kind == TestKind::kDecode && roofline > 0)
    j["decode_share_of_roofline"] = r.summary_of(&Stats::decode_tokens_per_s).mean / roofline;
  for (const Stats& s : r.runs) j["runs"].push_back(stats_json(s));
  return j;
}

}  // namespace

nlohmann::json to_json(const BenchReport& rep) {
  nlohmann::json threads = nlohmann::json::array();
  for (const ThreadResult& t : rep.threads) {
    const double roof = roofline_tokens_per_s(rep.info.decode_weight_bytes, t.read_gbps);
    nlohmann::json tests = nlohmann::json::array();
    for (const TestResult& r : t.tests) tests.push_back(test_json(r, roof));
    nlohmann::json open = summary_json(summarize(t.open_ms));
    open["runs"] = t.open_ms;
    threads.push_back({{"threads", t.threads},
                       {"open_ms", open},
                       {"read_bandwidth_gbps", t.read_gbps},
                       {"roofline_decode_tokens_per_s", roof},
                       {"tests", tests}});
  }
  return {{"model", rep.model},
          {"bundle", rep.info.path},
          {"precision", precision_name(rep.info.precision)},
          {"context_length", rep.info.context_length},
          {"prefill_chunk", rep.info.prefill_chunk},
          {"vit_buckets", rep.info.vit_buckets},
          {"decode_weight_bytes", rep.info.decode_weight_bytes},
          {"hardware_threads", rep.cores},
          {"load_average", rep.load_average},
          {"repetitions", rep.repetitions},
          {"warmup", rep.warmup},
          {"bandwidth_buffer_bytes", rep.bandwidth_buffer_bytes},
          {"peak_rss_mib", rep.peak_rss_mib},
          {"threads", threads}};
}

}  // namespace edgevl::bench
