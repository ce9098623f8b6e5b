// The scalar definition of the per-tensor code conversions (quantize.h).
#include <algorithm>
#include <cmath>

#include "kernels/quantize.h"

namespace edgevl::qnn::kernels {

namespace {
template <typename Q>
void quantize_as(const float* x, size_t n, float scale, int32_t offset, Q* out) {
  const float qmax = float((uint32_t{1} << (8 * sizeof(Q))) - 1), off = float(offset);
  for (size_t i = 0; i < n; ++i) {
    const float v = std::isnan(x[i]) ? 0.0f : x[i];
    out[i] = Q(std::clamp(std::nearbyint(v / scale) - off, 0.0f, qmax));
  }
}
template <typename Q>
void dequantize_as(const Q* q, size_t n, float scale, int32_t offset, float* out) {
  for (size_t i = 0; i < n; ++i) out[i] = scale * float(int32_t(q[i]) + offset);
}
}  // namespace

void quantize_codes_reference(const float* x, size_t n, float scale, int32_t offset, int bits, void* out) {
  if (bits == 16) return quantize_as(x, n, scale, offset, static_cast<uint16_t*>(out));
  quantize_as(x, n, scale, offset, static_cast<uint8_t*>(out));
}

void dequantize_codes_reference(const void* q, size_t n, float scale, int32_t offset, int bits, float* out) {
  if (bits == 16) return dequantize_as(static_cast<const uint16_t*>(q), n, scale, offset, out);
  dequantize_as(static_cast<const uint8_t*>(q), n, scale, offset, out);
}

}  // namespace edgevl::qnn::kernels
