#include "core/util/DenseCholesky.h"

#include <lapacke.h>

namespace ntk {

bool choleskyUpper(Eigen::MatrixXd& A)
{
  const lapack_int n = lapack_int(A.rows());
  return LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'U', n, A.data(), n) == 0;
}

void choleskySolveUpper(const Eigen::MatrixXd& R, Eigen::MatrixXd& B)
{
  const lapack_int n = lapack_int(R.rows());
  if (n == 0 || B.cols() == 0) return;
  LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'U', n, lapack_int(B.cols()), R.data(), n, B.data(), lapack_int(B.rows()));
}

} // namespace ntk
