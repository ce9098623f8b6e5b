// The scalar definition of the GEMV kernels' semantics (gemv.h): one output element at a time, k in order, std::fma.
#include <cmath>

#include "edgevl/qnn/half.h"
#include "kernels/gemv.h"

namespace edgevl::qnn::kernels {

namespace {

int int4_at(const uint8_t* data, int64_t e) {
  const int nib = (data[e >> 1] >> ((e & 1) * 4)) & 0xF;
  return nib >= 8 ? nib - 16 : nib;
}

float weight_at(const PackedWeight& w, int64_t k, int64_t n) {
  const int64_t e = w.nk ? n * w.ld + k : k * w.ld + n;
  switch (w.format) {
    case WeightFormat::kF32: return reinterpret_cast<const float*>(w.data)[e];
    case WeightFormat::kF32Round16: return half_to_float(float_to_half(reinterpret_cast<const float*>(w.data)[e]));
    case WeightFormat::kF16: return half_to_float(reinterpret_cast<const uint16_t*>(w.data)[e]);
    case WeightFormat::kInt8: return float(int8_t(w.data[e]));
    case WeightFormat::kInt4Lpbq: return float(int4_at(w.data, e));
    case WeightFormat::kUInt8Codes: return w.code_scale * float(int32_t(w.data[e]) + w.code_offset);
    case WeightFormat::kUInt16Codes:
      return w.code_scale * float(int32_t(reinterpret_cast<const uint16_t*>(w.data)[e]) + w.code_offset);
  }
  return 0.0f;
}

float multiplier(const PackedWeight& w, int64_t n, int64_t b) {
  const int64_t half = w.N / 2;
  return float((n % 2 ? w.mult_odd : w.mult_even)[size_t(b * half + n / 2)]);
}
float lpbq_scale(const PackedWeight& w, int64_t n) { return (n % 2 ? w.scale_odd : w.scale_even)[size_t(n / 2)]; }

}  // namespace

void gemv_reference(const float* x, int64_t M, int64_t ldx, const PackedWeight& w, int64_t n0, int64_t nb,
                    const float* bias, float* y, int64_t ldy) {
  for (int64_t m = 0; m < M; ++m) {
    const float* xr = x + m * ldx;
    for (int64_t n = n0; n < n0 + nb; ++n) {
      float out = 0.0f;
      if (w.format == WeightFormat::kInt4Lpbq) {
        float tot = 0.0f;
        for (int64_t k0 = 0; k0 < w.K; k0 += w.block_size) {
          float blk = 0.0f;
          for (int64_t k = k0; k < k0 + w.block_size; ++k) blk = std::fma(xr[k], weight_at(w, k, n), blk);
          tot = std::fma(blk, multiplier(w, n, k0 / w.block_size), tot);
        }
        out = tot * lpbq_scale(w, n);
      } else {
        float acc = 0.0f;
        for (int64_t k = 0; k < w.K; ++k) acc = std::fma(xr[k], weight_at(w, k, n), acc);
        out = w.format == WeightFormat::kInt8 ? acc * w.scale[size_t(n)] : acc;
      }
      if (bias) out = out + bias[n];
      y[m * ldy + n] = out;
    }
  }
}

}  // namespace edgevl::qnn::kernels
