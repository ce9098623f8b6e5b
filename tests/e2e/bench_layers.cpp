// Emulator wall time of layer-sized pieces of Qwen2-VL-2B with random float16 weights (what a fp16 bundle holds),
// lowered as the compiler lowers them: one ViT block at 1024 patches (with patch embed and merger), and one decoder
// layer + final norm + lm_head (tied or not) for decode (1 token) and a prefill chunk (32 tokens) at context length
// 1024.
// Usage: bench_layers [--benchmark_filter=...]; threads = hardware_concurrency.
#include <benchmark/benchmark.h>

#include <cmath>
#include <functional>

#include "edgevl/llm/llm_graph.h"
#include "edgevl/qnn/emulator.h"
#include "edgevl/qnn/half.h"
#include "edgevl/qnn/passes.h"
#include "edgevl/vision/vit_graph.h"

using namespace edgevl;

namespace {

// Random float16 weights, amplitude 1/sqrt(fan_in) (gains around 1).
qnn::WeightProvider fp16_weights() {
  return [](qnn::GraphBuilder& b, const std::string& name, const std::vector<int64_t>& shape) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    uint32_t state = uint32_t(std::hash<std::string>{}(name)) | 1u;
    const float a = shape.size() >= 2 ? 1.0f / std::sqrt(float(shape.back())) : 0.1f;
    std::vector<float> f(static_cast<size_t>(n));
    for (float& v : f) {
      state = state * 1664525u + 1013904223u;  // LCG: fast set-up of ~0.5 G values; quality is irrelevant here
      v = (shape.size() == 1 ? 1.0f : 0.0f) + a * (float(state >> 8) * (2.0f / 16777216.0f) - 1.0f);
    }
    std::vector<uint16_t> h(f.size());
    qnn::float_to_half_n(f.data(), h.data(), f.size());
    return b.constant(name, shape, qnn::DType::kFloat16, qnn::ConstData::copy_of(h.data(), h.size() * 2));
  };
}

// Runs `g` (lowered) with every float input filled with small values (masks zero) and every output bound.
void run_graph(benchmark::State& state, qnn::Graph g) {
  qnn::lower_linear_to_conv2d(g);
  auto exe = qnn::prepare_emulator(g, qnn::FloatMode::kFp16, 0);
  std::vector<std::vector<float>> bufs;
  std::vector<std::pair<std::string, qnn::ConstTensorView>> in;
  std::vector<std::pair<std::string, qnn::MutableTensorView>> out;
  bufs.reserve(g.inputs().size() + g.outputs().size());
  for (qnn::TensorId id : g.inputs()) {
    const qnn::Tensor& t = g.tensor(id);
    bufs.emplace_back(size_t(t.num_elements()), t.name.find("mask") != std::string::npos ? 0.0f : 0.01f);
    in.push_back({t.name, {bufs.back().data(), t.shape, qnn::DType::kFloat32}});
  }
  for (qnn::TensorId id : g.outputs()) {
    const qnn::Tensor& t = g.tensor(id);
    bufs.emplace_back(size_t(t.num_elements()));
    out.push_back({t.name, {bufs.back().data(), t.shape, qnn::DType::kFloat32}});
  }
  for (auto _ : state) exe->run(in, out);
  state.counters["arena_MB"] = double(exe->arena_bytes()) / 1e6;
}

void BM_VitBlock1024(benchmark::State& state) {
  vision::VitConfig c = vision::VitConfig::qwen2vl_2b();
  c.depth = 1;
  run_graph(state, vision::build_vit_graph(c, 1024, fp16_weights()));
}

void BM_LlmLayer(benchmark::State& state) {
  llm::LlmConfig c = llm::LlmConfig::qwen2vl_2b();
  c.num_layers = 1;
  c.tie_word_embeddings = state.range(1) != 0;
  run_graph(state, llm::build_llm_graph(c, state.range(0), 1024, fp16_weights(), "llm"));
}

}  // namespace

// BM_LlmLayer/{rows}/{tied head}
BENCHMARK(BM_VitBlock1024)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_LlmLayer)->Args({1, 1})->Args({1, 0})->Args({32, 1})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_MAIN();
