// Per-tensor codes (QNN SCALE_OFFSET, real = scale·(q + offset)) from float32 and back, vectorized (internal): the
// requantize wrapper of every quantized op and the KV cache run these on whole activations.
//
// Semantics, element for element (quantize_codes_reference / dequantize_codes_reference compute exactly this, and the
// SIMD kernels equal them bit for bit on every target):
//   quantize:   q = clamp(round_half_even(x / scale) − offset, 0, 2^bits − 1), NaN read as 0
//   dequantize: x = scale · float(q + offset)
#pragma once

#include <cstddef>
#include <cstdint>

namespace edgevl::qnn::kernels {

/// `bits` 8 (uint8 codes) or 16 (uint16 codes); scale > 0 (a validated encoding). On the best SIMD target of the CPU.
void quantize_codes(const float* x, size_t n, float scale, int32_t offset, int bits, void* out);
void dequantize_codes(const void* q, size_t n, float scale, int32_t offset, int bits, float* out);

/// The plain scalar definitions, for tests.
void quantize_codes_reference(const float* x, size_t n, float scale, int32_t offset, int bits, void* out);
void dequantize_codes_reference(const void* q, size_t n, float scale, int32_t offset, int bits, float* out);

}  // namespace edgevl::qnn::kernels
