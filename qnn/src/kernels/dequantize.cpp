// dequantize_block (dequantize.h) in Highway, dispatched at run time like the GEMV kernels.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/dequantize.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include "kernels/dequantize.h"
#include "kernels/simd_load-inl.h"

HWY_BEFORE_NAMESPACE();
namespace edgevl::qnn::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// count elements starting at stored element e (all in one channel n for nk, or consecutive channels from n for kn).
template <class D>
HWY_INLINE void convert_run(D d, const PackedWeight& w, int64_t e, int64_t count, int64_t n, float* dst) {
  const int64_t L = int64_t(hn::Lanes(d));
  const hn::CappedTag<float, 1> d1;
  int64_t i = 0;
  if (w.format == WeightFormat::kInt8 && w.nk) {
    const auto s = hn::Set(d, w.scale[size_t(n)]);
    const auto s1 = hn::Set(d1, w.scale[size_t(n)]);
    for (; i + L <= count; i += L) hn::StoreU(hn::Mul(s, load_at(d, w, e + i)), d, dst + i);
    for (; i < count; ++i) hn::StoreU(hn::Mul(s1, load_at(d1, w, e + i)), d1, dst + i);
  } else if (w.format == WeightFormat::kInt8) {
    for (; i + L <= count; i += L)
      hn::StoreU(hn::Mul(hn::LoadU(d, w.scale.data() + n + i), load_at(d, w, e + i)), d, dst + i);
    for (; i < count; ++i) hn::StoreU(hn::Mul(hn::LoadU(d1, w.scale.data() + n + i), load_at(d1, w, e + i)), d1, dst + i);
  } else {
    for (; i + L <= count; i += L) hn::StoreU(load_at(d, w, e + i), d, dst + i);
    for (; i < count; ++i) hn::StoreU(load_at(d1, w, e + i), d1, dst + i);
  }
}

// LPBQ int4 kn: one row k, columns [n, n + count), n and count even.
template <class D>
HWY_INLINE int64_t int4_pairs(D d, const PackedWeight& w, int64_t k, int64_t n, int64_t count, float* dst) {
  const hn::Rebind<uint8_t, D> d8;
  const hn::Rebind<int32_t, D> di;
  const int64_t L = int64_t(hn::Lanes(d));
  const int64_t half = w.N / 2, b = k / w.block_size;
  const uint8_t* row = w.data + (k * w.ld + n) / 2;
  int64_t i = 0;
  for (; i + 2 * L <= count; i += 2 * L) {
    const int64_t j = (n + i) / 2;
    const auto v = hn::PromoteTo(di, hn::LoadU(d8, row + i / 2));
    const auto me = hn::ConvertTo(d, hn::PromoteTo(di, hn::LoadU(d8, w.mult_even.data() + b * half + j)));
    const auto mo = hn::ConvertTo(d, hn::PromoteTo(di, hn::LoadU(d8, w.mult_odd.data() + b * half + j)));
    const auto se = hn::Mul(hn::LoadU(d, w.scale_even.data() + j), me);  // S_n·m(n, b) in float32
    const auto so = hn::Mul(hn::LoadU(d, w.scale_odd.data() + j), mo);
    const auto qe = int4_low(d, v);
    const auto qo = int4_high(d, v);
    hn::StoreInterleaved2(hn::Mul(se, qe), hn::Mul(so, qo), d, dst + i);
  }
  return i;
}

void DequantizeBlock(const PackedWeight& w, int64_t k0, int64_t kb, int64_t n0, int64_t nb, float* dst) {
  const hn::ScalableTag<float> d;
  const hn::CappedTag<float, 1> d1;
  if (w.nk) {
    for (int64_t n = n0; n < n0 + nb; ++n) convert_run(d, w, n * w.ld + k0, kb, n, dst + (n - n0) * kb);
    return;
  }
  for (int64_t k = k0; k < k0 + kb; ++k) {
    float* out = dst + (k - k0) * nb;
    if (w.format == WeightFormat::kInt4Lpbq) {  // n0, nb even
      const int64_t done = int4_pairs(d, w, k, n0, nb, out);
      for (int64_t i = done; i < nb; i += 2) int4_pairs(d1, w, k, n0 + i, 2, out + i);
    } else {
      convert_run(d, w, k * w.ld + n0, nb, n0, out);
    }
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace edgevl::qnn::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace edgevl::qnn::kernels {
HWY_EXPORT(DequantizeBlock);
void dequantize_block(const PackedWeight& w, int64_t k0, int64_t kb, int64_t n0, int64_t nb, float* dst) {
  HWY_DYNAMIC_DISPATCH(DequantizeBlock)(w, k0, kb, n0, nb, dst);
}
}  // namespace edgevl::qnn::kernels
#endif  // HWY_ONCE
