// Block dequantization of a packed weight into float32 (internal): the GEMM path (many rows: prefill, the ViT)
// converts the weight block by block into an L2-sized scratch and multiplies there. Values are exactly those of
// edgevl::qnn::dequantize_weight_range (w8: scale_n·q; LPBQ: (S_n·m(n, b))·q, the product in float32), of
// half_to_float for float16 and of round_to_half for float32 read in FP16 mode.
#pragma once

#include <cstdint>

#include "kernels/packed_weight.h"

namespace edgevl::qnn::kernels {

/// kn: dst [kb, nb] row-major = B(k0.., n0..); nk: dst [nb, kb] = Bᵀ(n0.., k0..) (rows of the stored [N, K]).
/// For kF32 it copies. On the best SIMD target of the CPU.
void dequantize_block(const PackedWeight& w, int64_t k0, int64_t kb, int64_t n0, int64_t nb, float* dst);

}  // namespace edgevl::qnn::kernels
