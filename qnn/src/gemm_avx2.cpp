// The GEMM kernel built for AVX2+FMA (selected at run time by gemm.cpp when the CPU has both). Eigen's namespace is
// renamed in this translation unit so none of its AVX2-compiled templates can replace the baseline ones at link time.
#if defined(EDGEVL_QNN_AVX2)
#define Eigen edgevl_eigen_avx2
#define GEMM_KERNEL_NAME gemm_cols_avx2
#include "gemm_kernel.inc"
#endif
