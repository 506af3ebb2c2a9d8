// GramSpectrum.cpp — eigenpairs of K(X,X)/m (dense Eigen or Lanczos via Spectra), Nyström
// eigenfunctions, and uniform random points on spheres.
// In: a symmetric Gram (or a network and points), how many leading pairs, whether to keep vectors.
// Out: eigenvalues of K/m decreasing, unit eigenvectors (sign fixed: largest-magnitude entry > 0, so
// results do not flip between runs or solvers).
// How: Lanczos multiplies by K through ParallelGramProduct, which splits K·v into row blocks run with
// oneTBB; K is symmetric, so block i of K·v is (columns of block i)ᵀ·v — contiguous column reads.
#include "core/spectra/GramSpectrum.h"

#include <algorithm>
#include <cmath>
#include <string>

#include <Spectra/SymEigsSolver.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "core/util/Errors.h"
#include "core/util/MemoryEstimate.h"
#include "core/util/SymmetricEigen.h"
#include "core/util/SeededNormal.h"

namespace ntk {

namespace {

/// y = K·x for a symmetric K, in parallel row blocks (Spectra's operator interface, SP MatOp).
class ParallelGramProduct {
public:
  using Scalar = double;
  ParallelGramProduct(const Eigen::MatrixXd& K, const JobControl& job) : m_K(K), m_job(job) {}
  Eigen::Index rows() const { return m_K.rows(); }
  Eigen::Index cols() const { return m_K.cols(); }
  void perform_op(const double* xIn, double* yOut) const
  {
    m_job.checkCancelled();
    const Eigen::Index m = m_K.rows();
    Eigen::Map<const Eigen::VectorXd> x(xIn, m);
    Eigen::Map<Eigen::VectorXd> y(yOut, m);
    tbb::parallel_for(tbb::blocked_range<Eigen::Index>(0, m, 128), [&](const tbb::blocked_range<Eigen::Index>& r) {
      const Eigen::Index len = r.end() - r.begin();
      y.segment(r.begin(), len).noalias() = m_K.middleCols(r.begin(), len).transpose() * x;
    });
  }

private:
  const Eigen::MatrixXd& m_K;
  const JobControl& m_job;
};

/// Flips each column so that its largest-magnitude entry is positive.
void fixSigns(Eigen::MatrixXd& V)
{
  for (Eigen::Index c = 0; c < V.cols(); ++c) {
    Eigen::Index i = 0;
    V.col(c).cwiseAbs().maxCoeff(&i);
    if (V(i, c) < 0) V.col(c) *= -1.0;
  }
}

/// Whether the dense solver runs (and the bytes it needs beyond the Gram itself).
bool useDense(Eigen::Index m, int top) { return m <= kDenseEigenLimit || top <= 0 || top >= m || Eigen::Index(top) * 4 > m; }

double solverBytes(Eigen::Index m, int top, bool vectors, bool dense)
{
  const double md = double(m);
  if (dense) return 8.0 * md * md + (vectors ? 8.0 * md * md : 0.0) + 64.0 * md;
  const double ncv = std::min(md, std::max(2.0 * top + 1.0, top + 32.0));
  return 8.0 * md * (ncv + 4.0) + 8.0 * ncv * ncv * 3.0 + (vectors ? 8.0 * md * top : 0.0);
}

GramSpectrum denseSpectrum(const Eigen::MatrixXd& K, int top, bool vectors)
{
  const Eigen::Index m = K.rows();
  const Eigen::Index count = (top <= 0 || top > m) ? m : Eigen::Index(top);
  SymmetricEigen eig = symmetricEigen(K, count, vectors); // LAPACK: decreasing already
  GramSpectrum s;
  s.m = m;
  s.lanczos = false;
  s.eigenvalues = eig.values / double(m);
  if (vectors) {
    s.eigenvectors = std::move(eig.vectors);
    fixSigns(s.eigenvectors);
  }
  return s;
}

GramSpectrum lanczosSpectrum(const Eigen::MatrixXd& K, int top, bool vectors, const JobControl& job)
{
  const Eigen::Index m = K.rows();
  ParallelGramProduct op(K, job);
  // ncv ≥ 2·nev + 1 converges in a few restarts for the fast-decaying spectra of kernels.
  const Eigen::Index ncv = std::min<Eigen::Index>(m, std::max<Eigen::Index>(2 * top + 1, top + 32));
  Spectra::SymEigsSolver<ParallelGramProduct> solver(op, top, ncv);
  solver.init();
  solver.compute(Spectra::SortRule::LargestAlge, 1000, 1e-12);
  if (solver.info() != Spectra::CompInfo::Successful)
    throw NumericalError("Gram spectrum: Lanczos did not converge for the top " + std::to_string(top) +
                         " eigenpairs (m = " + std::to_string(m) + "); ask for fewer or use all (top ≤ 0)");
  GramSpectrum s;
  s.m = m;
  s.lanczos = true;
  s.eigenvalues = solver.eigenvalues() / double(m); // LargestAlge: decreasing already
  if (vectors) {
    s.eigenvectors = solver.eigenvectors();
    fixSigns(s.eigenvectors);
  }
  return s;
}

} // namespace

GramSpectrum gramSpectrumFromMatrixWith(const Eigen::MatrixXd& K, int top, bool vectors, EigenSolverChoice solver,
                                        const JobControl& job)
{
  const Eigen::Index m = K.rows();
  if (m < 1 || K.cols() != m)
    throw InputError("Gram spectrum: the matrix must be square and non-empty, got " + std::to_string(K.rows()) + " by " +
                     std::to_string(K.cols()));
  if (!K.allFinite()) throw InputError("Gram spectrum: the matrix is not finite");
  const double scale = K.cwiseAbs().maxCoeff();
  // Column-pair loop rather than K − Kᵀ: no m² temporary next to a large Gram.
  double asymmetry = 0.0;
  for (Eigen::Index j = 0; j < m; ++j)
    for (Eigen::Index i = 0; i < j; ++i) asymmetry = std::max(asymmetry, std::abs(K(i, j) - K(j, i)));
  if (asymmetry > 1e-10 * scale)
    throw InputError("Gram spectrum: the matrix is not symmetric (max |K − Kᵀ| = " + std::to_string(asymmetry) + ")");
  const bool dense = solver == EigenSolverChoice::Dense || (solver == EigenSolverChoice::Automatic && useDense(m, top));
  if (!dense && (top < 1 || top >= m))
    throw InputError("Gram spectrum: Lanczos needs 1 ≤ top < m, got top = " + std::to_string(top) + ", m = " +
                     std::to_string(m));
  requireMemory(solverBytes(m, top, vectors, dense), "the eigen-decomposition of a " + std::to_string(m) + "-point Gram");
  job.checkCancelled();
  job.report(0.0);
  GramSpectrum s = dense ? denseSpectrum(K, top, vectors) : lanczosSpectrum(K, top, vectors, job);
  job.report(1.0);
  return s;
}

GramSpectrum gramSpectrumFromMatrix(const Eigen::MatrixXd& K, int top, bool vectors, const JobControl& job)
{
  return gramSpectrumFromMatrixWith(K, top, vectors, EigenSolverChoice::Automatic, job);
}

GramSpectrum gramSpectrum(const Network& net, KernelKind kind, const Eigen::MatrixXd& X, int top, bool vectors,
                          const JobControl& job)
{
  net.validate();
  if (X.rows() < 1) throw InputError("Gram spectrum: no points");
  if (X.cols() != net.inputDim)
    throw InputError("Gram spectrum: points have " + std::to_string(X.cols()) + " coordinates, the network input_dim is " +
                     std::to_string(net.inputDim));
  if (!X.allFinite()) throw InputError("Gram spectrum: the points are not finite");
  const Eigen::Index m = X.rows();
  requireMemory(estimateGramBytes(net, m, m, 1) + solverBytes(m, top, vectors, useDense(m, top)),
                "the Gram spectrum of " + std::to_string(m) + " points");
  // Two phases of one job: the Gram to 50 %, the eigensolver from there (a bar that restarted at 0 % for
  // the second phase would look like a new job, or like going backwards).
  const auto phase = [&job](double from, double to) {
    JobControl part;
    part.stop = job.stop;
    if (job.progress) part.progress = [&job, from, to](double f) { job.report(from + (to - from) * f); };
    return part;
  };
  const Eigen::MatrixXd K = kernelMatrix(net, X, nullptr, kind, phase(0.0, 0.5));
  return gramSpectrumFromMatrix(K, top, vectors, phase(0.5, 1.0));
}

Eigen::MatrixXd nystromEigenfunctions(const Network& net, KernelKind kind, const Eigen::MatrixXd& X,
                                      const GramSpectrum& spectrum, const Eigen::MatrixXd& Xeval,
                                      const std::vector<int>& which, const JobControl& job)
{
  const Eigen::Index m = X.rows();
  if (spectrum.eigenvectors.rows() != m || spectrum.eigenvectors.cols() == 0)
    throw InputError("Nyström: the spectrum has no eigenvectors for these " + std::to_string(m) +
                     " points (compute it with vectors on the same X)");
  if (Xeval.cols() != X.cols())
    throw InputError("Nyström: evaluation points have " + std::to_string(Xeval.cols()) + " coordinates, expected " +
                     std::to_string(X.cols()));
  if (!Xeval.allFinite()) throw InputError("Nyström: evaluation points are not finite");
  Eigen::MatrixXd U(m, Eigen::Index(which.size()));
  for (size_t c = 0; c < which.size(); ++c) {
    const int i = which[c];
    if (i < 0 || i >= spectrum.eigenvectors.cols())
      throw InputError("Nyström: eigen-index " + std::to_string(i) + " outside 0…" +
                       std::to_string(spectrum.eigenvectors.cols() - 1));
    const double mu = spectrum.eigenvalues(i);
    if (!(mu > 1e-14 * spectrum.eigenvalues.cwiseAbs().maxCoeff()))
      throw NumericalError("Nyström: eigenvalue " + std::to_string(i) + " (" + std::to_string(mu) +
                           ") is not positive; its eigenfunction is undefined");
    U.col(Eigen::Index(c)) = spectrum.eigenvectors.col(i) / (std::sqrt(double(m)) * mu);
  }
  // φ_i(x) = K(x, X) u_i / (√m μ_i), μ_i the eigenvalue of K/m: at a data point K u_i = m μ_i u_i.
  // Evaluate in chunks of rows so the cross-Gram stays ~64 MB.
  const Eigen::Index n = Xeval.rows();
  Eigen::MatrixXd F(n, Eigen::Index(which.size()));
  const Eigen::Index chunk = std::max<Eigen::Index>(1, Eigen::Index(8e6 / double(std::max<Eigen::Index>(m, 1))));
  requireMemory(8.0 * double(n) * double(which.size()) + estimateGramBytes(net, std::min(chunk, n), m, 1),
                "Nyström eigenfunctions at " + std::to_string(n) + " points");
  for (Eigen::Index start = 0; start < n; start += chunk) {
    job.checkCancelled();
    const Eigen::Index len = std::min(chunk, n - start);
    const Eigen::MatrixXd rows = Xeval.middleRows(start, len);
    const Eigen::MatrixXd Kx = kernelMatrix(net, rows, &X, kind, job);
    F.middleRows(start, len).noalias() = Kx * U;
    job.report(double(start + len) / double(std::max<Eigen::Index>(n, 1)));
  }
  return F;
}

Eigen::MatrixXd uniformSpherePoints(Eigen::Index m, int d, unsigned long long seed)
{
  if (m < 1) throw InputError("sphere points: m = " + std::to_string(m) + " (needs ≥ 1)");
  if (d < 1) throw InputError("sphere points: d = " + std::to_string(d) + " (needs ≥ 1)");
  SeededNormal normal(seed);
  Eigen::MatrixXd X(m, d);
  for (Eigen::Index i = 0; i < m; ++i) {
    double norm = 0.0;
    do { // a zero Gaussian vector has probability 0, but redraw rather than divide by it
      for (int c = 0; c < d; ++c) X(i, c) = normal();
      norm = X.row(i).norm();
    } while (!(norm > 0.0));
    X.row(i) /= norm;
  }
  return X;
}

} // namespace ntk
