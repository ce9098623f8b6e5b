// The GEMM kernel built for AVX-512 (F, DQ, VL, BW with FMA; selected at run time by gemm.cpp when the CPU has them):
// Eigen's 16-lane kernels, twice the multiply-adds per instruction of the AVX2 build. Eigen's namespace is renamed in
// this translation unit, as in gemm_avx2.cpp, so its templates cannot replace the other builds' at link time.
#if defined(EDGEVL_QNN_AVX2)
#define Eigen edgevl_eigen_avx512
#define GEMM_KERNEL_NAME gemm_cols_avx512
#include "gemm_kernel.inc"
#endif
