// GEMV kernels (gemv.h) in Highway: one source compiled for every SIMD target Highway attains on this architecture
// (x86: SSSE3, SSE4, AVX2, AVX-512, AVX-512 VNNI/DL; Arm: NEON, SVE) and picked at run time for the CPU.
//
// kn layout: vector lanes are output columns, each lane accumulates over k in order (the reference's order), four
// independent accumulators per tile for instruction-level parallelism; blocks of rows are the outer loop and column
// tiles the inner one (kn_cols), so memory is read in address order. int4 rows are read as bytes; byte j holds
// columns 2j (low nibble) and 2j+1 (high nibble), so one byte vector gives an even-column and an odd-column vector,
// which is why pack_weight() splits LPBQ's per-channel data into even and odd halves. nk layout: per column a dot
// product over k across lanes.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/gemv.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <algorithm>
#include <numeric>
#include <type_traits>
#include <vector>

#include "kernels/gemv.h"
#include "kernels/simd_load-inl.h"
#include "thread_pool.h"

HWY_BEFORE_NAMESPACE();
namespace edgevl::qnn::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Running sums of the kn paths between blocks of rows: per thread (each pool thread has its own), grown to the largest
// call once, then reused.
HWY_INLINE float* scratch(size_t n) {
  thread_local std::vector<float> s;
  if (s.size() < n) s.resize(n);
  return s.data();
}

// Rows of a float/int8 kn weight per pass over the columns: the pass reads each row's column range once, in address
// order, and the running sums of the range stay in cache between passes.
constexpr int64_t kKnRowsPerPass = 16;

// Float/int8 kn, rows [k0, k1) for columns [n, n + U·Lanes(d)) of one row of x: the running sums acc (at column n)
// continue their k-ordered fused multiply-adds.
template <int U, class D>
HWY_INLINE void kn_float_rows(D d, const float* x, const PackedWeight& w, int64_t k0, int64_t k1, int64_t n, float* acc) {
  const size_t L = hn::Lanes(d);
  auto a0 = hn::LoadU(d, acc), a1 = a0, a2 = a0, a3 = a0;
  if constexpr (U > 1) a1 = hn::LoadU(d, acc + L);
  if constexpr (U > 2) a2 = hn::LoadU(d, acc + 2 * L);
  if constexpr (U > 3) a3 = hn::LoadU(d, acc + 3 * L);
  // This tile's bytes in the next pass's rows, into L2 (as kn_int4_rows does).
  const int64_t es = element_bytes(w.format), tile_bytes = int64_t(U * L) * es;
  const int64_t next = k1 + kKnRowsPerPass <= w.K ? kKnRowsPerPass * w.ld * es : 0;
  for (int64_t k = k0; k < k1; ++k) {
    const uint8_t* row = w.data + (k * w.ld + n) * es;
    for (int64_t b = 0; b < tile_bytes; b += 64) __builtin_prefetch(row + next + b, 0, 2);
    const auto xk = hn::Set(d, x[k]);
    a0 = hn::MulAdd(xk, load_kn(d, w, k, n), a0);
    if constexpr (U > 1) a1 = hn::MulAdd(xk, load_kn(d, w, k, n + int64_t(L)), a1);
    if constexpr (U > 2) a2 = hn::MulAdd(xk, load_kn(d, w, k, n + 2 * int64_t(L)), a2);
    if constexpr (U > 3) a3 = hn::MulAdd(xk, load_kn(d, w, k, n + 3 * int64_t(L)), a3);
  }
  hn::StoreU(a0, d, acc);
  if constexpr (U > 1) hn::StoreU(a1, d, acc + L);
  if constexpr (U > 2) hn::StoreU(a2, d, acc + 2 * L);
  if constexpr (U > 3) hn::StoreU(a3, d, acc + 3 * L);
}

// Float/int8 kn output: Lanes(d) columns at n from their sums (int8: times the channel scales; then the bias).
template <class D>
HWY_INLINE void kn_float_finish(D d, const PackedWeight& w, int64_t n, const float* acc, const float* bias, float* y) {
  auto a = hn::LoadU(d, acc);
  if (w.format == WeightFormat::kInt8) a = hn::Mul(a, hn::LoadU(d, w.scale.data() + n));
  if (bias) a = hn::Add(a, hn::LoadU(d, bias + n));
  hn::StoreU(a, d, y + n);
}

// LPBQ int4 kn, rows [k0, k1) of one block for columns [n, n + P·2·Lanes(d)) (P pairs of even/odd vectors) of one
// row of x, n even: the block's running sums be / bo (the even and odd columns of n's pairs) continue over the rows;
// when k1 ends the block, its sums times its multipliers are added to the totals te / to and be / bo restart at 0.
template <int P, class D>
HWY_INLINE void kn_int4_rows(D d, const float* x, const PackedWeight& w, int64_t k0, int64_t k1, int64_t n,
                             float* be, float* bo, float* te, float* to) {
  const hn::Rebind<uint8_t, D> d8;
  const hn::Rebind<int32_t, D> di;
  const size_t L = hn::Lanes(d);
  const int64_t half = w.N / 2, j = n / 2;
  const int64_t next = k1 + (k1 - k0) <= w.K ? (k1 - k0) * w.ld / 2 : 0;
  auto be0 = hn::LoadU(d, be), bo0 = hn::LoadU(d, bo), be1 = be0, bo1 = bo0;
  if constexpr (P > 1) {
    be1 = hn::LoadU(d, be + L);
    bo1 = hn::LoadU(d, bo + L);
  }
  for (int64_t k = k0; k < k1; ++k) {
    const uint8_t* row = w.data + (k * w.ld + n) / 2;
    __builtin_prefetch(row + next, 0, 2);  // this tile's bytes in the next pass's row, into L2
    const auto xk = hn::Set(d, x[k]);
    const auto v0 = hn::PromoteTo(di, hn::LoadU(d8, row));
    be0 = hn::MulAdd(xk, int4_low(d, v0), be0);
    bo0 = hn::MulAdd(xk, int4_high(d, v0), bo0);
    if constexpr (P > 1) {
      const auto v1 = hn::PromoteTo(di, hn::LoadU(d8, row + L));
      be1 = hn::MulAdd(xk, int4_low(d, v1), be1);
      bo1 = hn::MulAdd(xk, int4_high(d, v1), bo1);
    }
  }
  if (k1 % w.block_size != 0) {
    hn::StoreU(be0, d, be);
    hn::StoreU(bo0, d, bo);
    if constexpr (P > 1) {
      hn::StoreU(be1, d, be + L);
      hn::StoreU(bo1, d, bo + L);
    }
    return;
  }
  const int64_t blk = k0 / w.block_size;
  auto fold = [&](hn::Vec<D> sum, const std::vector<uint8_t>& m, size_t off, float* t, float* bsum) {
    const auto mult = hn::ConvertTo(d, hn::PromoteTo(di, hn::LoadU(d8, m.data() + blk * half + j + int64_t(off))));
    hn::StoreU(hn::MulAdd(sum, mult, hn::LoadU(d, t + off)), d, t + off);
    hn::StoreU(hn::Zero(d), d, bsum + off);
  };
  fold(be0, w.mult_even, 0, te, be);
  fold(bo0, w.mult_odd, 0, to, bo);
  if constexpr (P > 1) {
    fold(be1, w.mult_even, L, te, be);
    fold(bo1, w.mult_odd, L, to, bo);
  }
}

// LPBQ int4 kn output: 2·Lanes(d) columns at n (even) from their totals, times S_n, interleaved back, plus the bias.
template <class D>
HWY_INLINE void kn_int4_finish(D d, const PackedWeight& w, int64_t n, const float* te, const float* to, const float* bias,
                               float* y) {
  const size_t L = hn::Lanes(d);
  const int64_t j = n / 2;
  const auto e = hn::Mul(hn::LoadU(d, te), hn::LoadU(d, w.scale_even.data() + j));
  const auto o = hn::Mul(hn::LoadU(d, to), hn::LoadU(d, w.scale_odd.data() + j));
  float* out = y + n;
  hn::StoreInterleaved2(e, o, d, out);
  if (bias) {  // the pair's 2·Lanes(d) columns, now in natural order
    hn::StoreU(hn::Add(hn::LoadU(d, out), hn::LoadU(d, bias + n)), d, out);
    hn::StoreU(hn::Add(hn::LoadU(d, out + L), hn::LoadU(d, bias + n + int64_t(L))), d, out + L);
  }
}

// kn: passes of kKnRowsPerPass rows outer, column tiles inner, so each pass streams its rows' column range in address
// order, a few rows at a time (an int4 row of a 1536-channel layer is 768 bytes, one of an 8960-channel layer 4480: a
// tile that ran down all K rows touched a new cache line, often a new page, per row, and stalled on memory; passes of
// 64 rows kept 64 streams open per thread, more than the hardware prefetcher follows). Per column the sums are formed
// in the reference's order, so the results do not change.
void kn_cols(const float* x, int64_t M, int64_t ldx, const PackedWeight& w, int64_t n0, int64_t nb, const float* bias,
             float* y, int64_t ldy) {
  const hn::ScalableTag<float> d;
  const hn::CappedTag<float, 1> d1;
  const int64_t L = int64_t(hn::Lanes(d));
  const int64_t end = n0 + nb;
  if (w.format == WeightFormat::kInt4Lpbq) {  // n0 and nb even (whole pairs of columns)
    // Per row m of x: the totals (even columns, then odd), then the current block's sums (even, then odd).
    const int64_t pairs = nb / 2;
    float* sums = scratch(size_t(2 * M * nb));
    std::fill(sums, sums + 2 * M * nb, 0.0f);
    auto at = [&](int64_t m, int64_t part, int64_t n) { return sums + (2 * m * 2 + part) * pairs + (n - n0) / 2; };
    const int64_t rows = std::gcd<int64_t>(kKnRowsPerPass, w.block_size);  // passes never straddle a block
    for (int64_t k0 = 0; k0 < w.K; k0 += rows) {
      const int64_t k1 = k0 + rows;
      auto tile = [&](auto dd, auto pairs_per_tile, int64_t n) {
        for (int64_t m = 0; m < M; ++m)
          kn_int4_rows<decltype(pairs_per_tile)::value>(dd, x + m * ldx, w, k0, k1, n, at(m, 2, n), at(m, 3, n),
                                                        at(m, 0, n), at(m, 1, n));
      };
      int64_t n = n0;
      for (; n + 4 * L <= end; n += 4 * L) tile(d, std::integral_constant<int, 2>(), n);
      for (; n + 2 * L <= end; n += 2 * L) tile(d, std::integral_constant<int, 1>(), n);
      for (; n + 2 <= end; n += 2) tile(d1, std::integral_constant<int, 1>(), n);
    }
    for (int64_t m = 0; m < M; ++m) {
      float* yr = y + m * ldy;
      int64_t n = n0;
      for (; n + 2 * L <= end; n += 2 * L) kn_int4_finish(d, w, n, at(m, 0, n), at(m, 1, n), bias, yr);
      for (; n + 2 <= end; n += 2) kn_int4_finish(d1, w, n, at(m, 0, n), at(m, 1, n), bias, yr);
    }
    return;
  }
  float* acc = scratch(size_t(M * nb));
  std::fill(acc, acc + M * nb, 0.0f);
  auto a = [&](int64_t m, int64_t n) { return acc + m * nb + (n - n0); };
  for (int64_t k0 = 0; k0 < w.K; k0 += kKnRowsPerPass) {
    const int64_t k1 = std::min(w.K, k0 + kKnRowsPerPass);
    int64_t n = n0;
    for (; n + 4 * L <= end; n += 4 * L)
      for (int64_t m = 0; m < M; ++m) kn_float_rows<4>(d, x + m * ldx, w, k0, k1, n, a(m, n));
    for (; n + L <= end; n += L)
      for (int64_t m = 0; m < M; ++m) kn_float_rows<1>(d, x + m * ldx, w, k0, k1, n, a(m, n));
    for (; n < end; ++n)
      for (int64_t m = 0; m < M; ++m) kn_float_rows<1>(d1, x + m * ldx, w, k0, k1, n, a(m, n));
  }
  for (int64_t m = 0; m < M; ++m) {
    int64_t n = n0;
    for (; n + L <= end; n += L) kn_float_finish(d, w, n, a(m, n), bias, y + m * ldy);
    for (; n < end; ++n) kn_float_finish(d1, w, n, a(m, n), bias, y + m * ldy);
  }
}

constexpr int64_t kNkPrefetchBytes = 4096;

// nk: one column n of one row, a dot product over k (four accumulators, then the lanes and the tail).
HWY_INLINE float nk_dot(const float* x, const PackedWeight& w, int64_t n) {
  const hn::ScalableTag<float> d;
  const int64_t L = int64_t(hn::Lanes(d));
  const int64_t base = n * w.ld;
  auto load = [&](auto dd, int64_t k) { return load_at(dd, w, base + k); };
  auto a0 = hn::Zero(d), a1 = hn::Zero(d), a2 = hn::Zero(d), a3 = hn::Zero(d);
  // Columns lie one after another, so the call streams; prefetching a few KB ahead keeps the stream going across page
  // boundaries, where the hardware prefetcher stops.
  const int64_t es = element_bytes(w.format);
  const uint8_t* ahead = w.data + base * es + kNkPrefetchBytes;
  int64_t k = 0;
  for (; k + 4 * L <= w.K; k += 4 * L) {
    for (int64_t b = 0; b < 4 * L * es; b += 64) __builtin_prefetch(ahead + k * es + b, 0, 2);
    a0 = hn::MulAdd(hn::LoadU(d, x + k), load(d, k), a0);
    a1 = hn::MulAdd(hn::LoadU(d, x + k + L), load(d, k + L), a1);
    a2 = hn::MulAdd(hn::LoadU(d, x + k + 2 * L), load(d, k + 2 * L), a2);
    a3 = hn::MulAdd(hn::LoadU(d, x + k + 3 * L), load(d, k + 3 * L), a3);
  }
  for (; k + L <= w.K; k += L) a0 = hn::MulAdd(hn::LoadU(d, x + k), load(d, k), a0);
  float acc = hn::GetLane(hn::SumOfLanes(d, hn::Add(hn::Add(a0, a1), hn::Add(a2, a3))));
  const hn::CappedTag<float, 1> d1;
  auto t = hn::Set(d1, acc);
  for (; k < w.K; ++k) t = hn::MulAdd(hn::LoadU(d1, x + k), load(d1, k), t);
  return hn::GetLane(t);
}

void GemvCols(const float* x, int64_t M, int64_t ldx, const PackedWeight& w, int64_t n0, int64_t nb, const float* bias,
              float* y, int64_t ldy) {
  if (!w.nk) return kn_cols(x, M, ldx, w, n0, nb, bias, y, ldy);
  for (int64_t n = n0; n < n0 + nb; ++n) {  // column n's weights read once for all rows (from cache after the first)
    for (int64_t m = 0; m < M; ++m) {
      float v = nk_dot(x + m * ldx, w, n);
      if (w.format == WeightFormat::kInt8) v = v * w.scale[size_t(n)];
      if (bias) v = v + bias[n];
      y[m * ldy + n] = v;
    }
  }
}

bool FusesMulAdd() { return HWY_NATIVE_FMA != 0; }

}  // namespace HWY_NAMESPACE
}  // namespace edgevl::qnn::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace edgevl::qnn::kernels {

HWY_EXPORT(GemvCols);
HWY_EXPORT(FusesMulAdd);

void gemv_cols(const float* x, int64_t M, int64_t ldx, const PackedWeight& w, int64_t n0, int64_t nb, const float* bias,
               float* y, int64_t ldy) {
  HWY_DYNAMIC_DISPATCH(GemvCols)(x, M, ldx, w, n0, nb, bias, y, ldy);
}

bool gemv_target_fuses_mul_add() { return HWY_DYNAMIC_DISPATCH(FusesMulAdd)(); }

void gemv(const float* x, int64_t M, int64_t ldx, const PackedWeight& w, const float* bias, float* y, int64_t ldy,
          ThreadPool* pool) {
  const int64_t N = w.N;
  const int threads = pool ? pool->size() : 1;
  // Two chunks per thread, multiples of 128 columns (whole tiles on every target up to 512-bit vectors; an int4 kn
  // row's range then starts on a 64-byte line boundary, so no line is read by two chunks).
  int64_t chunk = N;
  if (threads > 1 && N * w.K >= (1 << 15)) {
    chunk = std::max<int64_t>(128, (N + threads - 1) / threads);
    chunk = (chunk + 127) / 128 * 128;
  }
  const int64_t n_chunks = (N + chunk - 1) / chunk;
  auto run = [&](int64_t i) {
    const int64_t n0 = i * chunk;
    gemv_cols(x, M, ldx, w, n0, std::min(chunk, N - n0), bias, y, ldy);
  };
  if (n_chunks == 1 || !pool) {
    for (int64_t i = 0; i < n_chunks; ++i) run(i);
  } else {
    pool->parallel_for(n_chunks, run);
  }
}

}  // namespace edgevl::qnn::kernels
#endif  // HWY_ONCE
