// KernelTheoryReadouts.cpp — one eigendecomposition Θ = V diag(μ) Vᵀ gives everything:
// λ(H) = μ/m, and Yᵀ Θ⁻¹ Y = Σ_i (v_iᵀ Y)² / μ_i over the eigenvalues above the singular threshold.
#include "core/finite/KernelTheoryReadouts.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "core/util/Errors.h"
#include "core/util/SeededShuffle.h"
#include "core/util/SymmetricEigen.h"

namespace ntk {

namespace {

/// Eigenvalues of Θ at or below this fraction of the largest are treated as zero (header).
constexpr double kSingularRatio = 1e-13;

void checkReadoutInputs(const Eigen::MatrixXd& theta, const Eigen::VectorXd& Y)
{
  if (theta.rows() != theta.cols())
    throw InputError("theory readouts: the Gram is " + std::to_string(theta.rows()) + " by " +
                     std::to_string(theta.cols()) + ", not square");
  if (theta.rows() < 1) throw InputError("theory readouts: the Gram is empty");
  if (Y.size() != theta.rows())
    throw InputError("theory readouts: " + std::to_string(Y.size()) + " targets for a " + std::to_string(theta.rows()) +
                     " by " + std::to_string(theta.rows()) + " Gram");
  if (!theta.allFinite()) throw InputError("theory readouts: the Gram has NaN or infinite entries");
  if (!Y.allFinite()) throw InputError("theory readouts: the targets have NaN or infinite entries");
  const double scale = theta.cwiseAbs().maxCoeff();
  if ((theta - theta.transpose()).cwiseAbs().maxCoeff() > 1e-10 * scale)
    throw InputError("theory readouts: the Gram is not symmetric");
}

/// √(Yᵀ Θ⁺ Y / m) on the eigenvectors V (columns) whose eigenvalues μ are kept.
double complexityOf(const Eigen::VectorXd& Y, const Eigen::MatrixXd& V, const Eigen::VectorXd& mu)
{
  const Eigen::VectorXd c = V.transpose() * Y;
  return std::sqrt((c.array().square() / mu.array()).sum() / double(Y.size()));
}

} // namespace

double KernelTheoryReadouts::lossBoundFactor(double t) const
{
  // A PSD Gram's rounding can give λ_min = −1e-17: the loss never grows under gradient flow, so a
  // negative λ_min bounds nothing beyond L(t) ≤ L(0).
  return std::exp(-2.0 * std::max(lambdaMin, 0.0) * t);
}

KernelTheoryReadouts kernelTheoryReadouts(const Eigen::MatrixXd& theta, const Eigen::VectorXd& Y, std::uint64_t shuffleSeed)
{
  checkReadoutInputs(theta, Y);
  const double m = double(theta.rows());
  const SymmetricEigen eig = symmetricEigen(theta, 0, true); // decreasing
  const double muMax = eig.values(0);
  if (!(muMax > 0.0)) throw InputError("theory readouts: the Gram has no positive eigenvalue");
  KernelTheoryReadouts r;
  r.lambdaMax = muMax / m;
  r.lambdaMin = eig.values(eig.values.size() - 1) / m;
  r.maxStableLearningRate = 2.0 / r.lambdaMax;
  Eigen::Index kept = 0;
  while (kept < eig.values.size() && eig.values(kept) > kSingularRatio * muMax) ++kept;
  r.singular = kept < eig.values.size();
  const Eigen::MatrixXd V = eig.vectors.leftCols(kept);
  const Eigen::VectorXd mu = eig.values.head(kept);
  r.complexity = complexityOf(Y, V, mu);

  std::vector<Eigen::Index> order(size_t(Y.size()));
  std::iota(order.begin(), order.end(), Eigen::Index(0));
  std::mt19937_64 rng(shuffleSeed);
  seededShuffle(order, rng);
  Eigen::VectorXd shuffled(Y.size());
  for (Eigen::Index i = 0; i < Y.size(); ++i) shuffled(i) = Y(order[size_t(i)]);
  r.shuffledComplexity = complexityOf(shuffled, V, mu);
  return r;
}

} // namespace ntk
