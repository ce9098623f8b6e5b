// IEEE 754 binary16 ("float16") conversions, round-to-nearest-even, as the HTP's FP16 mode and numpy's float16 do.
// Uses the CPU's F16C instructions when present (checked at run time), a bit-exact scalar path otherwise.
#pragma once

#include <cstddef>
#include <cstdint>

namespace edgevl::qnn {

/// float → binary16 bits, round to nearest even; overflow → ±inf, NaN stays NaN.
uint16_t float_to_half(float value);
/// binary16 bits → float (exact).
float half_to_float(uint16_t bits);
/// The float nearest to `value` that a float16 can hold: half_to_float(float_to_half(value)).
float round_to_half(float value);

/// Bulk forms over n elements (n may be 0). `in` and `out` may alias for round_to_half_n.
void half_to_float_n(const uint16_t* in, float* out, size_t n);
void float_to_half_n(const float* in, uint16_t* out, size_t n);
void round_to_half_n(const float* in, float* out, size_t n);

}  // namespace edgevl::qnn
