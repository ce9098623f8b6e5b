// What verifying a bundle's weights costs: bundle_hash64 (the weights.bin checksum Model::open checks once per change
// of the file, ModelOptions::checksums) over an in-memory buffer, bytes/s. The 2B w4a16 bundle's weights.bin is
// 1.61 GB, so the first open after each change costs about 1.61 GB / this rate (plus reading the file from storage
// when it is not in the page cache); later opens only stat it. Not a test; run by hand (docs/graph-ir.md).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "edgevl/qnn/bundle.h"

namespace {

void BM_BundleHash(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0)) << 20;
  std::vector<uint8_t> buf(n);
  for (size_t i = 0; i < n; ++i) buf[i] = static_cast<uint8_t>(i * 2654435761u >> 13);
  uint64_t h = 0;
  for (auto _ : state) {
    h = edgevl::qnn::bundle_hash64(buf.data(), buf.size(), h);
    benchmark::DoNotOptimize(h);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(n));
}
BENCHMARK(BM_BundleHash)->Arg(64)->Arg(1536)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
