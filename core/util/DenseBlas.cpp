#include "core/util/DenseBlas.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include <cblas.h>
#include <tbb/parallel_for.h>

#include "core/util/Errors.h"

namespace ntk {

namespace {

/// C = alpha·op(A)·op(B) + beta·C; C must already be m by n when beta ≠ 0.
void gemmScaled(const Eigen::MatrixXd& A, bool transposeA, const Eigen::MatrixXd& B, bool transposeB, Eigen::MatrixXd& C,
                double alpha, double beta)
{
  const Eigen::Index m = transposeA ? A.cols() : A.rows();
  const Eigen::Index k = transposeA ? A.rows() : A.cols();
  const Eigen::Index kB = transposeB ? B.cols() : B.rows();
  const Eigen::Index n = transposeB ? B.rows() : B.cols();
  if (k != kB) throw InputError("gemm: inner sizes differ (" + std::to_string(k) + " and " + std::to_string(kB) + ")");
  if (beta == 0.0) C.resize(m, n);
  else if (C.rows() != m || C.cols() != n) throw InputError("gemm: the accumulated matrix has the wrong size");
  if (m == 0 || n == 0) return;
  if (k == 0) {
    if (beta == 0.0) C.setZero(); // BLAS would leave C untouched with an empty inner dimension
    else C *= beta;
    return;
  }
  cblas_dgemm(CblasColMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans, int(m),
              int(n), int(k), alpha, A.data(), int(std::max<Eigen::Index>(1, A.rows())), B.data(),
              int(std::max<Eigen::Index>(1, B.rows())), beta, C.data(), int(m));
}

} // namespace

void gemm(const Eigen::MatrixXd& A, bool transposeA, const Eigen::MatrixXd& B, bool transposeB, Eigen::MatrixXd& C,
          double alpha)
{
  gemmScaled(A, transposeA, B, transposeB, C, alpha, 0.0);
}

void gemmAccumulate(const Eigen::MatrixXd& A, bool transposeA, const Eigen::MatrixXd& B, bool transposeB,
                    Eigen::MatrixXd& C, double alpha)
{
  gemmScaled(A, transposeA, B, transposeB, C, alpha, 1.0);
}

SingleThreadedBlas::SingleThreadedBlas() : m_saved(openblas_get_num_threads()) { openblas_set_num_threads(1); }

SingleThreadedBlas::~SingleThreadedBlas() { openblas_set_num_threads(m_saved); }

double measureGemmGflops(int n, int repeats, bool blas)
{
  if (n < 1 || repeats < 1) throw InputError("measureGemmGflops: n and repeats must be >= 1");
  // Fixed, well-scaled factors (the rate does not depend on the values).
  const Eigen::MatrixXd A = Eigen::MatrixXd::NullaryExpr(n, n, [](Eigen::Index i, Eigen::Index j) { return double((i * 7 + j * 3) % 11) - 5.0; });
  const Eigen::MatrixXd B = A.transpose();
  Eigen::MatrixXd C(n, n);
  std::vector<double> rates;
  for (int r = 0; r <= repeats; ++r) { // run 0 warms the caches and BLAS's threads: not timed
    const auto t0 = std::chrono::steady_clock::now();
    if (blas) gemm(A, false, B, false, C);
    else C.noalias() = A * B;
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (r > 0) rates.push_back(2.0 * double(n) * double(n) * double(n) / s * 1e-9);
  }
  std::sort(rates.begin(), rates.end());
  return rates[rates.size() / 2];
}

double measureParallelGemmGflops(int tasks, int n)
{
  if (tasks < 1 || n < 1) throw InputError("measureParallelGemmGflops: tasks and n must be >= 1");
  const SingleThreadedBlas oneThread;
  std::vector<Eigen::MatrixXd> A(static_cast<size_t>(tasks)), C(static_cast<size_t>(tasks));
  for (auto& a : A) a = Eigen::MatrixXd::Random(n, n);
  for (auto& c : C) c.resize(n, n);
  std::vector<double> seconds;
  for (int r = 0; r < 3; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    tbb::parallel_for(0, tasks, [&](int i) {
      for (int k = 0; k < 4; ++k)
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, A[size_t(i)].data(), n, A[size_t(i)].data(), n,
                    0.0, C[size_t(i)].data(), n);
    });
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(seconds.begin(), seconds.end());
  return 4.0 * tasks * 2.0 * double(n) * double(n) * double(n) / seconds[1] / 1e9;
}

} // namespace ntk
