// Encode/decode throughput of the byte-level BPE on the real Qwen vocabulary (corpus.jsonl concatenated).
// Run after the CTest fixture tokenizer_fetch_vocab installed the vocabulary: ./bench_tokenizer
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <memory>

#include <nlohmann/json.hpp>

#include "edgevl/llm/tokenizer.h"

namespace {

const edgevl::llm::Tokenizer& tokenizer() {
  static std::unique_ptr<edgevl::llm::Tokenizer> t = [] {
    const char* env = std::getenv("EDGEVL_QWEN_TOKENIZER_JSON");
    return edgevl::llm::Tokenizer::from_file(env && *env ? env : EDGEVL_QWEN_TOKENIZER_JSON);
  }();
  return *t;
}

const std::string& corpus_text() {
  static const std::string text = [] {
    std::ifstream f(std::string(EDGEVL_TOKENIZER_TEST_DIR) + "/corpus.jsonl");
    std::string line, all;
    while (std::getline(f, line))
      if (!line.empty()) all += nlohmann::json::parse(line)["text"].get<std::string>() + "\n";
    return all;
  }();
  return text;
}

void BM_Encode(benchmark::State& state) {
  const auto& tok = tokenizer();
  const auto& text = corpus_text();
  size_t n = 0;
  for (auto _ : state) {
    auto ids = tok.encode(text);
    n = ids.size();
    benchmark::DoNotOptimize(ids.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["tokens"] = static_cast<double>(n);
}
BENCHMARK(BM_Encode)->Unit(benchmark::kMillisecond);

void BM_Decode(benchmark::State& state) {
  const auto& tok = tokenizer();
  const auto ids = tok.encode(corpus_text());
  for (auto _ : state) benchmark::DoNotOptimize(tok.decode(ids, true));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * corpus_text().size()));
}
BENCHMARK(BM_Decode)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
