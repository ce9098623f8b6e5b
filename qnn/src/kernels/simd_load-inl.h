// Per-target SIMD helpers shared by the kernels (Highway's -inl.h pattern: included once per target from a file that
// includes hwy/foreach_target.h): weight loads as float32 and the int4 nibble split.
#if defined(EDGEVL_QNN_KERNELS_SIMD_LOAD_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef EDGEVL_QNN_KERNELS_SIMD_LOAD_INL_H_
#undef EDGEVL_QNN_KERNELS_SIMD_LOAD_INL_H_
#else
#define EDGEVL_QNN_KERNELS_SIMD_LOAD_INL_H_
#endif

#include <hwy/highway.h>

#include <cmath>

#include "kernels/packed_weight.h"

HWY_BEFORE_NAMESPACE();
namespace edgevl::qnn::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// float32 → the nearest float16 value (round half to even), as float32: edgevl::qnn::round_to_half's rule. Highway's
// DemoteTo truncates on targets without F16C, so the rounding is done here on every target: normal range by integer
// rounding of the mantissa to 10 bits, the float16 subnormal range by adding and removing 0.5 (quantum 2^-24),
// |x| ≥ 65520 → inf, NaN kept.
template <class D>
HWY_INLINE hn::Vec<D> round_to_half(D d, hn::Vec<D> x) {
  const hn::RebindToUnsigned<D> du;
  const auto a = hn::Abs(x);
  auto bits = hn::BitCast(du, a);
  bits = hn::And(hn::Add(bits, hn::Add(hn::Set(du, 0x0FFFu), hn::And(hn::ShiftRight<13>(bits), hn::Set(du, 1u)))),
                 hn::Set(du, 0xFFFFE000u));
  auto r = hn::BitCast(d, bits);
  r = hn::IfThenElse(hn::Lt(a, hn::Set(d, 6.103515625e-05f)), hn::Sub(hn::Add(a, hn::Set(d, 0.5f)), hn::Set(d, 0.5f)), r);
  r = hn::IfThenElse(hn::Ge(a, hn::Set(d, 65520.0f)), hn::Set(d, HUGE_VALF), r);
  return hn::IfThenElse(hn::IsNaN(x), x, hn::CopySignToAbs(r, x));
}

// Loads Lanes(d) weights starting at element e as float32 (float16 → float32, float32 rounded to float16, int8,
// per-tensor codes dequantized exactly as dequantize_values: scale·float(q + offset)).
template <class D>
HWY_INLINE hn::Vec<D> load_at(D d, const PackedWeight& w, int64_t e) {
  switch (w.format) {
    case WeightFormat::kF16: {
      const hn::Rebind<hwy::float16_t, D> dh;
      return hn::PromoteTo(d, hn::LoadU(dh, reinterpret_cast<const hwy::float16_t*>(w.data) + e));
    }
    case WeightFormat::kF32Round16: {
      return round_to_half(d, hn::LoadU(d, reinterpret_cast<const float*>(w.data) + e));
    }
    case WeightFormat::kInt8: {
      const hn::Rebind<int8_t, D> d8;
      const hn::Rebind<int32_t, D> di;
      return hn::ConvertTo(d, hn::PromoteTo(di, hn::LoadU(d8, reinterpret_cast<const int8_t*>(w.data) + e)));
    }
    case WeightFormat::kUInt8Codes: {
      const hn::Rebind<uint8_t, D> d8;
      const hn::Rebind<int32_t, D> di;
      const auto q = hn::Add(hn::PromoteTo(di, hn::LoadU(d8, w.data + e)), hn::Set(di, w.code_offset));
      return hn::Mul(hn::Set(d, w.code_scale), hn::ConvertTo(d, q));
    }
    case WeightFormat::kUInt16Codes: {
      const hn::Rebind<uint16_t, D> d16;
      const hn::Rebind<int32_t, D> di;
      const auto q = hn::Add(hn::PromoteTo(di, hn::LoadU(d16, reinterpret_cast<const uint16_t*>(w.data) + e)),
                             hn::Set(di, w.code_offset));
      return hn::Mul(hn::Set(d, w.code_scale), hn::ConvertTo(d, q));
    }
    default:
      return hn::LoadU(d, reinterpret_cast<const float*>(w.data) + e);
  }
}
template <class D>
HWY_INLINE hn::Vec<D> load_kn(D d, const PackedWeight& w, int64_t k, int64_t n) {
  return load_at(d, w, k * w.ld + n);
}

// int4 pairs: bytes promoted to int32 lanes (zero-extended, 0..255) hold two two's-complement nibbles; the low one is
// the even column. Where a vector holds exactly 16 floats (AVX-512, 512-bit SVE is scalable and excluded), a nibble
// indexes a register holding the 16 int4 values: one permute (and a mask) instead of two shifts and a conversion, the
// same float values.
template <class D>
constexpr bool int4_by_table() {
#if HWY_HAVE_SCALABLE
  return false;
#else
  return hn::MaxLanes(D()) == 16;
#endif
}
template <class D>
HWY_INLINE hn::Vec<D> int4_values(D d) {
  alignas(64) static constexpr float kValues[16] = {0, 1, 2, 3, 4, 5, 6, 7, -8, -7, -6, -5, -4, -3, -2, -1};
  return hn::Load(d, kValues);
}
template <class D, class VI>
HWY_INLINE hn::Vec<D> int4_low(D d, VI v) {
  if constexpr (int4_by_table<D>()) {
    const hn::RebindToSigned<D> di;
    return hn::TableLookupLanes(int4_values(d), hn::IndicesFromVec(d, hn::And(v, hn::Set(di, 15))));
  } else {
    return hn::ConvertTo(d, hn::ShiftRight<28>(hn::ShiftLeft<28>(v)));
  }
}
template <class D, class VI>
HWY_INLINE hn::Vec<D> int4_high(D d, VI v) {
  if constexpr (int4_by_table<D>()) {
    return hn::TableLookupLanes(int4_values(d), hn::IndicesFromVec(d, hn::ShiftRight<4>(v)));
  } else {
    return hn::ConvertTo(d, hn::ShiftRight<28>(hn::ShiftLeft<24>(v)));
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace edgevl::qnn::kernels
HWY_AFTER_NAMESPACE();

#endif  // include guard (per target)
