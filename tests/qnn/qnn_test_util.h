// Helpers shared by the qnn tests: random data and one-call graph execution.
#pragma once

#include <map>
#include <random>
#include <string>
#include <vector>

#include "edgevl/qnn/emulator.h"
#include "edgevl/qnn/graph_builder.h"

namespace qnn_test {

using namespace edgevl::qnn;

inline std::vector<float> random_floats(size_t n, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

inline size_t numel(const std::vector<int64_t>& s) {
  size_t n = 1;
  for (auto d : s) n *= static_cast<size_t>(d);
  return n;
}

/// Runs `g` with float inputs (by name) and returns every float output by name.
inline std::map<std::string, std::vector<float>> run(const Graph& g, const std::map<std::string, std::vector<float>>& in,
                                                      FloatMode p = FloatMode::kFp32, int threads = 2) {
  auto exe = prepare_emulator(g, p, threads);
  std::vector<std::pair<std::string, ConstTensorView>> ins;
  for (auto& [name, v] : in) {
    const Tensor& t = g.tensor(g.find(name));
    ins.push_back({name, ConstTensorView{v.data(), t.shape, t.dtype}});
  }
  std::map<std::string, std::vector<float>> out;
  std::vector<std::pair<std::string, MutableTensorView>> outs;
  for (TensorId id : g.outputs()) {
    const Tensor& t = g.tensor(id);
    out[t.name].resize(numel(t.shape));
  }
  for (TensorId id : g.outputs()) {
    const Tensor& t = g.tensor(id);
    outs.push_back({t.name, MutableTensorView{out[t.name].data(), t.shape, t.dtype}});
  }
  exe->run(ins, outs);
  return out;
}

}  // namespace qnn_test
