// GEMM for the emulator (internal): C[M,N] = A[M,K] · B[K,N] (+ bias[N]), Eigen kernels, B optionally float16 or
// rounded to float16 on the fly in blocks (no full float copy of a weight is ever made).
#pragma once

#include <cstdint>

#include "edgevl/qnn/dtype.h"
#include "thread_pool.h"

namespace edgevl::qnn {

/// Logical A [M, K] over float32 memory: A(i,k) = p[i*ld + k], or p[k*ld + i] if trans.
struct GemmA {
  const float* p;
  int64_t ld;
  bool trans;
};
/// Logical B [K, N]: B(k,n) = p[k*ld + n], or p[n*ld + k] if trans. dtype float32 or float16; round16 rounds float32
/// values to float16 as they are read (FP16 mode over a float32 constant).
struct GemmB {
  const void* p;
  DType dtype;
  int64_t ld;
  bool trans;
  bool round16;
};

/// C (row-major, leading dimension ldc) = A·B + bias. pool may be null (serial). Splits N across the pool's threads.
void gemm(int64_t M, int64_t N, int64_t K, const GemmA& a, const GemmB& b, float* c, int64_t ldc, const float* bias,
          ThreadPool* pool);

}  // namespace edgevl::qnn
