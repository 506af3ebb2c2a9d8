// GramSpectrum.h — Mercer spectrum estimated from any point set: eigenpairs of K(X,X)/m, and
// Nyström extension of the eigenvectors to eigenfunctions anywhere.
// In: a Network, the kernel kind, raw inputs X (m by input_dim), how many leading pairs (top ≤ 0: all).
// Out: eigenvalues of K/m in decreasing order, optionally unit-norm eigenvectors (m by top).
// How: dense symmetric eigensolver (Eigen) up to kDenseLimit points or when more than a quarter of the
// spectrum is asked for; beyond, Lanczos for the top eigenpairs (Spectra SymEigsSolver) with Gram
// matrix products that run in parallel with oneTBB.
// Nyström: φ_i(x) = K(x, X) u_i / (√m μ_i), which equals √m·u_i at the data points and has unit
// mean square over them.
// Thread-safety: re-entrant.
#pragma once
#include <vector>

#include <Eigen/Dense>

#include "core/kernels/NtkGram.h"
#include "core/util/JobControl.h"

namespace ntk {

inline constexpr Eigen::Index kDenseEigenLimit = 3000;

struct GramSpectrum {
  Eigen::VectorXd eigenvalues;  ///< of K/m, decreasing
  Eigen::MatrixXd eigenvectors; ///< m by eigenvalues.size(), unit columns (empty unless requested)
  bool lanczos = false;         ///< which solver ran
  Eigen::Index m = 0;
};

/// Eigenpairs of a given symmetric matrix divided by its size (tests, and callers with a Gram already).
GramSpectrum gramSpectrumFromMatrix(const Eigen::MatrixXd& K, int top, bool vectors, const JobControl& job = {});

/// Which eigensolver runs: Automatic is the rule above; Dense and Lanczos force one (tests compare them).
enum class EigenSolverChoice { Automatic, Dense, Lanczos };

/// gramSpectrumFromMatrix with the solver chosen by the caller. Lanczos needs 1 ≤ top < m (InputError).
GramSpectrum gramSpectrumFromMatrixWith(const Eigen::MatrixXd& K, int top, bool vectors, EigenSolverChoice solver,
                                        const JobControl& job = {});

/// The network's Gram on X, then its eigenpairs. Throws MemoryLimitError (with the estimate) first.
GramSpectrum gramSpectrum(const Network& net, KernelKind kind, const Eigen::MatrixXd& X, int top, bool vectors,
                          const JobControl& job = {});

/// Nyström eigenfunctions at Xeval (n by input_dim), for the eigen-indices `which` (columns of the
/// result, in that order). Needs `spectrum` computed with vectors on the same X.
Eigen::MatrixXd nystromEigenfunctions(const Network& net, KernelKind kind, const Eigen::MatrixXd& X,
                                      const GramSpectrum& spectrum, const Eigen::MatrixXd& Xeval,
                                      const std::vector<int>& which, const JobControl& job = {});

/// m points uniform on S^{d−1} from a seed (Gaussian vectors normalised).
Eigen::MatrixXd uniformSpherePoints(Eigen::Index m, int d, unsigned long long seed);

} // namespace ntk
