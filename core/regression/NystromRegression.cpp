// NystromRegression.cpp — Falkon (see NystromRegression.h).
//
// Notation as in the paper's Algorithm 1, with λ_p = λ/n its ridge (its objective is
// (1/n)‖K_nM α − y‖² + λ_p αᵀK_MM α, ours ‖K_nM α − y‖² + λ αᵀK_MM α: the same minimiser).
//   T = chol(K_MM + jI)   (upper, K_MM + jI = TᵀT)
//   A = chol(T Tᵀ/M + λ_p I)
//   BᵀHB u = A⁻ᵀ [ T⁻ᵀ K_nMᵀ K_nM T⁻¹A⁻¹u / n + λ_p A⁻¹u ]
//   r      = A⁻ᵀ T⁻ᵀ K_nMᵀ Y / n,   α = T⁻¹ A⁻¹ β.
// B = T⁻¹A⁻¹ gives BBᵀ = (Tᵀ(TTᵀ/M + λ_p I)T)⁻¹ = (K_MM²/M + λ_p K_MM)⁻¹ (up to j), and
// H = K_nMᵀK_nM/n + λ_p K_MM is that matrix when K_nMᵀK_nM = (n/M)K_MM² — exactly so when every point is a
// centre (M = n): there BᵀHB = I (up to j) and CG stops after one or two iterations; for uniform centres it
// holds on average. Whatever B, α = Bβ solves H' α = K_nMᵀY/n with H' = K_nMᵀK_nM/n + λ_p TᵀT: the
// preconditioner changes the iteration count; the jitter j moves the answer by about j/λ.
// K_nM is kept transposed (one contiguous column per point, for the streaming product) as two blocks, the
// centres' (K_MM itself) and the rest's, so that no entry is computed twice and the centres' part is the
// symmetric Gram the engine computes (exact diagonal).
#include "core/regression/NystromRegression.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>

#include <tbb/parallel_for.h>
#include <lapacke.h>

#include "core/util/DenseBlas.h"
#include "core/util/DenseCholesky.h"
#include "core/util/Errors.h"
#include "core/util/NumberText.h"
#include "core/util/MemoryEstimate.h"

namespace ntk {

namespace {

/// A JobControl whose progress maps [0,1] onto [a,b] of the parent's.
JobControl subJob(const JobControl& job, double a, double b)
{
  JobControl j;
  j.stop = job.stop;
  if (job.progress) j.progress = [p = job.progress, a, b](double f) { p(a + (b - a) * std::clamp(f, 0.0, 1.0)); };
  return j;
}

/// Uniform integer in [0, bound) from a 64-bit engine, by rejection (std::uniform_int_distribution is not
/// the same on every standard library).
std::uint64_t uniformBelow(std::mt19937_64& rng, std::uint64_t bound)
{
  const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % bound;
  std::uint64_t v;
  do v = rng();
  while (v >= limit);
  return v % bound;
}

void checkInputs(const Network& net, const Eigen::MatrixXd& X, const char* what)
{
  if (X.cols() != net.inputDim)
    throw InputError(std::string("Nyström regression: the ") + what + " have " + std::to_string(X.cols()) +
                     " columns but the network's input_dim is " + std::to_string(net.inputDim));
  if (!X.allFinite()) throw InputError(std::string("Nyström regression: the ") + what + " hold NaN or infinite values");
}

/// The engine's largest transient for an m1 × m2 request (encoded points and variances), without the output.
double engineOverhead(const Network& net, Eigen::Index m1, Eigen::Index m2)
{
  return estimateGramBytes(net, m1, m2, 0);
}

constexpr double kPredictBlockBytes = 16.0 * 1024 * 1024; // under glibc's largest mmap threshold: blocks reuse the heap instead of faulting in fresh pages

/// Kᵀ(K V) = Σ_j k_j (k_jᵀ V) for the kernel columns k_j of KT (M by cols, column j = K(centres, x_j)) and
/// V (M by C): Falkon's O(nM) product. Chunks of 32 columns (contiguous, 256 KB at M = 1000) stay in cache
/// between the two small products, so KT streams from memory once. (Two full GEMMs would read it twice,
/// and the product is memory-bound: C is a few columns.) Groups of chunks run in parallel, each summing into
/// its own M × C partial; the partials are added in a fixed order, so the result does not depend on the
/// scheduling (a run is reproducible bit for bit).
Eigen::MatrixXd normalProductOf(const Eigen::MatrixXd& KT, const Eigen::MatrixXd& V)
{
  const Eigen::Index M = KT.rows(), C = V.cols(), cols = KT.cols();
  constexpr Eigen::Index chunk = 32, group = 16 * chunk;
  const Eigen::Index groups = (cols + group - 1) / group;
  std::vector<Eigen::MatrixXd> partial(static_cast<size_t>(groups));
  tbb::parallel_for(Eigen::Index(0), groups, [&](Eigen::Index g) {
    Eigen::MatrixXd sum = Eigen::MatrixXd::Zero(M, C), w;
    for (Eigen::Index c0 = g * group; c0 < std::min(cols, (g + 1) * group); c0 += chunk) {
      const auto Kb = KT.middleCols(c0, std::min(chunk, cols - c0));
      w.noalias() = Kb.transpose() * V;
      sum.noalias() += Kb * w;
    }
    partial[size_t(g)] = std::move(sum);
  });
  Eigen::MatrixXd total = Eigen::MatrixXd::Zero(M, C);
  for (const Eigen::MatrixXd& p : partial) total += p;
  return total;
}

} // namespace

std::vector<Eigen::Index> nystromCentreIndices(Eigen::Index n, Eigen::Index centres, std::uint64_t seed)
{
  std::vector<Eigen::Index> all(static_cast<size_t>(std::max<Eigen::Index>(n, 0)));
  for (Eigen::Index i = 0; i < n; ++i) all[size_t(i)] = i;
  if (centres >= n) return all;
  // Partial Fisher–Yates: the first M entries are a uniform sample without replacement.
  std::mt19937_64 rng(seed);
  for (Eigen::Index i = 0; i < centres; ++i) {
    const Eigen::Index j = i + Eigen::Index(uniformBelow(rng, std::uint64_t(n - i)));
    std::swap(all[size_t(i)], all[size_t(j)]);
  }
  all.resize(size_t(centres));
  std::sort(all.begin(), all.end());
  return all;
}

double estimateNystromBytes(const Network& net, Eigen::Index n, Eigen::Index centres, Eigen::Index channels)
{
  const double N = double(n), M = double(std::min(centres, n)), C = double(channels);
  // K_nM (its M × M block is K_MM), T and A, the inputs, targets and fitted values, CG's M × C vectors and
  // the n × C product, the diagonal, and the engine's per-point data.
  return 8.0 * (N * M + 2.0 * M * M + N * double(net.inputDim) * 2.0 + 3.0 * N * C + 12.0 * M * C + N) +
         engineOverhead(net, Eigen::Index(N), Eigen::Index(M));
}

NystromRegression::NystromRegression(const Network& net, const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y,
                                     const NystromOptions& options, const JobControl& job)
    : m_net(net), m_kind(options.kind)
{
  net.validate();
  checkInputs(net, X, "training inputs");
  const Eigen::Index n = X.rows(), C = Y.cols();
  if (n < 1) throw InputError("Nyström regression: no training points");
  if (Y.rows() != n)
    throw InputError("Nyström regression: " + std::to_string(Y.rows()) + " target rows for " + std::to_string(n) +
                     " training points");
  if (C < 1) throw InputError("Nyström regression: the targets have no columns");
  if (!Y.allFinite()) throw InputError("Nyström regression: the targets hold NaN or infinite values");
  if (!std::isfinite(options.ridge) || options.ridge < 0.0)
    throw InputError("Nyström regression: the ridge must be finite and >= 0 (got " + shortNumberText(options.ridge) + ")");
  if (options.centres < 1)
    throw InputError("Nyström regression: the number of centres must be >= 1 (got " + std::to_string(options.centres) + ")");
  if (!(options.cgTolerance > 0.0) || !std::isfinite(options.cgTolerance))
    throw InputError("Nyström regression: the CG tolerance must be > 0 (got " + shortNumberText(options.cgTolerance) + ")");
  if (options.maxCgIterations < 1)
    throw InputError("Nyström regression: maxCgIterations must be >= 1 (got " + std::to_string(options.maxCgIterations) + ")");
  requireMemory(estimateNystromBytes(net, n, std::min(options.centres, n), C),
                "the Nyström regression of " + std::to_string(n) + " points with " +
                    std::to_string(std::min(options.centres, n)) + " centres");
  job.checkCancelled();

  // The relative ridge needs the mean of the whole training diagonal, O(n).
  const Eigen::VectorXd diagonal = kernelDiagonal(net, X, options.kind, job);
  const double meanDiagonal = diagonal.mean();
  m_ridgeAbsolute = options.ridge * meanDiagonal;
  const double lambdaP = m_ridgeAbsolute / double(n);

  // Centres, drawn from the points where the kernel is not zero: where K(x, x) = 0, K(·, x) = 0 by
  // Cauchy–Schwarz (a bias-free network at the origin), a centre that spans nothing and would make H
  // singular. Then the other rows (K_nM is kept as the two blocks).
  std::vector<Eigen::Index> candidates;
  for (Eigen::Index i = 0; i < n; ++i)
    if (diagonal(i) > 0.0) candidates.push_back(i);
  if (candidates.empty())
    throw InputError("Nyström regression: the kernel is zero at every training point (K(x, x) = 0): nothing to fit");
  m_centreIndex = nystromCentreIndices(Eigen::Index(candidates.size()), options.centres, options.seed);
  for (Eigen::Index& i : m_centreIndex) i = candidates[size_t(i)];
  m_exact = m_centreIndex.size() == candidates.size();
  const Eigen::Index M = Eigen::Index(m_centreIndex.size());
  std::vector<Eigen::Index> rest;
  rest.reserve(size_t(n - M));
  {
    size_t k = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
      if (k < m_centreIndex.size() && m_centreIndex[k] == i) ++k;
      else rest.push_back(i);
    }
  }
  m_centres = X(m_centreIndex, Eigen::all);
  const Eigen::MatrixXd Xrest = X(rest, Eigen::all);

  const double fracMM = double(M) * double(M) / (double(M) * double(M) + double(n - M) * double(M));
  const Eigen::MatrixXd Kmm = kernelMatrix(net, m_centres, nullptr, options.kind, subJob(job, 0.0, 0.8 * fracMM));
  // The other points' kernel columns, K(centres, rest): M by n − M, one point per contiguous column.
  const Eigen::MatrixXd KcR = rest.empty() ? Eigen::MatrixXd(M, 0)
                                           : kernelMatrix(net, m_centres, &Xrest, options.kind,
                                                          subJob(job, 0.8 * fracMM, 0.8));
  job.checkCancelled();

  // T = chol(K_MM + jI): the paper's εM jitter, relative to the diagonal; raised tenfold while the centres'
  // Gram is numerically singular (coincident centres, a kernel of low rank), up to 1e-6 of the diagonal.
  Eigen::MatrixXd T;
  m_jitter = std::numeric_limits<double>::epsilon() * double(M) * meanDiagonal;
  for (;;) {
    T = Kmm;
    T.diagonal().array() += m_jitter;
    if (choleskyUpper(T)) break;
    m_jitter *= 10.0;
    if (!(m_jitter <= 1e-6 * meanDiagonal))
      throw NumericalError("Nyström regression: the centres' Gram is not positive definite even with a jitter of "
                           "1e-6 of its diagonal; use fewer centres");
  }
  job.checkCancelled();
  // A = chol(T Tᵀ/M + λ_p I): dlauum forms U·Uᵀ of an upper triangle in place.
  Eigen::MatrixXd A = T;
  A.triangularView<Eigen::StrictlyLower>().setZero();
  LAPACKE_dlauum(LAPACK_COL_MAJOR, 'U', lapack_int(M), A.data(), lapack_int(M));
  A *= 1.0 / double(M);
  A.diagonal().array() += lambdaP;
  if (!choleskyUpper(A))
    throw NumericalError("Nyström regression: the preconditioner T Tᵀ/M + λI is not positive definite; raise the ridge");
  job.checkCancelled();
  job.report(0.85);

  const Eigen::MatrixXd& Tc = T;
  const Eigen::MatrixXd& Ac = A;
  const auto Tu = Tc.triangularView<Eigen::Upper>();
  const auto Au = Ac.triangularView<Eigen::Upper>();
  // K_nMᵀ K_nM V: the centres' columns (K_MM is symmetric) and the rest's.
  auto normalProduct = [&](const Eigen::MatrixXd& V) {
    return Eigen::MatrixXd(normalProductOf(Kmm, V) + normalProductOf(KcR, V));
  };
  // BᵀHB U, as the paper writes it: the ridge term λ_p A⁻ᵀA⁻¹U stands for λ_p B ᵀ(TᵀT)B U, i.e. H's K_MM
  // carries the jitter. That keeps H positive definite when K_MM is singular — centres on one ray of a
  // bias-free ReLU network have a rank-one Gram — at the price of moving the answer by about j/λ
  // (1e-7 at λ = 1e-6 of the diagonal, the size of the dense solve's own rounding there).
  auto preconditioned = [&](const Eigen::MatrixXd& U) {
    const Eigen::MatrixXd AinvU = Au.solve(U);
    Eigen::MatrixXd v = Tu.transpose().solve(normalProduct(Tu.solve(AinvU))) / double(n);
    v += lambdaP * AinvU;
    return Eigen::MatrixXd(Au.transpose().solve(v));
  };

  // Right-hand side: A⁻ᵀ T⁻ᵀ K_nMᵀ Y / n (the targets' rows in the same split).
  const Eigen::MatrixXd Ycentres = Y(m_centreIndex, Eigen::all);
  Eigen::MatrixXd KtY;
  gemm(Kmm, true, Ycentres, false, KtY);
  if (KcR.cols() > 0) {
    const Eigen::MatrixXd Yrest = Y(rest, Eigen::all);
    gemmAccumulate(KcR, false, Yrest, false, KtY);
  }
  const Eigen::MatrixXd rhs = Au.transpose().solve(Eigen::MatrixXd(Tu.transpose().solve(KtY / double(n))));

  // Conjugate gradients, one column per channel, the product shared.
  const double tol = options.cgTolerance;
  const Eigen::VectorXd rhsNorm = rhs.colwise().norm().transpose();
  Eigen::MatrixXd beta = Eigen::MatrixXd::Zero(M, C), r = rhs, p = rhs;
  Eigen::VectorXd rs = r.colwise().squaredNorm().transpose();
  std::vector<bool> active(static_cast<size_t>(C));
  auto relative = [&](Eigen::Index c) { return rhsNorm(c) > 0.0 ? std::sqrt(rs(c)) / rhsNorm(c) : 0.0; };
  auto refreshActive = [&] {
    bool any = false;
    double worst = 0.0;
    for (Eigen::Index c = 0; c < C; ++c) {
      const double rel = relative(c);
      active[size_t(c)] = rel > tol;
      if (!active[size_t(c)]) p.col(c).setZero(); // converged: frozen
      any = any || active[size_t(c)];
      worst = std::max(worst, rel);
    }
    m_residual = worst;
    return any;
  };
  m_iterations = 0;
  while (refreshActive()) {
    job.checkCancelled();
    if (m_iterations >= options.maxCgIterations)
      throw NumericalError("Nyström regression: conjugate gradients did not converge in " +
                           std::to_string(options.maxCgIterations) + " iterations (relative residual " +
                           shortNumberText(m_residual) + " > " + shortNumberText(tol) +
                           "); raise the ridge, the tolerance or the iteration limit");
    const Eigen::MatrixXd Ap = preconditioned(p);
    for (Eigen::Index c = 0; c < C; ++c) {
      if (!active[size_t(c)]) continue;
      const double pAp = p.col(c).dot(Ap.col(c));
      if (!(pAp > 0.0) || !std::isfinite(pAp))
        throw NumericalError("Nyström regression: the preconditioned system is not positive definite along a CG "
                             "direction; raise the ridge");
      const double a = rs(c) / pAp;
      beta.col(c) += a * p.col(c);
      r.col(c) -= a * Ap.col(c);
      const double rsNew = r.col(c).squaredNorm();
      p.col(c) = r.col(c) + (rsNew / rs(c)) * p.col(c);
      rs(c) = rsNew;
    }
    ++m_iterations;
    if (job.progress) {
      double worst = 0.0;
      for (Eigen::Index c = 0; c < C; ++c) worst = std::max(worst, relative(c));
      job.report(0.85 + 0.13 * std::clamp(std::log(std::max(worst, 1e-300)) / std::log(tol), 0.0, 1.0));
    }
  }

  job.checkCancelled();
  m_alpha = Tu.solve(Eigen::MatrixXd(Au.solve(beta)));
  if (!m_alpha.allFinite())
    throw NumericalError("Nyström regression: the solve produced non-finite weights; raise the ridge");

  // Fitted values at the training points, from the kept blocks.
  m_fitted.resize(n, C);
  Eigen::MatrixXd part;
  gemm(Kmm, false, m_alpha, false, part);
  for (Eigen::Index j = 0; j < M; ++j) m_fitted.row(m_centreIndex[size_t(j)]) = part.row(j);
  if (KcR.cols() > 0) {
    gemm(KcR, true, m_alpha, false, part);
    for (size_t i = 0; i < rest.size(); ++i) m_fitted.row(rest[i]) = part.row(Eigen::Index(i));
  }
  job.report(1.0);
}

Eigen::MatrixXd NystromRegression::predict(const Eigen::MatrixXd& Xtest, const JobControl& job) const
{
  checkInputs(m_net, Xtest, "test inputs");
  const Eigen::Index rows = Xtest.rows(), M = m_centres.rows();
  Eigen::MatrixXd F(rows, m_alpha.cols());
  const Eigen::Index block = std::max<Eigen::Index>(1, Eigen::Index(kPredictBlockBytes / (8.0 * double(M))));
  requireMemory(8.0 * double(std::min(block, rows)) * double(M) + engineOverhead(m_net, std::min(block, rows), M) +
                    8.0 * double(rows) * double(m_alpha.cols()),
                "the Nyström predictions at " + std::to_string(rows) + " points");
  job.checkCancelled();
  for (Eigen::Index r0 = 0; r0 < rows; r0 += block) {
    const Eigen::Index b = std::min(block, rows - r0);
    const Eigen::MatrixXd K = kernelMatrix(m_net, Xtest.middleRows(r0, b), &m_centres, m_kind,
                                           subJob(job, double(r0) / double(rows), double(r0 + b) / double(rows)));
    Eigen::MatrixXd part;
    gemm(K, false, m_alpha, false, part);
    F.middleRows(r0, b) = part;
  }
  job.checkCancelled();
  job.report(1.0);
  return F;
}

} // namespace ntk
