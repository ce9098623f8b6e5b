// qwen2vl-bench [-m BUNDLE_OR_HF_DIR] [-p LIST] [-n N] [--image WxH|FILE ...] [-t LIST] [-r N] [--json] [--no-warmup]
//               [--bandwidth-mib MIB] [--context-length N]
// Measures prefill (pp<p>), decode (tg<n>) and vision-tower (vit WxH) speed through the public Session API, in the
// manner of llama.cpp's llama-bench: mean ± stdev over repetitions, per thread count, plus bundle open time, peak RSS,
// memory read bandwidth and decode's share of the bandwidth roofline. Results on stdout (markdown or --json), progress
// on stderr.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "bandwidth.h"
#include "edgevl/edgevl.h"
#include "edgevl_apps/cli.h"
#include "edgevl_apps/model_source.h"
#include "image_spec.h"
#include "report.h"
#include "runner.h"
#include "system_info.h"

namespace {

constexpr int kBandwidthPasses = 5;
constexpr int64_t kMaxTokens = int64_t{1} << 20;  // bound of -p / -n (a context length is far smaller)

struct Options {
  std::string model;
  std::vector<int64_t> prompt_tokens{512};
  int gen_tokens = 128;
  std::vector<std::string> images;
  std::vector<int> threads{0};
  int repetitions = 5;
  bool json = false, no_warmup = false;
  int64_t bandwidth_mib = 1024;
  edgevl::CompileOptions compile;
};

void validate(const Options& o) {
  using edgevl::Error;
  using edgevl::ErrorCode;
  if (o.gen_tokens == 1)
    throw Error(ErrorCode::kInvalidArgument, "-n 1: the decode rate counts the steps after the first token; give "
                                             "-n >= 2 (or -n 0 to skip the decode test)");
}

edgevl::bench::BenchReport run(Options& o) {
  using namespace edgevl::bench;
  validate(o);
  BenchPlan plan;
  plan.prompt_tokens = o.prompt_tokens;
  plan.gen_tokens = o.gen_tokens;
  for (const std::string& spec : o.images) plan.images.push_back(parse_image_spec(spec));
  plan.repetitions = o.repetitions;
  plan.warmup = !o.no_warmup;
  if (o.model.empty()) {
    o.model = edgevl::apps::default_model_path();
    std::fprintf(stderr, "using the default model %s\n", o.model.c_str());
  }

  BenchReport rep;
  rep.model = o.model;
  rep.cores = hardware_threads();
  rep.load_average = load_average();
  rep.repetitions = o.repetitions;
  rep.warmup = plan.warmup;
  std::fprintf(stderr, "load average: %s (1/5/15 min), %d hardware threads\n",
               rep.load_average.empty() ? "unknown" : rep.load_average.c_str(), rep.cores);
  const std::string bundle = edgevl::apps::open_model(o.model, o.compile).info().path;  // compiles an HF dir once
  for (int requested : o.threads) {
    ThreadResult tr;
    tr.threads = requested > 0 ? requested : rep.cores;
    const std::string label = "[threads " + std::to_string(tr.threads) + "] ";
    edgevl::ModelOptions mo;
    mo.num_threads = tr.threads;
    std::fprintf(stderr, "%sopening %s %d times\n", label.c_str(), bundle.c_str(), o.repetitions);
    tr.open_ms = time_opens(bundle, mo, o.repetitions, plan.warmup);
    const edgevl::Model model = edgevl::Model::open(bundle, mo);
    rep.info = model.info();
    tr.tests = run_tests(model, plan, label);
    rep.threads.push_back(std::move(tr));
  }
  rep.peak_rss_mib = peak_rss_mib();
  if (o.bandwidth_mib > 0) {
    std::fprintf(stderr, "read-bandwidth probe: %lld MiB buffer, best of %d passes\n",
                 static_cast<long long>(o.bandwidth_mib), kBandwidthPasses);
    const ReadBandwidthProbe probe(static_cast<size_t>(o.bandwidth_mib) << 20);
    rep.bandwidth_buffer_bytes = probe.bytes();
    for (ThreadResult& tr : rep.threads) {
      tr.read_gbps = probe.measure(tr.threads, kBandwidthPasses);
      std::fprintf(stderr, "[threads %d] read bandwidth %.2f GB/s\n", tr.threads, tr.read_gbps);
    }
  }
  return rep;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Benchmark Qwen2-VL prefill, decode and vision tower on EdgeVL's HTP emulator (llama-bench style)",
               "qwen2vl-bench"};
  Options o;
  app.add_option("-m,--model", o.model,
                 "compiled bundle (NAME.evl) or Hugging Face Qwen2-VL directory (compiled once into the cache); "
                 "default: the bundled demo model ($EDGEVL_DEFAULT_MODEL overrides)");
  app.add_option("-p,--prompt-tokens", o.prompt_tokens,
                 "prefill tests: prompt lengths in tokens, comma-separated (0 = none)")
      ->delimiter(',')
      ->check(CLI::Range(int64_t{0}, kMaxTokens))
      ->capture_default_str();
  app.add_option("-n,--gen-tokens", o.gen_tokens, "decode test: tokens to generate, exactly (0 = none)")
      ->check(CLI::Range(0, static_cast<int>(kMaxTokens)))
      ->capture_default_str();
  app.add_option("--image", o.images,
                 "image test: WxH (a synthetic image of that size) or an image file; repeatable");
  app.add_option("-t,--threads", o.threads, "CPU thread counts to test, comma-separated (0 = all hardware threads)")
      ->delimiter(',')
      ->check(CLI::Range(0, 4096))
      ->capture_default_str();
  app.add_option("-r,--repetitions", o.repetitions, "measured runs per test (and bundle opens)")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_flag("--json", o.json, "print one JSON document with every measurement instead of the markdown tables");
  app.add_flag("--no-warmup", o.no_warmup, "skip the unmeasured warmup run before each test");
  app.add_option("--bandwidth-mib", o.bandwidth_mib, "read-bandwidth probe buffer, MiB (>= 1, far above the "
                                                     "last-level cache; 0 = no probe)")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 20))
      ->capture_default_str();
  app.add_option("--context-length", o.compile.context_length, "context length when compiling a Hugging Face directory")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.footer(
      "Example:\n"
      "  qwen2vl-bench -m models/demo/qwen2vl-shapes -p 128,512 -n 128 --image 448x448 -t 1,2 -r 5\n"
      "Tests: pp<p> prefills a text prompt of exactly p tokens (1 new token); tg<n> generates exactly n tokens\n"
      "greedily (eos masked); 'vit WxH' runs one image through the vision tower. Each run is a reset Session.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? edgevl::apps::kExitOk : edgevl::apps::kExitUsage;
  }
  return edgevl::apps::run_guarded("qwen2vl-bench", [&] {
    const edgevl::bench::BenchReport rep = run(o);
    if (o.json) std::printf("%s\n", edgevl::bench::to_json(rep).dump(2).c_str());
    else edgevl::bench::print_markdown(stdout, rep);
    return edgevl::apps::kExitOk;
  });
}
