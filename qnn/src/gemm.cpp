#include "gemm.h"

#include <Eigen/Core>
#include <algorithm>
#include <vector>

#include "edgevl/qnn/half.h"

namespace edgevl::qnn {

namespace {
using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using CMap = Eigen::Map<const RowMat, 0, Eigen::OuterStride<>>;
using MMap = Eigen::Map<RowMat, 0, Eigen::OuterStride<>>;

constexpr int64_t kBlockFloats = 32 * 1024;  // converted B block: 128 KiB, stays in L2

// Reads B(k0.., n0..) block of kb × nb into dst. Row-major [kb, nb] if !trans, else [nb, kb].
void load_block(const GemmB& b, int64_t k0, int64_t kb, int64_t n0, int64_t nb, float* dst) {
  const int64_t rows = b.trans ? nb : kb;
  const int64_t cols = b.trans ? kb : nb;
  const int64_t r0 = b.trans ? n0 : k0;
  const int64_t c0 = b.trans ? k0 : n0;
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t off = (r0 + r) * b.ld + c0;
    float* d = dst + r * cols;
    if (b.dtype == DType::kFloat16) {
      half_to_float_n(static_cast<const uint16_t*>(b.p) + off, d, static_cast<size_t>(cols));
    } else {
      round_to_half_n(static_cast<const float*>(b.p) + off, d, static_cast<size_t>(cols));
    }
  }
}

template <typename AExpr>
void gemm_cols(const AExpr& A, int64_t M, int64_t K, const GemmB& b, int64_t n0, int64_t nb, float* c, int64_t ldc,
               const float* bias) {
  MMap C(c + n0, M, nb, Eigen::OuterStride<>(ldc));
  const bool direct = b.dtype == DType::kFloat32 && !b.round16;
  if (K == 0) {
    C.setZero();
  } else if (direct) {
    const float* p = static_cast<const float*>(b.p);
    if (!b.trans) {
      C.noalias() = A * CMap(p + n0, K, nb, Eigen::OuterStride<>(b.ld));
    } else {
      C.noalias() = A * CMap(p + n0 * b.ld, nb, K, Eigen::OuterStride<>(b.ld)).transpose();
    }
  } else {
    thread_local std::vector<float> scratch;
    const int64_t kb = std::max<int64_t>(16, kBlockFloats / std::max<int64_t>(nb, 1));
    scratch.resize(static_cast<size_t>(std::min(kb, K) * nb));
    for (int64_t k0 = 0; k0 < K; k0 += kb) {
      const int64_t kk = std::min(kb, K - k0);
      load_block(b, k0, kk, n0, nb, scratch.data());
      if (!b.trans) {
        CMap Bb(scratch.data(), kk, nb, Eigen::OuterStride<>(nb));
        if (k0 == 0) C.noalias() = A.middleCols(k0, kk) * Bb;
        else C.noalias() += A.middleCols(k0, kk) * Bb;
      } else {
        CMap Bb(scratch.data(), nb, kk, Eigen::OuterStride<>(kk));
        if (k0 == 0) C.noalias() = A.middleCols(k0, kk) * Bb.transpose();
        else C.noalias() += A.middleCols(k0, kk) * Bb.transpose();
      }
    }
  }
  if (bias) {
    Eigen::Map<const Eigen::RowVectorXf> bv(bias + n0, nb);
    C.rowwise() += bv;
  }
}
}  // namespace

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
  auto run_chunk = [&](int64_t i) {
    const int64_t n0 = i * chunk;
    const int64_t nb = std::min(chunk, N - n0);
    if (!a.trans) {
      CMap A(a.p, M, K, Eigen::OuterStride<>(a.ld));
      gemm_cols(A, M, K, b, n0, nb, c, ldc, bias);
    } else {
      CMap At(a.p, K, M, Eigen::OuterStride<>(a.ld));
      gemm_cols(At.transpose(), M, K, b, n0, nb, c, ldc, bias);
    }
  };
  if (n_chunks == 1 || !pool) {
    for (int64_t i = 0; i < n_chunks; ++i) run_chunk(i);
  } else {
    pool->parallel_for(n_chunks, run_chunk);
  }
}

}  // namespace edgevl::qnn
