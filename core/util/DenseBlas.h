// DenseBlas.h — float64 matrix products through OpenBLAS, and the machine's float64 GEMM rate.
// In: Eigen matrices (column-major), whether each factor is transposed, a scale. Out: C = α·op(A)·op(B).
// Why: the build compiles Eigen for baseline x86-64 (SSE2); OpenBLAS dispatches at run time to the
// CPU's widest kernels (AVX2/AVX-512), measured 2.5–3.5× faster for the finite network's products.
// `SingleThreadedBlas` holds OpenBLAS at one thread while oneTBB runs several products at once (the
// products then parallelise over tasks, not inside BLAS).
// Thread-safety: gemm is re-entrant; SingleThreadedBlas changes OpenBLAS's global thread count.
#pragma once
#include <Eigen/Dense>

namespace ntk {

/// C = alpha·op(A)·op(B) (C resized). Sizes must agree (checked with an InputError).
void gemm(const Eigen::MatrixXd& A, bool transposeA, const Eigen::MatrixXd& B, bool transposeB, Eigen::MatrixXd& C,
          double alpha = 1.0);
/// C += alpha·op(A)·op(B) (C must already have the product's size).
void gemmAccumulate(const Eigen::MatrixXd& A, bool transposeA, const Eigen::MatrixXd& B, bool transposeB,
                    Eigen::MatrixXd& C, double alpha = 1.0);

/// OpenBLAS's thread count, held at 1 for this object's life (restored afterwards).
class SingleThreadedBlas {
public:
  SingleThreadedBlas();
  ~SingleThreadedBlas();
  SingleThreadedBlas(const SingleThreadedBlas&) = delete;
  SingleThreadedBlas& operator=(const SingleThreadedBlas&) = delete;

private:
  int m_saved;
};

/// The machine's float64 GEMM rate: the median GFLOP/s (2n³ flops per product) of `repeats` n by n
/// products. `blas` = true: OpenBLAS dgemm with its current thread count (all cores unless --threads);
/// false: Eigen's own product (what code that multiplies Eigen matrices directly gets).
double measureGemmGflops(int n = 1024, int repeats = 5, bool blas = true);

/// The rate one-run-per-core code can reach: `tasks` oneTBB workers each multiplying their own n by n
/// matrices with single-threaded OpenBLAS dgemm (SingleThreadedBlas), total flops / median wall time
/// of 3 rounds of 4 products each.
double measureParallelGemmGflops(int tasks, int n = 512);

} // namespace ntk
