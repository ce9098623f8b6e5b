// GEMV / small-M GEMM straight from a packed weight (internal): y[m, n] = Σ_k x[m, k]·B(k, n) (+ bias[n]) for the
// few-row products of decode (one token) — memory-bound, so each weight byte is read once per call and decoded in
// registers (int4/int8/float16 → float32); no dequantized copy of a weight exists.
//
// Semantics, per output element (gemv_reference computes exactly this; the SIMD kernels compute it lane-wise for kn,
// so on targets with a fused multiply-add they are bit-identical to it; nk sums k across lanes, so it matches the
// reference within float rounding of the reordered sum):
//   float: acc = fma(x_k, w_kn, acc) over k = 0..K-1 (w rounded to float16 first for kF32Round16)
//   kInt8: acc as float over q_kn; y = acc · scale_n
//   per-tensor codes: as float over w_kn = scale·float(q_kn + offset) (dequantize_values' value)
//   kInt4Lpbq: per block b: blk = fma(x_k, q_kn, blk) over its k; tot = fma(blk, m(n, b), tot); y = tot · S_n
//   then y = y + bias_n when bias is given.
#pragma once

#include <cstdint>

#include "kernels/packed_weight.h"

namespace edgevl::qnn {
class ThreadPool;
}

namespace edgevl::qnn::kernels {

/// Rows up to which gemv() is the faster path than dequantize-and-GEMM (each call reads the weight once per 4 rows).
constexpr int64_t kGemvMaxRows = 4;

/// Columns [n0, n0 + nb) of y [M, N] (row stride ldy) for x [M, K] (row stride ldx), on the best SIMD target of the CPU
/// (Highway dynamic dispatch). Single-threaded.
void gemv_cols(const float* x, int64_t M, int64_t ldx, const PackedWeight& w, int64_t n0, int64_t nb, const float* bias,
               float* y, int64_t ldy);
/// All columns, split across `pool` (null: serial) in chunks of whole SIMD tiles.
void gemv(const float* x, int64_t M, int64_t ldx, const PackedWeight& w, const float* bias, float* y, int64_t ldy,
          ThreadPool* pool);
/// The plain scalar definition of the semantics above (std::fma), for tests.
void gemv_reference(const float* x, int64_t M, int64_t ldx, const PackedWeight& w, int64_t n0, int64_t nb,
                    const float* bias, float* y, int64_t ldy);
/// Whether the SIMD target gemv_cols runs on now fuses multiply-add (then kn results equal gemv_reference exactly).
bool gemv_target_fuses_mul_add();

}  // namespace edgevl::qnn::kernels
