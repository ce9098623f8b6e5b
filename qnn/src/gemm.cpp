#include "gemm.h"

#include <algorithm>
#include <cstdlib>
#include <vector>

#define GEMM_KERNEL_NAME gemm_cols_baseline
#include "gemm_kernel.inc"
#undef GEMM_KERNEL_NAME

#include "edgevl/qnn/quant.h"

namespace edgevl::qnn {

void gemm_dequant_run(const GemmB& b, int64_t flat, int64_t count, float* dst) {
  dequantize_weight_range(static_cast<const uint8_t*>(b.p), b.dtype, *b.quant, *b.shape, flat, count, dst);
}

namespace {
bool use_avx2() {
#if defined(EDGEVL_QNN_AVX2)
  // EDGEVL_QNN_BASELINE_GEMM=1 forces the baseline kernel (to test it on AVX2 machines).
  static const bool v = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                        std::getenv("EDGEVL_QNN_BASELINE_GEMM") == nullptr;
  return v;
#else
  return false;
#endif
}
}  // namespace

int64_t gemm_block_rows(int64_t nb) { return std::max<int64_t>(16, kGemmBlockFloats / std::max<int64_t>(nb, 1)); }

int64_t gemm_scratch_floats(int64_t K, int64_t nb, bool trans) {
  if (!trans) return std::min(gemm_block_rows(nb), K) * nb;
  const int64_t jb = std::min(gemm_trans_block_cols(K), nb);
  return jb * std::min(K, kGemmBlockFloats / std::max<int64_t>(jb, 1));
}

void gemm(int64_t M, int64_t N, int64_t K, const GemmA& a, const GemmB& b, float* c, int64_t ldc, const float* bias,
          ThreadPool* pool) {
  if (M == 0 || N == 0) return;
  const int threads = pool ? pool->size() : 1;
  // Column chunks: at least 4 per thread for balance, multiples of 16 columns, ≥ 64 columns unless N is small.
  int64_t chunk = N;
  if (threads > 1 && M * N * K >= (1 << 16)) {
    chunk = std::max<int64_t>(64, (N + threads * 4 - 1) / (threads * 4));
    chunk = (chunk + 15) / 16 * 16;
  }
  const int64_t n_chunks = (N + chunk - 1) / chunk;
  const bool avx2 = use_avx2();
  auto run_chunk = [&](int64_t i) {
    const int64_t n0 = i * chunk;
    const int64_t nb = std::min(chunk, N - n0);
    thread_local std::vector<float> scratch;
    const bool convert = !(b.dtype == DType::kFloat32 && !b.round16);
    if (convert) scratch.resize(static_cast<size_t>(gemm_scratch_floats(K, nb, b.trans)));
#if defined(EDGEVL_QNN_AVX2)
    if (avx2) return gemm_cols_avx2(M, K, a, b, n0, nb, c, ldc, bias, scratch.data());
#endif
    gemm_cols_baseline(M, K, a, b, n0, nb, c, ldc, bias, scratch.data());
  };
  (void)avx2;
  if (n_chunks == 1 || !pool) {
    for (int64_t i = 0; i < n_chunks; ++i) run_chunk(i);
  } else {
    pool->parallel_for(n_chunks, run_chunk);
  }
}

}  // namespace edgevl::qnn
