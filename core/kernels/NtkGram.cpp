#include "core/kernels/NtkGram.h"

#include <atomic>
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
};

PointData preparePoints(const Network& net, const Eigen::MatrixXd& X)
{
  PointData p;
  p.encoded = net.encoding.apply(X);
  const double d0 = double(p.encoded.cols());
  // Same arithmetic as the pairs ((x·x)·(1/d0), then each layer's block transform on a 1×1 block),
  // so on the diagonal q12 == q11 == q22 bit for bit and ρ = 1 exactly: arccos turns a 1-ulp
  // mismatch into a 1e-8 error.
  Eigen::ArrayXd v = p.encoded.rowwise().squaredNorm().array() * (1.0 / d0);
  p.variances.reserve(net.layers.size());
  Eigen::ArrayXXd one(1, 1);
  int nIn = int(p.encoded.cols());
  for (const Layer& layer : net.layers) {
    p.variances.push_back(v);
    for (Eigen::Index i = 0; i < v.size(); ++i) {
      one(0, 0) = v(i);
      if (const auto* d = std::get_if<DenseLayer>(&layer))
        d->applyKernel(one, nullptr, nIn, net.parameterization);
      else
        std::get<ActivationLayer>(layer).applyKernel(one, nullptr, &v(i), &v(i));
      v(i) = one(0, 0);
    }
    if (const auto* d = std::get_if<DenseLayer>(&layer)) nIn = d->width;
  }
  return p;
}

struct Tile {
  Eigen::Index i0, j0, rows, cols;
};

} // namespace

double estimateGramBytes(const Network& net, Eigen::Index m1, Eigen::Index m2, int matrices)
{
  const double d0 = net.encodedDim();
  return 8.0 * (double(m1) * double(m2) * matrices + double(m1 + m2) * (d0 + double(net.layers.size()) + 2.0));
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

  const PointData p1 = preparePoints(net, X1);
  const PointData p2 = symmetric ? PointData{} : preparePoints(net, *X2);
  const PointData& q2 = symmetric ? p1 : p2;
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
