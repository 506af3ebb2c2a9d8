// FloatMlp.cpp — float32 forward/backward of a Network's layers, and Adam/SGD/Rprop.
// The products go to OpenBLAS sgemm (measured 3× faster than Eigen's float GEMM, which the build
// compiles for SSE2 only); the elementwise parts (bias, φ, φ', the optimisers) run as oneTBB loops whose
// results do not depend on the partition, and bias-gradient sums run in a fixed order: deterministic.
#include "core/nets/FloatMlp.h"

#include <algorithm>
#include <cmath>
#include <string>

#include <cblas.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "core/nets/FiniteNetwork.h"
#include "core/util/Errors.h"

namespace ntk {
namespace {

using MatF = Eigen::MatrixXf;
using VecF = Eigen::VectorXf;
using Index = Eigen::Index;

constexpr Index kGrain = 1 << 14; ///< elements per TBB task in elementwise loops

/// C (m by n) = alpha·op(A)·op(B) + beta·C, column-major.
void sgemm(bool ta, bool tb, Index m, Index n, Index k, float alpha, const float* A, Index lda, const float* B,
           Index ldb, float beta, float* C, Index ldc)
{
  if (m == 0 || n == 0) return;
  if (k == 0) {
    // BLAS leaves C·beta; keep that contract explicit for empty inner dimensions.
    for (Index j = 0; j < n; ++j)
      for (Index i = 0; i < m; ++i) C[i + j * ldc] *= beta;
    return;
  }
  cblas_sgemm(CblasColMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, int(m), int(n), int(k),
              alpha, A, int(lda), B, int(ldb), beta, C, int(ldc));
}

/// Applies f(begin, end) to [0, n) in TBB chunks (f must be elementwise: the result is partition-free).
template <class F> void forChunks(Index n, F&& f)
{
  if (n <= kGrain) {
    f(Index(0), n);
    return;
  }
  tbb::parallel_for(tbb::blocked_range<Index>(0, n, kGrain),
                    [&](const tbb::blocked_range<Index>& r) { f(r.begin(), r.end()); });
}

constexpr float kInvSqrt2 = 0.70710678118654752440f;
constexpr float kInvSqrt2Pi = 0.39894228040143267794f;
constexpr float kTwoOverSqrtPi = 1.12837916709551257390f;

/// out = φ(z) over n contiguous floats.
void activationValue(const Activation& a, const float* z, float* out, Index n)
{
  const float p = float(a.parameter());
  forChunks(n, [&](Index b, Index e) {
    Eigen::Map<const Eigen::ArrayXf> Z(z + b, e - b);
    Eigen::Map<Eigen::ArrayXf> O(out + b, e - b);
    switch (a.kind()) {
    case ActivationKind::Relu: O = Z.max(0.0f); break;
    case ActivationKind::LeakyRelu: O = (Z > 0.0f).select(Z, p * Z); break;
    case ActivationKind::Identity: O = Z; break;
    case ActivationKind::Sin: O = (p * Z).sin(); break;
    case ActivationKind::Tanh: O = Z.tanh(); break;
    case ActivationKind::Erf:
      for (Index i = 0; i < Z.size(); ++i) O[i] = std::erf(Z[i]);
      break;
    case ActivationKind::Gelu:
      for (Index i = 0; i < Z.size(); ++i) O[i] = 0.5f * Z[i] * (1.0f + std::erf(Z[i] * kInvSqrt2));
      break;
    case ActivationKind::Custom:
      for (Index i = 0; i < Z.size(); ++i) O[i] = float(a.value(double(Z[i])));
      break;
    }
  });
}

/// g ∘= φ'(z) over n contiguous floats.
void multiplyByDerivative(const Activation& a, const float* z, float* g, Index n)
{
  const float p = float(a.parameter());
  forChunks(n, [&](Index b, Index e) {
    Eigen::Map<const Eigen::ArrayXf> Z(z + b, e - b);
    Eigen::Map<Eigen::ArrayXf> G(g + b, e - b);
    switch (a.kind()) {
    case ActivationKind::Relu: G = (Z > 0.0f).select(G, 0.0f); break;
    case ActivationKind::LeakyRelu: G = (Z > 0.0f).select(G, p * G); break;
    case ActivationKind::Identity: break;
    case ActivationKind::Sin: G *= p * (p * Z).cos(); break;
    case ActivationKind::Tanh: G *= 1.0f - Z.tanh().square(); break;
    case ActivationKind::Erf: G *= kTwoOverSqrtPi * (-Z.square()).exp(); break;
    case ActivationKind::Gelu:
      for (Index i = 0; i < Z.size(); ++i) {
        const float zi = Z[i];
        G[i] *= 0.5f * (1.0f + std::erf(zi * kInvSqrt2)) + zi * kInvSqrt2Pi * std::exp(-0.5f * zi * zi);
      }
      break;
    case ActivationKind::Custom:
      for (Index i = 0; i < Z.size(); ++i) G[i] *= float(a.derivative(double(Z[i])));
      break;
    }
  });
}

} // namespace

void FloatOptimizerOptions::validate() const
{
  if (!(learningRate > 0.0) || !std::isfinite(learningRate))
    throw InputError("the learning rate must be a positive number (got " + std::to_string(learningRate) + ")");
  if (!(beta1 >= 0.0 && beta1 < 1.0) || !(beta2 >= 0.0 && beta2 < 1.0))
    throw InputError("Adam's betas must lie in [0, 1)");
  if (!(epsilon >= 0.0) || !std::isfinite(epsilon)) throw InputError("Adam's epsilon must be a finite number >= 0");
  if (!(etaMinus > 0.0 && etaMinus < 1.0 && etaPlus > 1.0 && std::isfinite(etaPlus)))
    throw InputError("Rprop's etas must satisfy 0 < eta- < 1 < eta+ (got " + std::to_string(etaMinus) + ", " +
                     std::to_string(etaPlus) + ")");
  if (!(stepMin > 0.0 && stepMin <= stepMax && std::isfinite(stepMax)))
    throw InputError("Rprop's step sizes must satisfy 0 < min <= max (got " + std::to_string(stepMin) + ", " +
                     std::to_string(stepMax) + ")");
}

FloatMlp::FloatMlp(const Network& net, std::uint64_t seed, const FloatOptimizerOptions& optimizer) : m_net(net)
{
  optimizer.validate();
  m_opt = optimizer;
  {
    // Parameters exactly as the finite network draws them (W row-major then b, layer by layer).
    const FiniteNetwork f(m_net, seed); // validates the network
    for (size_t k = 0; k < f.weights().size(); ++k) {
      m_W.push_back(f.weights()[k].cast<float>());
      m_b.push_back(f.biases()[k].cast<float>());
    }
  }
  int dense = 0;
  Index width = m_net.encodedDim();
  for (const Layer& l : m_net.layers) {
    Op op;
    if (const auto* dl = std::get_if<DenseLayer>(&l)) {
      op.dense = dense++;
      op.gw = float(dl->weightScale(int(width), m_net.parameterization));
      op.gb = float(dl->biasScale(m_net.parameterization));
      width = dl->width;
    } else {
      op.activation = std::get<ActivationLayer>(l).activation;
    }
    m_ops.push_back(op);
  }
  resetOptimizerState();
}

Eigen::Index FloatMlp::parameterCount() const
{
  Index p = 0;
  for (size_t k = 0; k < m_W.size(); ++k) p += m_W[k].size() + m_b[k].size();
  return p;
}

void FloatMlp::resetOptimizerState()
{
  // Adam: both moments 0. Rprop: previous gradient 0, step size lr. SGD: unused (kept small).
  const bool rprop = m_opt.kind == FloatOptimizerKind::Rprop;
  const float step0 = float(m_opt.learningRate);
  m_s1W.clear();
  m_s2W.clear();
  m_s1b.clear();
  m_s2b.clear();
  for (size_t k = 0; k < m_W.size(); ++k) {
    m_s1W.push_back(MatF::Zero(m_W[k].rows(), m_W[k].cols()));
    m_s2W.push_back(rprop ? MatF::Constant(m_W[k].rows(), m_W[k].cols(), step0) : MatF::Zero(m_W[k].rows(), m_W[k].cols()));
    m_s1b.push_back(VecF::Zero(m_b[k].size()));
    m_s2b.push_back(rprop ? VecF::Constant(m_b[k].size(), step0) : VecF::Zero(m_b[k].size()));
  }
  m_steps = 0;
}

void FloatMlp::setOptimizer(const FloatOptimizerOptions& optimizer)
{
  optimizer.validate();
  const bool sameKind = optimizer.kind == m_opt.kind;
  m_opt = optimizer;
  if (!sameKind) resetOptimizerState();
}

Eigen::MatrixXf FloatMlp::encode(const Eigen::MatrixXd& V) const
{
  if (V.cols() != m_net.inputDim)
    throw InputError("inputs have " + std::to_string(V.cols()) + " columns but input_dim is " +
                     std::to_string(m_net.inputDim));
  const Index d0 = m_net.encodedDim();
  MatF out(V.rows(), d0);
  const Index block = 2048;
  const Index blocks = (V.rows() + block - 1) / block;
  tbb::parallel_for(Index(0), blocks, [&](Index k) {
    const Index r0 = k * block, n = std::min(block, V.rows() - r0);
    out.middleRows(r0, n) = m_net.encoding.apply(V.middleRows(r0, n)).cast<float>();
  });
  return out;
}

const Eigen::MatrixXf& FloatMlp::forward(const FloatRows& X, FloatMlpWorkspace& w) const
{
  const Index m = X.rows;
  w.out.resize(m_ops.size());
  FloatRows h = X;
  for (size_t l = 0; l < m_ops.size(); ++l) {
    const Op& op = m_ops[l];
    MatF& o = w.out[l];
    if (op.dense >= 0) {
      const MatF& Wl = m_W[size_t(op.dense)];
      o.resize(m, Wl.rows());
      sgemm(false, true, m, Wl.rows(), Wl.cols(), op.gw, h.data, h.ld, Wl.data(), Wl.rows(), 0.0f, o.data(), m);
      const VecF& bl = m_b[size_t(op.dense)];
      if (bl.size() && op.gb != 0.0f) {
        tbb::parallel_for(Index(0), o.cols(), [&](Index c) { o.col(c).array() += op.gb * bl(c); });
      }
    } else {
      o.resize(m, h.cols);
      if (h.ld == m)
        activationValue(op.activation, h.data, o.data(), o.size());
      else // a block of a larger matrix (only when the network starts with an activation)
        for (Index c = 0; c < h.cols; ++c) activationValue(op.activation, h.data + c * h.ld, o.data() + c * m, m);
    }
    h = FloatRows{o.data(), o.rows(), o.cols(), o.rows()};
  }
  return w.out.back();
}

Eigen::MatrixXf FloatMlp::forward(const Eigen::MatrixXf& X) const
{
  FloatMlpWorkspace w;
  return forward(FloatRows::of(X), w);
}

void FloatMlp::backward(const FloatRows& X, FloatMlpWorkspace& w, Eigen::MatrixXf gradOutput,
                        std::vector<Eigen::MatrixXf>& gradW, std::vector<Eigen::VectorXf>& gradB) const
{
  const Index m = X.rows;
  if (w.out.size() != m_ops.size() || w.out.back().rows() != m)
    throw InputError("FloatMlp::backward: the workspace does not hold a forward pass of these rows");
  if (gradOutput.rows() != m || gradOutput.cols() != w.out.back().cols())
    throw InputError("FloatMlp::backward: dL/dOutput is " + std::to_string(gradOutput.rows()) + " by " +
                     std::to_string(gradOutput.cols()) + ", expected " + std::to_string(m) + " by " +
                     std::to_string(w.out.back().cols()));
  w.g = std::move(gradOutput);
  gradW.resize(m_W.size());
  gradB.resize(m_b.size());
  for (size_t l = m_ops.size(); l-- > 0;) {
    const Op& op = m_ops[l];
    const FloatRows h = l == 0 ? X : FloatRows{w.out[l - 1].data(), m, w.out[l - 1].cols(), m};
    if (op.dense >= 0) {
      const size_t k = size_t(op.dense);
      const MatF& Wl = m_W[k];
      MatF& gWl = gradW[k];
      gWl.resize(Wl.rows(), Wl.cols());
      // ∂L/∂W = g_W · Gᵀ H (width by n_in)
      sgemm(true, false, Wl.rows(), Wl.cols(), m, op.gw, w.g.data(), m, h.data, h.ld, 0.0f, gWl.data(), gWl.rows());
      gradB[k].resize(m_b[k].size());
      if (m_b[k].size()) {
        tbb::parallel_for(Index(0), Wl.rows(), [&](Index c) {
          double sum = 0.0;
          const float* col = w.g.data() + c * m;
          for (Index i = 0; i < m; ++i) sum += col[i];
          gradB[k](c) = float(op.gb * sum);
        });
      }
      if (l > 0) { // ∂L/∂H = g_W · G W (m by n_in)
        w.gNext.resize(m, Wl.cols());
        sgemm(false, false, m, Wl.cols(), Wl.rows(), op.gw, w.g.data(), m, Wl.data(), Wl.rows(), 0.0f,
              w.gNext.data(), m);
        std::swap(w.g, w.gNext);
      }
    } else {
      if (l == 0) break; // nothing trainable below
      multiplyByDerivative(op.activation, h.data, w.g.data(), w.g.size());
    }
  }
}

void FloatMlp::updateTensor(float* theta, float* s1, float* s2, const float* g, Index n) const
{
  const float lr = float(m_opt.learningRate);
  switch (m_opt.kind) {
  case FloatOptimizerKind::Sgd:
    forChunks(n, [&](Index s, Index e) {
      for (Index i = s; i < e; ++i) theta[i] -= lr * g[i];
    });
    return;
  case FloatOptimizerKind::Adam: {
    // PyTorch's Adam: θ ← θ − (lr/(1−β1ᵗ))·m / (√v/√(1−β2ᵗ) + ε). s1 = m, s2 = v.
    const int t = m_steps + 1;
    const float b1 = float(m_opt.beta1), b2 = float(m_opt.beta2), eps = float(m_opt.epsilon);
    const float stepSize = float(m_opt.learningRate / (1.0 - std::pow(m_opt.beta1, t)));
    const float sqrtBc2 = float(std::sqrt(1.0 - std::pow(m_opt.beta2, t)));
    forChunks(n, [&](Index s, Index e) {
      for (Index i = s; i < e; ++i) {
        s1[i] = b1 * s1[i] + (1.0f - b1) * g[i];
        s2[i] = b2 * s2[i] + (1.0f - b2) * g[i] * g[i];
        theta[i] -= stepSize * s1[i] / (std::sqrt(s2[i]) / sqrtBc2 + eps);
      }
    });
    return;
  }
  case FloatOptimizerKind::Rprop: {
    // PyTorch's Rprop: the sign of g·g_prev scales the step by η+ (> 0), η− (< 0) or 1 (= 0), clamped
    // to [min, max]; after a sign change the gradient counts as 0 (no move, and no scaling next time).
    // θ ← θ − sign(g)·step. s1 = the previous (possibly zeroed) gradient, s2 = the step size.
    const float etaMinus = float(m_opt.etaMinus), etaPlus = float(m_opt.etaPlus);
    const float stepMin = float(m_opt.stepMin), stepMax = float(m_opt.stepMax);
    forChunks(n, [&](Index s, Index e) {
      for (Index i = s; i < e; ++i) {
        const float product = g[i] * s1[i];
        const float factor = product > 0.0f ? etaPlus : (product < 0.0f ? etaMinus : 1.0f);
        s2[i] = std::clamp(s2[i] * factor, stepMin, stepMax);
        const float gi = product < 0.0f ? 0.0f : g[i];
        const float sign = gi > 0.0f ? 1.0f : (gi < 0.0f ? -1.0f : 0.0f);
        theta[i] -= sign * s2[i];
        s1[i] = gi;
      }
    });
    return;
  }
  }
}

void FloatMlp::step(const std::vector<Eigen::MatrixXf>& gradW, const std::vector<Eigen::VectorXf>& gradB)
{
  if (gradW.size() != m_W.size() || gradB.size() != m_b.size())
    throw InputError("FloatMlp::step: expected gradients of " + std::to_string(m_W.size()) + " Dense layers");
  for (size_t k = 0; k < m_W.size(); ++k)
    if (gradW[k].rows() != m_W[k].rows() || gradW[k].cols() != m_W[k].cols() || gradB[k].size() != m_b[k].size())
      throw InputError("FloatMlp::step: the gradient of Dense layer " + std::to_string(k + 1) + " has the wrong shape");
  for (size_t k = 0; k < m_W.size(); ++k) {
    updateTensor(m_W[k].data(), m_s1W[k].data(), m_s2W[k].data(), gradW[k].data(), m_W[k].size());
    updateTensor(m_b[k].data(), m_s1b[k].data(), m_s2b[k].data(), gradB[k].data(), m_b[k].size());
  }
  ++m_steps;
}

void FloatMlp::setParameters(const std::vector<Eigen::MatrixXf>& weights, const std::vector<Eigen::VectorXf>& biases)
{
  if (weights.size() != m_W.size() || biases.size() != m_b.size())
    throw InputError("setParameters: expected " + std::to_string(m_W.size()) + " Dense layers");
  for (size_t k = 0; k < m_W.size(); ++k) {
    if (weights[k].rows() != m_W[k].rows() || weights[k].cols() != m_W[k].cols() || biases[k].size() != m_b[k].size())
      throw InputError("setParameters: Dense layer " + std::to_string(k + 1) + " has the wrong shape");
    if (!weights[k].allFinite() || !biases[k].allFinite())
      throw InputError("setParameters: Dense layer " + std::to_string(k + 1) + " holds NaN or infinite values");
  }
  m_W = weights;
  m_b = biases;
}

} // namespace ntk
