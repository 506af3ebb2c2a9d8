// SymmetricEigen.cpp — LAPACKE dsyevd (all pairs) / dsyevr (the top ones), reordered to decreasing.
#include "core/util/SymmetricEigen.h"

#include <string>

#include <lapacke.h>

#include "core/util/Errors.h"

// OpenBLAS's own control (declared in its cblas.h, whose location differs by threading flavour).
extern "C" void openblas_set_num_threads(int n);

namespace ntk {

void setDenseSolverThreads(int n)
{
  if (n >= 1) openblas_set_num_threads(n);
}

SymmetricEigen symmetricEigen(Eigen::MatrixXd A, Eigen::Index top, bool vectors)
{
  const Eigen::Index m = A.rows();
  if (A.cols() != m) throw InputError("symmetricEigen: the matrix is not square");
  SymmetricEigen out;
  if (m == 0) return out;
  if (!A.allFinite()) throw NumericalError("symmetric eigensolver: the matrix has NaN or infinite entries");
  const Eigen::Index count = (top <= 0 || top > m) ? m : top;
  const lapack_int n = lapack_int(m);
  const char job = vectors ? 'V' : 'N';
  Eigen::VectorXd w(m);
  lapack_int info = 0;
  if (count == m) {
    info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, job, 'L', n, A.data(), n, w.data());
    if (info != 0) throw NumericalError("symmetric eigensolver (dsyevd) failed, info = " + std::to_string(info));
    // Ascending → decreasing.
    out.values = w.reverse();
    if (vectors) out.vectors = A.rowwise().reverse();
    return out;
  }
  // Indices il..iu (1-based, ascending order) are the `count` largest.
  Eigen::MatrixXd Z(vectors ? m : 1, vectors ? count : 1);
  Eigen::VectorXi support(2 * count);
  lapack_int found = 0;
  info = LAPACKE_dsyevr(LAPACK_COL_MAJOR, job, 'I', 'L', n, A.data(), n, 0.0, 0.0, lapack_int(m - count + 1), n, 0.0,
                        &found, w.data(), Z.data(), vectors ? n : 1, support.data());
  if (info != 0 || found != lapack_int(count))
    throw NumericalError("symmetric eigensolver (dsyevr) failed, info = " + std::to_string(info));
  out.values = w.head(count).reverse();
  if (vectors) out.vectors = Z.rowwise().reverse();
  return out;
}

} // namespace ntk
