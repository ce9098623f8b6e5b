// GEMM for the emulator (internal): C[M,N] = A[M,K] · B[K,N] (+ bias[N]), Eigen kernels, B optionally float16 or
// rounded to float16 on the fly in blocks (no full float copy of a weight is ever made).
#pragma once

#include <cstdint>
#include <vector>

#include "edgevl/qnn/dtype.h"
#include "thread_pool.h"

namespace edgevl::qnn {

/// Logical A [M, K] over float32 memory: A(i,k) = p[i*ld + k], or p[k*ld + i] if trans.
struct GemmA {
  const float* p;
  int64_t ld;
  bool trans;
};
struct QuantEncoding;
namespace kernels {
struct PackedWeight;
}

/// Logical B [K, N]: B(k,n) = p[k*ld + n], or p[n*ld + k] if trans. dtype float32 or float16; round16 rounds float32
/// values to float16 as they are read (FP16 mode over a float32 constant). A quantized weight (int8 w8 / int4 LPBQ)
/// sets `quant` and `shape` (the stored tensor's; p is its first element) and is dequantized block by block.
struct GemmB {
  const void* p;
  DType dtype;
  int64_t ld;
  bool trans;
  bool round16;
  const QuantEncoding* quant = nullptr;
  const std::vector<int64_t>* shape = nullptr;
  /// The same weight prepared for the SIMD kernels (emulator prepare): blocks are converted by
  /// kernels::dequantize_block, to the same values.
  const kernels::PackedWeight* packed = nullptr;
};

/// Dequantizes `count` consecutive stored elements of a quantized B starting at flat element `flat` into dst.
void gemm_dequant_run(const GemmB& b, int64_t flat, int64_t count, float* dst);

/// Rows of B converted per block for a chunk of nb columns (block = kGemmBlockFloats floats, 128 KiB, stays in L2).
constexpr int64_t kGemmBlockFloats = 32 * 1024;
int64_t gemm_block_rows(int64_t nb);
/// Transposed B: output columns per converted block (each block = that many whole rows of Bᵀ, or 16 rows of
/// kGemmBlockFloats/16 when K is larger than a block holds).
constexpr int64_t gemm_trans_block_cols(int64_t K) {
  return K >= 1 && K * 16 <= kGemmBlockFloats ? kGemmBlockFloats / K : 16;
}
/// Scratch floats gemm_cols_* needs for a chunk of nb columns over K when B needs conversion.
int64_t gemm_scratch_floats(int64_t K, int64_t nb, bool trans);

/// One chunk of columns [n0, n0+nb) of C = A·B + bias; scratch holds gemm_scratch_floats(K, nb, b.trans) floats when B
/// needs conversion. Baseline build and (x86-64) AVX2+FMA and AVX-512 builds of the same code.
void gemm_cols_baseline(int64_t M, int64_t K, const GemmA& a, const GemmB& b, int64_t n0, int64_t nb, float* c,
                        int64_t ldc, const float* bias, float* scratch);
void gemm_cols_avx2(int64_t M, int64_t K, const GemmA& a, const GemmB& b, int64_t n0, int64_t nb, float* c,
                    int64_t ldc, const float* bias, float* scratch);
void gemm_cols_avx512(int64_t M, int64_t K, const GemmA& a, const GemmB& b, int64_t n0, int64_t nb, float* c,
                      int64_t ldc, const float* bias, float* scratch);

/// C (row-major, leading dimension ldc) = A·B + bias. pool may be null (serial). Splits N across the pool's threads.
void gemm(int64_t M, int64_t N, int64_t K, const GemmA& a, const GemmB& b, float* c, int64_t ldc, const float* bias,
          ThreadPool* pool);

}  // namespace edgevl::qnn
