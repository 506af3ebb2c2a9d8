// SymmetricEigen.h — eigenpairs of a dense symmetric matrix through LAPACK (Debian's OpenBLAS).
// In: a symmetric matrix (only its lower triangle is read), how many of the largest eigenpairs
// (top ≤ 0: all), whether eigenvectors are wanted. Out: eigenvalues in decreasing order and, when
// asked, unit eigenvectors as columns in the same order.
// Why LAPACK and not Eigen::SelfAdjointEigenSolver: Eigen's tridiagonalisation is unblocked and
// single-threaded; at m = 4000 it takes 27 s for the eigenvalues and ~3 min with the vectors on the
// 2-core machine, against 2.8 s and 6 s for OpenBLAS's blocked, threaded dsyevd. A partial request
// uses dsyevr (bisection + MRRR on the top of the spectrum only).
// Errors: NumericalError when LAPACK reports a failure (non-finite input, no convergence).
// Not cancellable while LAPACK runs. Thread-safety: re-entrant.
#pragma once
#include <Eigen/Dense>

namespace ntk {

struct SymmetricEigen {
  Eigen::VectorXd values;  ///< decreasing
  Eigen::MatrixXd vectors; ///< m by values.size(), unit columns; empty unless asked
};

/// Threads LAPACK/OpenBLAS may use (n ≥ 1); by default all cores. `ntk-cli --threads` sets it.
void setDenseSolverThreads(int n);

/// `A` is taken by value and overwritten by LAPACK (move a temporary in to avoid the copy).
SymmetricEigen symmetricEigen(Eigen::MatrixXd A, Eigen::Index top, bool vectors);

} // namespace ntk
