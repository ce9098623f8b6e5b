// The probe's read loop in Highway, compiled for every SIMD target Highway attains (x86: up to AVX-512) and picked at
// run time, so each load is a full vector (64 bytes on AVX-512) whatever the build's baseline flags are.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "bandwidth.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include "bandwidth.h"
#include "edgevl/error.h"

HWY_BEFORE_NAMESPACE();
namespace edgevl::bench {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Sum of n words: scalar up to the first vector-aligned word, then four independent vector accumulators (aligned
// loads, bound by memory rather than by one add chain), then the scalar tail.
uint64_t SumWords(const uint64_t* p, size_t n) {
  const hn::ScalableTag<uint64_t> d;
  const size_t N = hn::Lanes(d);
  uint64_t scalar = 0;
  size_t i = 0;
  for (; i < n && reinterpret_cast<uintptr_t>(p + i) % (N * sizeof(uint64_t)) != 0; ++i) scalar += p[i];
  auto a = hn::Zero(d), b = hn::Zero(d), c = hn::Zero(d), e = hn::Zero(d);
  for (; i + 4 * N <= n; i += 4 * N) {
    a = hn::Add(a, hn::Load(d, p + i));
    b = hn::Add(b, hn::Load(d, p + i + N));
    c = hn::Add(c, hn::Load(d, p + i + 2 * N));
    e = hn::Add(e, hn::Load(d, p + i + 3 * N));
  }
  for (; i < n; ++i) scalar += p[i];
  return scalar + hn::GetLane(hn::SumOfLanes(d, hn::Add(hn::Add(a, b), hn::Add(c, e))));
}

}  // namespace HWY_NAMESPACE
}  // namespace edgevl::bench
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace edgevl::bench {
namespace {

HWY_EXPORT(SumWords);

using Clock = std::chrono::steady_clock;

volatile uint64_t g_sink = 0;  // the sums are stored here, so the reads cannot be optimized away

// A reusable spinning barrier for `n` threads (C++17 has no std::barrier). Waiters yield, so it stays correct, if
// slower, with more threads than cores.
class SpinBarrier {
 public:
  explicit SpinBarrier(int n) : n_(n) {}
  void arrive_and_wait() {
    const unsigned gen = gen_.load(std::memory_order_acquire);
    if (arrived_.fetch_add(1, std::memory_order_acq_rel) + 1 == n_) {
      arrived_.store(0, std::memory_order_relaxed);
      gen_.store(gen + 1, std::memory_order_release);
    } else {
      while (gen_.load(std::memory_order_acquire) == gen) std::this_thread::yield();
    }
  }

 private:
  const int n_;
  std::atomic<int> arrived_{0};
  std::atomic<unsigned> gen_{0};
};

// One thread's result for the current pass, on its own cache line.
struct alignas(64) Slot {
  Clock::time_point start, end;
  uint64_t sum = 0;
};

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
  // Slices of whole 64-byte lines (the last one shorter), so no cache line is read by two threads.
  const size_t n = words_.size(), T = static_cast<size_t>(threads);
  const size_t per = ((n + T - 1) / T + 7) / 8 * 8;
  std::vector<Slot> slots(T);
  SpinBarrier barrier(threads);
  std::atomic<int> gate{0};  // 1: every thread was started, run; -1: one could not be, return at once

  // Thread t's passes; the calling thread is thread 0. Per pass: all threads meet, each reads its slice and records
  // when it started and finished, and they meet again so thread 0 can read every slot before the next pass.
  double best_s = 0;
  auto run = [&](size_t t) {
    const size_t begin = std::min(n, per * t), end = std::min(n, begin + per);
    for (int pass = 0; pass < passes; ++pass) {
      barrier.arrive_and_wait();
      Slot& s = slots[t];
      s.start = Clock::now();
      s.sum = HWY_DYNAMIC_DISPATCH(SumWords)(words_.data() + begin, end - begin);
      s.end = Clock::now();
      barrier.arrive_and_wait();
      if (t != 0) continue;
      // The pass runs from the first thread's start to the last one's finish.
      Clock::time_point first = slots[0].start, last = slots[0].end;
      uint64_t total = 0;
      for (const Slot& o : slots) {
        first = std::min(first, o.start);
        last = std::max(last, o.end);
        total += o.sum;
      }
      g_sink = g_sink + total;
      const double sec = std::chrono::duration<double>(last - first).count();
      if (pass == 0 || sec < best_s) best_s = sec;
    }
  };

  std::vector<std::thread> pool;
  try {
    for (size_t t = 1; t < T; ++t)
      pool.emplace_back([&, t] {
        int g;
        while ((g = gate.load(std::memory_order_acquire)) == 0) std::this_thread::yield();
        if (g > 0) run(t);
      });
  } catch (...) {
    gate.store(-1, std::memory_order_release);
    for (auto& th : pool) th.join();
    throw;
  }
  gate.store(1, std::memory_order_release);
  run(0);
  for (auto& th : pool) th.join();
  return best_s > 0 ? static_cast<double>(bytes()) / best_s / 1e9 : 0.0;
}

}  // namespace edgevl::bench
#endif  // HWY_ONCE
