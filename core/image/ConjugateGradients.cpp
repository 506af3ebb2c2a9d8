// ConjugateGradients.cpp — the textbook PCG recurrence (Saad, Algorithm 9.1) on std::vector.
#include "core/image/ConjugateGradients.h"

#include <cmath>

#include <Eigen/Dense>

#include "core/util/Errors.h"
#include "core/util/NumberText.h"

namespace ntk {
namespace {

double dot(const std::vector<double>& a, const std::vector<double>& b)
{
  return Eigen::Map<const Eigen::VectorXd>(a.data(), Eigen::Index(a.size()))
      .dot(Eigen::Map<const Eigen::VectorXd>(b.data(), Eigen::Index(b.size())));
}

} // namespace

int conjugateGradients(const VectorMap& apply, const VectorMap& precondition, const std::vector<double>& b,
                       std::vector<double>& x, double tolerance, int maxIterations, const std::string& what,
                       const std::string& advice, const JobControl& job, const std::function<void(double)>& onResidual)
{
  const size_t n = b.size();
  x.assign(n, 0.0);
  std::vector<double> r = b, z(n), p(n), Ap(n);
  const double bNorm = std::sqrt(dot(r, r));
  if (bNorm == 0.0) return 0;
  precondition(r, z);
  p = z;
  double rz = dot(r, z), rel = 1.0;
  int it = 0;
  while (true) {
    job.checkCancelled();
    if (it >= maxIterations)
      throw NumericalError(what + ": conjugate gradients did not converge in " + std::to_string(maxIterations) +
                           " iterations (relative residual " + shortNumberText(rel) + " > " + shortNumberText(tolerance) +
                           "); " + advice);
    apply(p, Ap);
    const double pAp = dot(p, Ap);
    if (!(pAp > 0.0) || !std::isfinite(pAp))
      throw NumericalError(what + ": the Gram is not positive definite along a CG direction (pᵀKp = " +
                           shortNumberText(pAp) + "); raise the ridge");
    const double a = rz / pAp;
    for (size_t k = 0; k < n; ++k) {
      x[k] += a * p[k];
      r[k] -= a * Ap[k];
    }
    ++it;
    rel = std::sqrt(dot(r, r)) / bNorm;
    if (onResidual) onResidual(rel);
    if (rel <= tolerance) return it;
    precondition(r, z);
    const double rzNew = dot(r, z), beta = rzNew / rz;
    rz = rzNew;
    for (size_t k = 0; k < n; ++k) p[k] = z[k] + beta * p[k];
  }
}

int refinedConjugateGradients(const VectorMap& applyExact, const VectorMap& applyFast, const VectorMap& precondition,
                              const std::vector<double>& b, std::vector<double>& x, double tolerance, double innerFloor,
                              int maxIterations, const std::string& what, const std::string& advice,
                              const JobControl& job, const std::function<void(double)>& onResidual, int* rounds)
{
  const size_t n = b.size();
  x.assign(n, 0.0);
  if (rounds) *rounds = 0;
  const double bNorm = std::sqrt(dot(b, b));
  if (bNorm == 0.0) return 0;
  std::vector<double> r = b, d, Ax(n);
  double rNorm = bNorm;
  int used = 0;
  bool exact = false;
  while (rNorm > tolerance * bNorm) {
    if (rounds) ++*rounds;
    const double scale = rNorm / bNorm, inner = exact ? tolerance / scale : std::max(tolerance / scale, innerFloor);
    auto progress = [&](double rel) { if (onResidual) onResidual(rel * scale); };
    if (exact) {
      used += conjugateGradients(applyExact, precondition, r, d, inner, maxIterations - used, what, advice, job, progress);
    } else {
      try {
        used += conjugateGradients(applyFast, precondition, r, d, inner, maxIterations - used, what, advice, job, progress);
      } catch (const NumericalError&) { // the fast product's rounding broke CG (pᵀAp ≤ 0, or the cap): drop this round
        exact = true;
        continue;
      }
    }
    for (size_t k = 0; k < n; ++k) x[k] += d[k];
    if (exact) break; // as conjugateGradients: its recursive residual met the tolerance in double
    applyExact(x, Ax);
    for (size_t k = 0; k < n; ++k) r[k] = b[k] - Ax[k];
    const double next = std::sqrt(dot(r, r));
    exact = next > 0.5 * rNorm; // the fast product's rounding is reached: finish in double
    rNorm = next;
  }
  return used;
}

} // namespace ntk
