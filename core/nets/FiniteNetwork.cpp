#include "core/nets/FiniteNetwork.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/util/DenseBlas.h"
#include "core/util/Errors.h"
#include "core/util/HugePages.h"
#include "core/util/MemoryEstimate.h"
#include "core/util/SeededNormal.h"

namespace ntk {

namespace {

/// The m1 by m2 products are computed in blocks of rows, so that a long one (thousands of points,
/// seconds each) reports progress and can be cancelled between blocks.
constexpr Eigen::Index kRowBlock = 256;

/// Calls f(i0, rows) for each block of rows of an m-row product, then `done()`.
template <class F, class Done>
void forRowBlocks(Eigen::Index m, F&& f, Done&& done)
{
  for (Eigen::Index i0 = 0; i0 < m; i0 += kRowBlock) {
    f(i0, std::min(kRowBlock, m - i0));
    done();
  }
}

Eigen::Index rowBlocks(Eigen::Index m) { return (m + kRowBlock - 1) / kRowBlock; }

/// W ← scale · (the next W.size() normals, in row-major order), through a block of rows at a time: the
/// draws stay in the documented order while the column-major writes stay contiguous.
void fillRowMajor(SeededNormal& normal, double scale, Eigen::MatrixXd& W)
{
  using RowBlock = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  constexpr Eigen::Index kRows = 32;
  RowBlock block(std::min<Eigen::Index>(kRows, W.rows()), W.cols());
  for (Eigen::Index r = 0; r < W.rows(); r += kRows) {
    const Eigen::Index rows = std::min(kRows, W.rows() - r);
    normal.fill(block.data(), size_t(rows * W.cols()));
    W.middleRows(r, rows) = scale * block.topRows(rows);
  }
}

} // namespace

FiniteNetwork::FiniteNetwork(const Network& net, std::uint64_t seed) : m_net(net)
{
  m_net.validate();
  requireMemory(parameterBytes(m_net), "the finite network's parameters");
  SeededNormal normal(seed);
  int nIn = int(m_net.encodedDim()); // validate() capped it at kMaxWidth
  for (const Layer& layer : m_net.layers) {
    if (const auto* d = std::get_if<DenseLayer>(&layer)) {
      m_denseOfLayer.push_back(int(m_W.size()));
      // Standard parameterisation keeps the scale in the parameters; NTK keeps it in the forward pass.
      const bool standard = m_net.parameterization == Parameterization::Standard;
      const double wScale = standard ? d->wStd / std::sqrt(double(nIn)) : 1.0;
      const double bScale = standard && d->bStd ? *d->bStd : 1.0;
      Eigen::MatrixXd W(d->width, nIn);
      adviseHugePages(W.data(), sizeof(double) * size_t(W.size())); // before the first write
      fillRowMajor(normal, wScale, W);
      Eigen::VectorXd b(d->bStd ? d->width : 0);
      normal.fill(b.data(), size_t(b.size()));
      b *= bScale;
      m_W.push_back(std::move(W));
      m_b.push_back(std::move(b));
      nIn = d->width;
    } else {
      m_denseOfLayer.push_back(-1);
    }
  }
}

double FiniteNetwork::parameterBytes(const Network& net)
{
  double p = 0.0;
  double nIn = double(net.encodedDim());
  for (const Layer& l : net.layers)
    if (const auto* d = std::get_if<DenseLayer>(&l)) {
      p += double(d->width) * (nIn + 1.0);
      nIn = d->width;
    }
  return 8.0 * p;
}

int FiniteNetwork::widestLayer(const Network& net)
{
  int width = 1;
  for (const Layer& l : net.layers)
    if (const auto* d = std::get_if<DenseLayer>(&l)) width = std::max(width, d->width);
  return width;
}

double FiniteNetwork::kernelBytes(const Network& net, Eigen::Index m1, Eigen::Index m2)
{
  // The parameters, the per-layer activations (and backward vectors) of both input sets, and the
  // m1 by m2 matrices: the sum, the result and one H Hᵀ (and Δ Δᵀ) per Dense layer.
  const double rows1 = double(m1), rows2 = double(m2 > 0 ? m2 : m1);
  const double widest = std::max(double(widestLayer(net)), double(net.encodedDim()));
  const double activations = 8.0 * (rows1 + (m2 > 0 ? rows2 : 0.0)) * widest * double(net.layers.size());
  return parameterBytes(net) + activations + 8.0 * rows1 * rows2 * (net.denseCount() + 3);
}

Eigen::Index FiniteNetwork::parameterCount() const
{
  Eigen::Index p = 0;
  for (size_t i = 0; i < m_W.size(); ++i) p += m_W[i].size() + m_b[i].size();
  return p;
}

FiniteNetwork::Trace FiniteNetwork::run(const Eigen::MatrixXd& X) const
{
  if (X.cols() != m_net.inputDim)
    throw InputError("inputs have " + std::to_string(X.cols()) + " columns but input_dim is " + std::to_string(m_net.inputDim));
  Trace t;
  t.preActivations.resize(m_net.layers.size());
  Eigen::MatrixXd h = m_net.encoding.apply(X);
  for (size_t l = 0; l < m_net.layers.size(); ++l) {
    if (const auto* d = std::get_if<DenseLayer>(&m_net.layers[l])) {
      const int k = m_denseOfLayer[l];
      t.denseInputs.push_back(h);
      h = d->forward(h, m_W[size_t(k)], m_b[size_t(k)], m_net.parameterization);
    } else {
      t.preActivations[l] = h;
      h = std::get<ActivationLayer>(m_net.layers[l]).forward(h);
    }
  }
  t.output = std::move(h);
  return t;
}

std::vector<Eigen::MatrixXd> FiniteNetwork::backward(const Trace& trace, int output) const
{
  std::vector<Eigen::MatrixXd> deltas(m_W.size());
  const Eigen::Index m = trace.output.rows();
  Eigen::MatrixXd g = Eigen::MatrixXd::Zero(m, trace.output.cols()); // ∂f_output/∂(current activations)
  g.col(output).setOnes();
  for (size_t l = m_net.layers.size(); l-- > 0;) {
    if (const auto* d = std::get_if<DenseLayer>(&m_net.layers[l])) {
      const int k = m_denseOfLayer[l];
      deltas[size_t(k)] = g;
      const int nIn = int(m_W[size_t(k)].cols());
      if (l > 0) {
        Eigen::MatrixXd next;
        gemm(g, false, m_W[size_t(k)], false, next, d->weightScale(nIn, m_net.parameterization));
        g = std::move(next);
      }
    } else {
      g = g.cwiseProduct(std::get<ActivationLayer>(m_net.layers[l]).derivative(trace.preActivations[l]));
    }
  }
  return deltas;
}

Eigen::MatrixXd FiniteNetwork::forward(const Eigen::MatrixXd& X) const { return run(X).output; }

Eigen::MatrixXd FiniteNetwork::jacobian(const Eigen::MatrixXd& X, int output) const
{
  const Trace t = run(X);
  const auto deltas = backward(t, output);
  Eigen::MatrixXd J(X.rows(), parameterCount());
  Eigen::Index off = 0;
  int k = 0;
  for (const Layer& layer : m_net.layers) {
    const auto* d = std::get_if<DenseLayer>(&layer);
    if (!d) continue;
    const Eigen::MatrixXd& H = t.denseInputs[size_t(k)];
    const Eigen::MatrixXd& D = deltas[size_t(k)];
    const double gw = d->weightScale(int(H.cols()), m_net.parameterization);
    const double gb = d->biasScale(m_net.parameterization);
    for (Eigen::Index s = 0; s < X.rows(); ++s) {
      for (Eigen::Index r = 0; r < D.cols(); ++r)
        J.row(s).segment(off + r * H.cols(), H.cols()) = gw * D(s, r) * H.row(s);
      if (m_b[size_t(k)].size()) J.row(s).segment(off + D.cols() * H.cols(), D.cols()) = gb * D.row(s);
    }
    off += m_W[size_t(k)].size() + m_b[size_t(k)].size();
    ++k;
  }
  return J;
}

Eigen::MatrixXd FiniteNetwork::empiricalNtk(const Eigen::MatrixXd& X1, const Eigen::MatrixXd* X2, const JobControl& job) const
{
  const Trace t1 = run(X1);
  const Trace t2 = X2 ? run(*X2) : Trace{};
  const Trace& u2 = X2 ? t2 : t1;
  const int outputs = int(t1.output.cols());
  Eigen::MatrixXd theta = Eigen::MatrixXd::Zero(X1.rows(), X2 ? X2->rows() : X1.rows());
  // Progress: one unit per block of rows of each product (H Hᵀ per layer, Δ Δᵀ per layer and output).
  const double total = double(rowBlocks(X1.rows())) * double(t1.denseInputs.size()) * (1.0 + outputs);
  double done = 0.0;
  const auto step = [&] {
    job.checkCancelled();
    job.report(++done / total);
  };
  // The H Hᵀ factor does not depend on the output: compute it once per layer.
  std::vector<Eigen::MatrixXd> inputGram;
  int k = 0;
  for (const Layer& layer : m_net.layers) {
    const auto* d = std::get_if<DenseLayer>(&layer);
    if (!d) continue;
    const Eigen::MatrixXd& H1 = t1.denseInputs[size_t(k)];
    const double gw = d->weightScale(int(H1.cols()), m_net.parameterization);
    const double gb = d->biasScale(m_net.parameterization);
    const Eigen::MatrixXd& H2 = u2.denseInputs[size_t(k)];
    Eigen::MatrixXd G(H1.rows(), H2.rows());
    forRowBlocks(
        H1.rows(), [&](Eigen::Index i0, Eigen::Index rows) { G.middleRows(i0, rows).noalias() = (gw * gw) * (H1.middleRows(i0, rows) * H2.transpose()); },
        step);
    if (m_b[size_t(k)].size()) G.array() += gb * gb;
    inputGram.push_back(std::move(G));
    ++k;
  }
  for (int j = 0; j < outputs; ++j) {
    const auto d1 = backward(t1, j);
    const auto d2 = X2 ? backward(t2, j) : d1;
    for (size_t l = 0; l < d1.size(); ++l)
      forRowBlocks(
          theta.rows(),
          [&](Eigen::Index i0, Eigen::Index rows) {
            theta.middleRows(i0, rows).array() +=
                (d1[l].middleRows(i0, rows) * d2[l].transpose()).array() * inputGram[l].middleRows(i0, rows).array();
          },
          step);
  }
  return theta / double(outputs);
}

Eigen::MatrixXd FiniteNetwork::empiricalNngp(const Eigen::MatrixXd& X1, const Eigen::MatrixXd* X2, const JobControl& job) const
{
  const Trace t1 = run(X1);
  const Trace t2 = X2 ? run(*X2) : Trace{};
  const Eigen::MatrixXd& H1 = t1.denseInputs.back();
  const Eigen::MatrixXd& H2 = X2 ? t2.denseInputs.back() : H1;
  // The readout z = W h + b with W_ij ~ N(0, W_std²/n_in), b ~ N(0, b_std²) in both parameterisations:
  // averaging f fᵀ over W, b exactly leaves W_std² h·h'/n_in + b_std².
  const DenseLayer& readout = std::get<DenseLayer>(m_net.layers.back());
  const double nIn = double(H1.cols());
  const double scale = readout.wStd * readout.wStd / nIn;
  Eigen::MatrixXd K(H1.rows(), H2.rows());
  const double total = double(rowBlocks(H1.rows()));
  double done = 0.0;
  forRowBlocks(
      H1.rows(), [&](Eigen::Index i0, Eigen::Index rows) { K.middleRows(i0, rows).noalias() = scale * (H1.middleRows(i0, rows) * H2.transpose()); },
      [&] {
        job.checkCancelled();
        job.report(++done / total);
      });
  K.array() += readout.bias2();
  return K;
}

Eigen::MatrixXd monteCarloKernel(const Network& net, const Eigen::MatrixXd& X1, const Eigen::MatrixXd* X2, bool ntk,
                                 int width, int samples, std::uint64_t seed, const JobControl& job)
{
  if (width < 1) throw InputError("--width must be >= 1");
  return monteCarloKernelAtWidths(net.withHiddenWidth(width), X1, X2, ntk, samples, seed, job);
}

Eigen::MatrixXd monteCarloKernelAtWidths(const Network& wide, const Eigen::MatrixXd& X1, const Eigen::MatrixXd* X2,
                                         bool ntk, int samples, std::uint64_t seed, const JobControl& job)
{
  if (samples < 1) throw InputError("--samples must be >= 1");
  if (!X1.allFinite() || (X2 && !X2->allFinite())) throw InputError("inputs hold NaN or infinite values");
  wide.validate();
  // Parameters twice: one network alive while the next is built.
  requireMemory(FiniteNetwork::parameterBytes(wide) + FiniteNetwork::kernelBytes(wide, X1.rows(), X2 ? X2->rows() : 0),
                "a width-" + std::to_string(FiniteNetwork::widestLayer(wide)) + " network");
  Eigen::MatrixXd sum = Eigen::MatrixXd::Zero(X1.rows(), X2 ? X2->rows() : X1.rows());
  for (int s = 0; s < samples; ++s) {
    job.checkCancelled();
    const FiniteNetwork f(wide, seed + std::uint64_t(s));
    // Network s covers [s, s + 1)/samples of the job.
    JobControl one;
    one.stop = job.stop;
    if (job.progress) one.progress = [&job, s, samples](double fraction) { job.report((s + fraction) / samples); };
    sum += ntk ? f.empiricalNtk(X1, X2, one) : f.empiricalNngp(X1, X2, one);
    job.report(double(s + 1) / samples);
  }
  if (!sum.allFinite())
    throw NumericalError(std::string("the empirical ") + (ntk ? "NTK" : "NNGP") +
                         " overflows (a kernel entry is not finite); reduce W_std or b_std, or the depth");
  return sum / double(samples);
}

} // namespace ntk
