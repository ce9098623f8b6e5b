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
using GemmCols = void (*)(int64_t, int64_t, const GemmA&, const GemmB&, int64_t, int64_t, float*, int64_t, const float*,
                          float*);
// The best build of the kernel for this CPU: AVX-512, else AVX2+FMA, else the baseline. EDGEVL_QNN_BASELINE_GEMM=1
// forces the baseline (to test it on machines with the others).
GemmCols pick_gemm_cols() {
#if defined(EDGEVL_QNN_AVX2)
  if (std::getenv("EDGEVL_QNN_BASELINE_GEMM") != nullptr) return gemm_cols_baseline;
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512bw"))
    return gemm_cols_avx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return gemm_cols_avx2;
#endif
  return gemm_cols_baseline;
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
  static const GemmCols cols = pick_gemm_cols();
  auto run_chunk = [&](int64_t i) {
    const int64_t n0 = i * chunk;
    const int64_t nb = std::min(chunk, N - n0);
    thread_local std::vector<float> scratch;
    const bool convert = !(b.dtype == DType::kFloat32 && !b.round16);
    if (convert) scratch.resize(static_cast<size_t>(gemm_scratch_floats(K, nb, b.trans)));
    cols(M, K, a, b, n0, nb, c, ldc, bias, scratch.data());
  };
  if (n_chunks == 1 || !pool) {
    for (int64_t i = 0; i < n_chunks; ++i) run_chunk(i);
  } else {
    pool->parallel_for(n_chunks, run_chunk);
  }
}

}  // namespace edgevl::qnn
