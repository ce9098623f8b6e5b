// Emulator throughput: Conv2d 1×1 (= GEMM) at LLM MLP size, [128 tokens, 1536 → 8960], fp32 and fp16 (float16 weights
// converted on the fly, outputs rounded), plus the decode shape [1 token]. Reports GFLOP/s (2·M·In·Out per run).
#include <benchmark/benchmark.h>

#include <random>

#include "edgevl/qnn/emulator.h"
#include "edgevl/qnn/graph_builder.h"
#include "edgevl/qnn/half.h"

using namespace edgevl::qnn;

namespace {

void BM_Conv1x1(benchmark::State& state) {
  const int64_t M = state.range(0), IN = 1536, OUT = 8960;
  const bool fp16 = state.range(1) != 0;
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> d(-0.05f, 0.05f);
  std::vector<float> w(static_cast<size_t>(IN * OUT));
  for (auto& v : w) v = d(rng);
  GraphBuilder b("conv1x1");
  auto x = b.input("x", {1, 1, M, IN});
  TensorId wt;
  if (fp16) {
    std::vector<uint16_t> h(w.size());
    float_to_half_n(w.data(), h.data(), w.size());
    wt = b.constant("w", {1, 1, IN, OUT}, DType::kFloat16, ConstData::copy_of(h.data(), h.size() * 2));
  } else {
    wt = b.constant("w", {1, 1, IN, OUT}, DType::kFloat32, ConstData::from_floats(std::move(w)));
  }
  b.output(b.conv2d(x, wt, std::nullopt), "y");
  Graph g = b.finish();
  auto exe = prepare_emulator(g, fp16 ? FloatMode::kFp16 : FloatMode::kFp32, 0);
  std::vector<float> xv(static_cast<size_t>(M * IN), 0.5f), yv(static_cast<size_t>(M * OUT));
  for (auto _ : state) {
    exe->run({{"x", {xv.data(), {1, 1, M, IN}, DType::kFloat32}}}, {{"y", {yv.data(), {1, 1, M, OUT}, DType::kFloat32}}});
    benchmark::DoNotOptimize(yv.data());
  }
  state.counters["GFLOP/s"] =
      benchmark::Counter(2.0 * double(M) * IN * OUT * double(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
  state.SetLabel(fp16 ? "fp16" : "fp32");
}

}  // namespace

BENCHMARK(BM_Conv1x1)->Args({128, 0})->Args({128, 1})->Args({1, 0})->Args({1, 1})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_MAIN();
