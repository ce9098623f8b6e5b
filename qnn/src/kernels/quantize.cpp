// quantize_codes / dequantize_codes (quantize.h) in Highway, dispatched at run time like the GEMV kernels. Highway's
// Round rounds half to even, as std::nearbyint does in the default rounding mode.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/quantize.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include "kernels/quantize.h"

HWY_BEFORE_NAMESPACE();
namespace edgevl::qnn::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <class D, typename Q>
HWY_INLINE void quantize_lanes(D d, const float* x, float scale, int32_t offset, Q* out) {
  const hn::Rebind<int32_t, D> di;
  const hn::Rebind<Q, D> dq;
  const float qmax = float((uint32_t{1} << (8 * sizeof(Q))) - 1);
  auto v = hn::LoadU(d, x);
  v = hn::IfThenZeroElse(hn::IsNaN(v), v);
  auto q = hn::Sub(hn::Round(hn::Div(v, hn::Set(d, scale))), hn::Set(d, float(offset)));
  q = hn::Min(hn::Max(q, hn::Zero(d)), hn::Set(d, qmax));
  hn::StoreU(hn::DemoteTo(dq, hn::ConvertTo(di, q)), dq, out);
}

template <class D, typename Q>
HWY_INLINE void dequantize_lanes(D d, const Q* q, float scale, int32_t offset, float* out) {
  const hn::Rebind<int32_t, D> di;
  const hn::Rebind<Q, D> dq;
  const auto v = hn::ConvertTo(d, hn::Add(hn::PromoteTo(di, hn::LoadU(dq, q)), hn::Set(di, offset)));
  hn::StoreU(hn::Mul(hn::Set(d, scale), v), d, out);
}

template <typename Q>
void quantize_as(const float* x, size_t n, float scale, int32_t offset, Q* out) {
  const hn::ScalableTag<float> d;
  const hn::CappedTag<float, 1> d1;
  const size_t L = hn::Lanes(d);
  size_t i = 0;
  for (; i + L <= n; i += L) quantize_lanes(d, x + i, scale, offset, out + i);
  for (; i < n; ++i) quantize_lanes(d1, x + i, scale, offset, out + i);
}

template <typename Q>
void dequantize_as(const Q* q, size_t n, float scale, int32_t offset, float* out) {
  const hn::ScalableTag<float> d;
  const hn::CappedTag<float, 1> d1;
  const size_t L = hn::Lanes(d);
  size_t i = 0;
  for (; i + L <= n; i += L) dequantize_lanes(d, q + i, scale, offset, out + i);
  for (; i < n; ++i) dequantize_lanes(d1, q + i, scale, offset, out + i);
}

void QuantizeCodes(const float* x, size_t n, float scale, int32_t offset, int bits, void* out) {
  if (bits == 16) return quantize_as(x, n, scale, offset, static_cast<uint16_t*>(out));
  quantize_as(x, n, scale, offset, static_cast<uint8_t*>(out));
}

void DequantizeCodes(const void* q, size_t n, float scale, int32_t offset, int bits, float* out) {
  if (bits == 16) return dequantize_as(static_cast<const uint16_t*>(q), n, scale, offset, out);
  dequantize_as(static_cast<const uint8_t*>(q), n, scale, offset, out);
}

}  // namespace HWY_NAMESPACE
}  // namespace edgevl::qnn::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace edgevl::qnn::kernels {
HWY_EXPORT(QuantizeCodes);
HWY_EXPORT(DequantizeCodes);
void quantize_codes(const float* x, size_t n, float scale, int32_t offset, int bits, void* out) {
  HWY_DYNAMIC_DISPATCH(QuantizeCodes)(x, n, scale, offset, bits, out);
}
void dequantize_codes(const void* q, size_t n, float scale, int32_t offset, int bits, float* out) {
  HWY_DYNAMIC_DISPATCH(DequantizeCodes)(q, n, scale, offset, bits, out);
}
}  // namespace edgevl::qnn::kernels
#endif  // HWY_ONCE
