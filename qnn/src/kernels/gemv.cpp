// GEMV kernels (gemv.h) in Highway: one source compiled for every SIMD target Highway attains on this architecture
// (x86: SSSE3, SSE4, AVX2, AVX-512, AVX-512 VNNI/DL; Arm: NEON, SVE) and picked at run time for the CPU.
//
// kn layout: vector lanes are output columns, each lane accumulates over k in order (the reference's order), four
// independent accumulators per tile for instruction-level parallelism. int4 rows are read as bytes; byte j holds
// columns 2j (low nibble) and 2j+1 (high nibble), so one byte vector gives an even-column and an odd-column vector,
// which is why pack_weight() splits LPBQ's per-channel data into even and odd halves. nk layout: per column a dot
// product over k across lanes.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/gemv.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <algorithm>

#include "kernels/gemv.h"
#include "kernels/simd_load-inl.h"
#include "thread_pool.h"

HWY_BEFORE_NAMESPACE();
namespace edgevl::qnn::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Float/int8 kn: columns [n, n + U·Lanes(d)) of one row of y.
template <int U, class D>
HWY_INLINE void kn_float_tile(D d, const float* x, const PackedWeight& w, int64_t n, float* y, const float* bias) {
  const size_t L = hn::Lanes(d);
  auto a0 = hn::Zero(d), a1 = hn::Zero(d), a2 = hn::Zero(d), a3 = hn::Zero(d);
  for (int64_t k = 0; k < w.K; ++k) {
    const auto xk = hn::Set(d, x[k]);
    a0 = hn::MulAdd(xk, load_kn(d, w, k, n), a0);
    if constexpr (U > 1) a1 = hn::MulAdd(xk, load_kn(d, w, k, n + int64_t(L)), a1);
    if constexpr (U > 2) a2 = hn::MulAdd(xk, load_kn(d, w, k, n + 2 * int64_t(L)), a2);
    if constexpr (U > 3) a3 = hn::MulAdd(xk, load_kn(d, w, k, n + 3 * int64_t(L)), a3);
  }
  auto finish = [&](hn::Vec<D> a, int64_t c) {
    if (w.format == WeightFormat::kInt8) a = hn::Mul(a, hn::LoadU(d, w.scale.data() + c));
    if (bias) a = hn::Add(a, hn::LoadU(d, bias + c));
    hn::StoreU(a, d, y + c);
  };
  finish(a0, n);
  if constexpr (U > 1) finish(a1, n + int64_t(L));
  if constexpr (U > 2) finish(a2, n + 2 * int64_t(L));
  if constexpr (U > 3) finish(a3, n + 3 * int64_t(L));
}

// LPBQ int4 kn: columns [n, n + P·2·Lanes(d)) (P pairs of even/odd vectors) of one row of y; n even.
template <int P, class D>
HWY_INLINE void kn_int4_tile(D d, const float* x, const PackedWeight& w, int64_t n, float* y, const float* bias) {
  const hn::Rebind<uint8_t, D> d8;
  const hn::Rebind<int32_t, D> di;
  const size_t L = hn::Lanes(d);
  const int64_t half = w.N / 2, j = n / 2;
  auto te0 = hn::Zero(d), to0 = hn::Zero(d), te1 = hn::Zero(d), to1 = hn::Zero(d);
  for (int64_t k0 = 0, b = 0; k0 < w.K; k0 += w.block_size, ++b) {
    auto be0 = hn::Zero(d), bo0 = hn::Zero(d), be1 = hn::Zero(d), bo1 = hn::Zero(d);
    for (int64_t k = k0; k < k0 + w.block_size; ++k) {
      const uint8_t* row = w.data + (k * w.ld + n) / 2;
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
    auto mult = [&](const std::vector<uint8_t>& m, size_t off) {
      return hn::ConvertTo(d, hn::PromoteTo(di, hn::LoadU(d8, m.data() + b * half + j + int64_t(off))));
    };
    te0 = hn::MulAdd(be0, mult(w.mult_even, 0), te0);
    to0 = hn::MulAdd(bo0, mult(w.mult_odd, 0), to0);
    if constexpr (P > 1) {
      te1 = hn::MulAdd(be1, mult(w.mult_even, L), te1);
      to1 = hn::MulAdd(bo1, mult(w.mult_odd, L), to1);
    }
  }
  auto finish = [&](hn::Vec<D> e, hn::Vec<D> o, size_t off) {
    e = hn::Mul(e, hn::LoadU(d, w.scale_even.data() + j + int64_t(off)));
    o = hn::Mul(o, hn::LoadU(d, w.scale_odd.data() + j + int64_t(off)));
    float* out = y + n + 2 * int64_t(off);
    hn::StoreInterleaved2(e, o, d, out);
    if (bias) {  // the pair's 2·Lanes(d) columns, now in natural order
      const float* bp = bias + n + 2 * int64_t(off);
      hn::StoreU(hn::Add(hn::LoadU(d, out), hn::LoadU(d, bp)), d, out);
      hn::StoreU(hn::Add(hn::LoadU(d, out + L), hn::LoadU(d, bp + L)), d, out + L);
    }
  };
  finish(te0, to0, 0);
  if constexpr (P > 1) finish(te1, to1, L);
}

// nk: one column n of one row, a dot product over k (four accumulators, then the lanes and the tail).
HWY_INLINE float nk_dot(const float* x, const PackedWeight& w, int64_t n) {
  const hn::ScalableTag<float> d;
  const int64_t L = int64_t(hn::Lanes(d));
  const int64_t base = n * w.ld;
  auto load = [&](auto dd, int64_t k) { return load_at(dd, w, base + k); };
  auto a0 = hn::Zero(d), a1 = hn::Zero(d), a2 = hn::Zero(d), a3 = hn::Zero(d);
  int64_t k = 0;
  for (; k + 4 * L <= w.K; k += 4 * L) {
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
  const hn::ScalableTag<float> d;
  const hn::CappedTag<float, 1> d1;
  const int64_t L = int64_t(hn::Lanes(d));
  const int64_t end = n0 + nb;
  for (int64_t m = 0; m < M; ++m) {
    const float* xr = x + m * ldx;
    float* yr = y + m * ldy;
    if (w.nk) {
      for (int64_t n = n0; n < end; ++n) {
        float v = nk_dot(xr, w, n);
        if (w.format == WeightFormat::kInt8) v = v * w.scale[size_t(n)];
        if (bias) v = v + bias[n];
        yr[n] = v;
      }
      continue;
    }
    int64_t n = n0;
    if (w.format == WeightFormat::kInt4Lpbq) {  // n0 and nb even (whole pairs of columns)
      for (; n + 4 * L <= end; n += 4 * L) kn_int4_tile<2>(d, xr, w, n, yr, bias);
      for (; n + 2 * L <= end; n += 2 * L) kn_int4_tile<1>(d, xr, w, n, yr, bias);
      for (; n + 2 <= end; n += 2) kn_int4_tile<1>(d1, xr, w, n, yr, bias);
    } else {
      for (; n + 4 * L <= end; n += 4 * L) kn_float_tile<4>(d, xr, w, n, yr, bias);
      for (; n + L <= end; n += L) kn_float_tile<1>(d, xr, w, n, yr, bias);
      for (; n < end; ++n) kn_float_tile<1>(d1, xr, w, n, yr, bias);
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
  // Chunks of 64 columns (whole tiles on every target up to 512-bit vectors), about 4 per thread for balance.
  int64_t chunk = N;
  if (threads > 1 && N * w.K >= (1 << 15)) {
    chunk = std::max<int64_t>(64, (N + threads * 4 - 1) / (threads * 4));
    chunk = (chunk + 63) / 64 * 64;
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
