#include "bandwidth.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>

#include "edgevl/error.h"

namespace edgevl::bench {
namespace {

// Four independent accumulators so the loop vectorizes and is bound by loads, not by one add chain.
uint64_t sum_words(const uint64_t* p, size_t n) {
  uint64_t a = 0, b = 0, c = 0, d = 0;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    a += p[i];
    b += p[i + 1];
    c += p[i + 2];
    d += p[i + 3];
  }
  for (; i < n; ++i) a += p[i];
  return a + b + c + d;
}

volatile uint64_t g_sink = 0;  // the sums are stored here, so the reads cannot be optimized away

}  // namespace

ReadBandwidthProbe::ReadBandwidthProbe(size_t bytes) {
  if (bytes < (size_t{1} << 20))
    throw Error(ErrorCode::kInvalidArgument,
                "bandwidth probe: buffer of " + std::to_string(bytes) + " bytes is below 1 MiB");
  words_.resize(bytes / sizeof(uint64_t));
  for (size_t i = 0; i < words_.size(); ++i) words_[i] = i;
}

double ReadBandwidthProbe::measure(int threads, int passes) const {
  if (threads < 1 || passes < 1)
    throw Error(ErrorCode::kInvalidArgument, "bandwidth probe: threads and passes must be >= 1, got " +
                                                 std::to_string(threads) + " and " + std::to_string(passes));
  const size_t n = words_.size(), per = (n + static_cast<size_t>(threads) - 1) / static_cast<size_t>(threads);
  double best_s = 0;
  for (int pass = 0; pass < passes; ++pass) {
    std::vector<uint64_t> sums(static_cast<size_t>(threads), 0);
    std::vector<std::thread> pool;
    const auto t0 = std::chrono::steady_clock::now();
    for (int t = 0; t < threads; ++t) {
      const size_t begin = std::min(n, per * static_cast<size_t>(t)), end = std::min(n, begin + per);
      pool.emplace_back(
          [&, t, begin, end] { sums[static_cast<size_t>(t)] = sum_words(words_.data() + begin, end - begin); });
    }
    for (auto& th : pool) th.join();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    uint64_t total = 0;
    for (uint64_t v : sums) total += v;
    g_sink = g_sink + total;
    if (pass == 0 || s < best_s) best_s = s;
  }
  return best_s > 0 ? static_cast<double>(bytes()) / best_s / 1e9 : 0.0;
}

}  // namespace edgevl::bench
