#include "core/kernels/NtkGram.h"

#include <atomic>
#include <cmath>
#include <string>
#include <vector>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "core/util/Errors.h"
#include "core/util/MemoryEstimate.h"

namespace ntk {

namespace {

struct PointData {
  Eigen::MatrixXd encoded;               ///< m by d0
  std::vector<Eigen::ArrayXd> variances; ///< variances[l]: per-point q entering layer l
  Eigen::ArrayXd nngpDiagonal;           ///< K(x, x) of the whole network (the q leaving the last layer)
  Eigen::ArrayXd ntkDiagonal;            ///< Θ(x, x) of the whole network
};

/// "layers[2]: the variance overflows (q = inf); reduce W_std or b_std" for the first non-finite entry.
void requireFiniteVariances(const Eigen::ArrayXd& v, size_t layer)
{
  if (v.allFinite()) return;
  Eigen::Index i = 0;
  while (i < v.size() && std::isfinite(v(i))) ++i;
  const std::string q = std::isnan(v(i)) ? "nan" : "inf";
  throw NumericalError("layers[" + std::to_string(layer) + "]: the variance overflows (q = " + q +
                       "); reduce W_std or b_std");
}

PointData preparePoints(const Network& net, const Eigen::MatrixXd& X, const JobControl& job)
{
  PointData p;
  p.encoded = net.encoding.apply(X);
  const Eigen::Index m = p.encoded.rows();
  const double d0 = double(p.encoded.cols());
  // Same arithmetic as the pairs ((x·x)·(1/d0), then each layer's block transform on a 1×1 block),
  // so on the diagonal q12 == q11 == q22 bit for bit and ρ = 1 exactly: arccos turns a 1-ulp
  // mismatch into a 1e-8 error.
  // variances[l] is the q entering layer l; one more array holds the q leaving the last layer.
  p.variances.assign(net.layers.size() + 1, Eigen::ArrayXd(m));
  p.variances[0] = p.encoded.rowwise().squaredNorm().array() * (1.0 / d0);
  p.ntkDiagonal.resize(m);
  // Points are independent, so they run in parallel chunks. A smooth φ without a closed form (tanh)
  // computes its Hermite coefficients here, ~1 ms per point: small chunks keep cancellation prompt.
  std::atomic<bool> cancelled{false};
  tbb::parallel_for(tbb::blocked_range<Eigen::Index>(0, m, 8), [&](const tbb::blocked_range<Eigen::Index>& range) {
    if (cancelled.load(std::memory_order_relaxed) || job.cancelled()) {
      cancelled = true;
      return;
    }
    Eigen::ArrayXXd one(1, 1), theta(1, 1);
    for (Eigen::Index i = range.begin(); i != range.end(); ++i) {
      int nIn = int(p.encoded.cols());
      theta(0, 0) = 0.0;
      for (size_t l = 0; l < net.layers.size(); ++l) {
        double v = p.variances[l](i);
        // Past an overflow every later layer would only turn inf into nan: the check names the first.
        if (std::isfinite(v)) {
          one(0, 0) = v;
          if (const auto* d = std::get_if<DenseLayer>(&net.layers[l])) {
            d->applyKernel(one, &theta, nIn, net.parameterization);
            nIn = d->width;
          } else {
            std::get<ActivationLayer>(net.layers[l]).applyKernel(one, &theta, &v, &v);
          }
          v = one(0, 0);
        }
        p.variances[l + 1](i) = v;
      }
      p.ntkDiagonal(i) = theta(0, 0);
    }
  }, tbb::simple_partitioner());
  if (cancelled || job.cancelled()) throw CancelledError();
  for (size_t l = 0; l < net.layers.size(); ++l) requireFiniteVariances(p.variances[l + 1], l);
  p.nngpDiagonal = std::move(p.variances.back());
  p.variances.pop_back();
  return p;
}

struct Tile {
  Eigen::Index i0, j0, rows, cols;
};

} // namespace

double estimateGramBytes(const Network& net, Eigen::Index m1, Eigen::Index m2, int matrices)
{
  // In double throughout: m1·m2 and m·d0 can exceed any int. The encoding holds γ(X) (m by d0) and, while
  // it runs, the phases (m by d0/2) and B (d0/2 by input_dim).
  const double d0 = double(net.encodedDim());
  const double perPoint = 1.5 * d0 + double(net.layers.size()) + 3.0;
  return 8.0 * (double(m1) * double(m2) * matrices + (double(m1) + double(m2)) * perPoint +
                0.5 * d0 * double(net.inputDim));
}

GramResult computeGram(const Network& net, const Eigen::MatrixXd& X1, const Eigen::MatrixXd* X2,
                       const GramRequest& request, const JobControl& job)
{
  net.validate();
  if (X1.cols() != net.inputDim || (X2 && X2->cols() != net.inputDim))
    throw InputError("inputs have " + std::to_string(X2 && X2->cols() != net.inputDim ? X2->cols() : X1.cols()) +
                     " columns but the network's input_dim is " + std::to_string(net.inputDim));
  if (!X1.allFinite() || (X2 && !X2->allFinite())) throw InputError("inputs hold NaN or infinite values");
  const bool symmetric = X2 == nullptr;
  const Eigen::Index m1 = X1.rows(), m2 = symmetric ? X1.rows() : X2->rows();
  const int matrices = int(request.nngp) + int(request.ntk);
  requireMemory(estimateGramBytes(net, m1, m2, matrices),
                "a " + std::to_string(m1) + " x " + std::to_string(m2) + " kernel matrix");

  const PointData p1 = preparePoints(net, X1, job);
  const PointData p2 = symmetric ? PointData{} : preparePoints(net, *X2, job);
  const PointData& q2 = symmetric ? p1 : p2;
  // NNGP and NTK are positive semi-definite kernels, so |K(x, x')| ≤ √(K(x,x) K(x',x')): finite per-point
  // variances and a finite NTK diagonal guarantee a finite Gram, and no tile needs checking.
  if (request.ntk && (!p1.ntkDiagonal.allFinite() || !q2.ntkDiagonal.allFinite()))
    throw NumericalError("the NTK overflows (Θ(x, x) is not finite); reduce W_std or b_std, or the depth");
  const double invD0 = 1.0 / double(p1.encoded.cols());

  GramResult out;
  if (request.nngp) out.nngp.resize(m1, m2);
  if (request.ntk) out.ntk.resize(m1, m2);

  std::vector<Tile> tiles;
  const Eigen::Index t = std::max(8, request.tile);
  for (Eigen::Index i0 = 0; i0 < m1; i0 += t)
    for (Eigen::Index j0 = symmetric ? i0 : 0; j0 < m2; j0 += t)
      tiles.push_back({i0, j0, std::min(t, m1 - i0), std::min(t, m2 - j0)});

  std::atomic<size_t> done{0};
  std::atomic<bool> cancelled{false};
  const size_t total = tiles.size();
  tbb::parallel_for(tbb::blocked_range<size_t>(0, tiles.size(), 1), [&](const tbb::blocked_range<size_t>& range) {
    Eigen::ArrayXXd nngp, ntk;
    for (size_t k = range.begin(); k != range.end(); ++k) {
      if (cancelled.load(std::memory_order_relaxed) || job.cancelled()) {
        cancelled = true;
        return;
      }
      const Tile& tl = tiles[k];
      nngp = (p1.encoded.middleRows(tl.i0, tl.rows) * q2.encoded.middleRows(tl.j0, tl.cols).transpose()).array() * invD0;
      const bool diagonalTile = symmetric && tl.i0 == tl.j0;
      if (diagonalTile) {
        // The GEMM may sum x·x in another order than squaredNorm: use the variances on the diagonal
        // and one triangle for both halves, so K is exactly symmetric with ρ = 1 on its diagonal.
        for (Eigen::Index k = 0; k < tl.rows; ++k) nngp(k, k) = p1.variances[0](tl.i0 + k);
        nngp.matrix().triangularView<Eigen::StrictlyLower>() = nngp.matrix().transpose();
      }
      if (request.ntk) ntk.setZero(tl.rows, tl.cols);
      Eigen::ArrayXXd* ntkPtr = request.ntk ? &ntk : nullptr;
      int nIn = int(p1.encoded.cols());
      for (size_t l = 0; l < net.layers.size(); ++l) {
        if (const auto* d = std::get_if<DenseLayer>(&net.layers[l])) {
          d->applyKernel(nngp, ntkPtr, nIn, net.parameterization);
          nIn = d->width;
        } else {
          std::get<ActivationLayer>(net.layers[l])
              .applyKernel(nngp, ntkPtr, p1.variances[l].data() + tl.i0, q2.variances[l].data() + tl.j0);
        }
      }
      if (diagonalTile) {
        nngp.matrix().triangularView<Eigen::StrictlyLower>() = nngp.matrix().transpose();
        if (request.ntk) ntk.matrix().triangularView<Eigen::StrictlyLower>() = ntk.matrix().transpose();
      }
      if (request.nngp) {
        out.nngp.block(tl.i0, tl.j0, tl.rows, tl.cols) = nngp.matrix();
        if (symmetric && tl.i0 != tl.j0) out.nngp.block(tl.j0, tl.i0, tl.cols, tl.rows) = nngp.matrix().transpose();
      }
      if (request.ntk) {
        out.ntk.block(tl.i0, tl.j0, tl.rows, tl.cols) = ntk.matrix();
        if (symmetric && tl.i0 != tl.j0) out.ntk.block(tl.j0, tl.i0, tl.cols, tl.rows) = ntk.matrix().transpose();
      }
      const size_t n = ++done;
      if (job.progress && (n % 8 == 0 || n == total)) job.report(double(n) / double(total));
    }
  });
  if (cancelled || job.cancelled()) throw CancelledError();
  return out;
}

Eigen::VectorXd kernelDiagonal(const Network& net, const Eigen::MatrixXd& X, KernelKind kind, const JobControl& job)
{
  net.validate();
  if (X.cols() != net.inputDim)
    throw InputError("inputs have " + std::to_string(X.cols()) + " columns but the network's input_dim is " +
                     std::to_string(net.inputDim));
  if (!X.allFinite()) throw InputError("inputs hold NaN or infinite values");
  requireMemory(estimateGramBytes(net, X.rows(), 0, 0), "the kernel diagonal of " + std::to_string(X.rows()) + " points");
  const PointData p = preparePoints(net, X, job);
  if (kind == KernelKind::Nngp) return p.nngpDiagonal.matrix();
  if (!p.ntkDiagonal.allFinite())
    throw NumericalError("the NTK overflows (Θ(x, x) is not finite); reduce W_std or b_std, or the depth");
  return p.ntkDiagonal.matrix();
}

Eigen::MatrixXd kernelMatrix(const Network& net, const Eigen::MatrixXd& X1, const Eigen::MatrixXd* X2,
                             KernelKind kind, const JobControl& job)
{
  GramRequest r;
  r.nngp = kind == KernelKind::Nngp;
  r.ntk = kind == KernelKind::Ntk;
  GramResult g = computeGram(net, X1, X2, r, job);
  return kind == KernelKind::Nngp ? std::move(g.nngp) : std::move(g.ntk);
}

} // namespace ntk
