// GEMV kernels' own speed at Qwen2-VL-2B layer shapes, one token (decode), on the pool the emulator uses: bytes of
// weight read per second. Each benchmark cycles through enough copies of its weight (≥ 1 GiB in all) that they come
// from DRAM, as a 2B model's weights do, not from the last-level cache. Compare with qwen2vl-bench's read-bandwidth
// probe; the gap between the two is the kernel's, the gap between this and decode tok/s is the rest of the graph's.
// Usage: bench_qnn_kernels [--benchmark_filter=...]; threads = hardware_concurrency.
#include <benchmark/benchmark.h>

#include <memory>
#include <thread>
#include <vector>

#include "edgevl/qnn/half.h"
#include "edgevl/qnn/quant.h"
#include "kernels/gemv.h"
#include "qnn_test_util.h"
#include "thread_pool.h"

using namespace edgevl::qnn;

namespace {

constexpr size_t kTotalBytes = size_t{1} << 30;

enum Kind { kInt4 = 0, kInt8Nk = 1, kF16 = 2 };

struct Weights {
  std::vector<Tensor> tensors;
  std::vector<std::unique_ptr<kernels::PackedWeight>> packed;
  size_t bytes_each = 0;
};

// Copies of one random weight [K, N] (kn HWIO for int4/f16, nk [N, K] for int8), as the compiler stores them.
Weights make(Kind kind, int64_t K, int64_t N) {
  const auto f = qnn_test::random_floats(size_t(K * N), 7, -0.5f, 0.5f);
  Tensor t;
  t.name = "w";
  t.kind = TensorKind::kConstant;
  t.shape = kind == kInt8Nk ? std::vector<int64_t>{N, K} : std::vector<int64_t>{1, 1, K, N};
  if (kind == kF16) {
    std::vector<uint16_t> h(f.size());
    float_to_half_n(f.data(), h.data(), f.size());
    t.dtype = DType::kFloat16;
    t.data = ConstData::copy_of(h.data(), h.size() * 2);
  } else {
    QuantizedWeight q = kind == kInt8Nk ? quantize_weight_int8(f.data(), t.shape, 0)
                                        : quantize_weight_lpbq(f.data(), t.shape, 3, 2, 32);
    t.dtype = q.dtype;
    t.quant = q.encoding;
    t.data = ConstData::from_bytes(std::move(q.bytes));
  }
  Weights w;
  w.bytes_each = t.data.nbytes;
  const size_t copies = std::max<size_t>(1, kTotalBytes / w.bytes_each);
  for (size_t i = 0; i < copies; ++i) {
    Tensor c = t;
    c.data = ConstData::copy_of(t.data.data, t.data.nbytes);
    w.tensors.push_back(std::move(c));
  }
  for (const Tensor& c : w.tensors)
    w.packed.push_back(kernels::pack_weight(c, K, N, kind == kInt8Nk ? K : N, kind == kInt8Nk, false));
  return w;
}

void BM_Gemv(benchmark::State& state) {
  const auto kind = Kind(state.range(0));
  const int64_t K = state.range(1), N = state.range(2);
  static Weights w;  // one shape at a time: rebuilt when the arguments change
  static int64_t built[3] = {-1, -1, -1};
  if (built[0] != kind || built[1] != K || built[2] != N) {
    w = Weights{};
    w = make(kind, K, N);
    built[0] = kind, built[1] = K, built[2] = N;
  }
  ThreadPool pool(static_cast<int>(std::thread::hardware_concurrency()));
  const auto x = qnn_test::random_floats(size_t(K), 3);
  std::vector<float> y(static_cast<size_t>(N));
  size_t i = 0;
  for (auto _ : state) {
    kernels::gemv(x.data(), 1, K, *w.packed[i], nullptr, y.data(), N, &pool);
    benchmark::DoNotOptimize(y.data());
    i = (i + 1) % w.packed.size();
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(w.bytes_each));
}

}  // namespace

// w4 LPBQ gate/up [1536 → 8960], down [8960 → 1536], q/o [1536 → 1536]; the int8 head [151936, 1536] (nk); fp16 gate.
BENCHMARK(BM_Gemv)
    ->Args({kInt4, 1536, 8960})
    ->Args({kInt4, 8960, 1536})
    ->Args({kInt4, 1536, 1536})
    ->Args({kInt8Nk, 1536, 151936})
    ->Args({kF16, 1536, 8960})
    ->Args({kF16, 8960, 1536})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK_MAIN();
