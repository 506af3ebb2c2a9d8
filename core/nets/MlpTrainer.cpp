// MlpTrainer.cpp — float32 forward/backward of the image MLP, Adam/SGD, prediction and PSNR.
// Layout: every activation matrix is batch rows by width, column-major (Eigen's default), so a block of
// pixels is a row range with leading dimension = the matrix's row count. The products go to OpenBLAS
// sgemm (measured 3× faster than Eigen's float GEMM, which the build compiles for SSE2 only); the
// elementwise parts (bias, φ, φ', sigmoid, Adam) run as oneTBB loops whose results do not depend on the
// partition, and reductions (bias gradients, loss) are summed in a fixed order: deterministic.
#include "core/nets/MlpTrainer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>

#include <cblas.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "core/nets/FiniteNetwork.h"
#include "core/util/Errors.h"
#include "core/util/MemoryEstimate.h"

namespace ntk {
namespace {

using MatF = Eigen::MatrixXf;
using VecF = Eigen::VectorXf;
using Index = Eigen::Index;

constexpr Index kGrain = 1 << 14;         ///< elements per TBB task in elementwise loops
constexpr Index kPredictBlock = 8192;     ///< pixels per forward block in predict()
constexpr double kCacheAllBytes = 1024.0 * 1024.0 * 1024.0; ///< cache γ of all pixels up to 1 GiB

/// A read-only column-major view: rows by cols at p, leading dimension ld.
struct ConstView {
  const float* p = nullptr;
  Index rows = 0, cols = 0, ld = 0;
};

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

/// One step of the network: a Dense layer (index into the parameters) or an activation.
struct Op {
  int dense = -1;       ///< ≥ 0: Dense parameter index
  Activation activation;
  float gw = 1.0f, gb = 0.0f;
};

/// Per-batch buffers: the output of every op, and two gradient buffers.
struct Workspace {
  std::vector<MatF> out;
  MatF g, gNext, x, y;
};

/// Fisher–Yates with a portable index draw (std::shuffle is implementation-defined).
void shuffle(std::vector<int>& v, std::mt19937_64& rng)
{
  for (size_t i = v.size(); i > 1; --i) {
    const size_t j = size_t(rng() % i);
    std::swap(v[i - 1], v[j]);
  }
}

} // namespace

struct MlpTrainer::Impl {
  Network net;
  MlpOptions opt;
  Image image;
  ImageDataset data;
  std::vector<Op> ops;
  std::vector<MatF> W;
  std::vector<VecF> b;
  std::vector<MatF> mW, vW, gW;
  std::vector<VecF> mb, vb, gb;
  MatF xTrain, yTrain; ///< γ(training pixels) (m by d0), targets (m by C)
  MatF xAll;           ///< γ(all pixels) (H·W by d0) when it fits kCacheAllBytes; empty otherwise
  bool trainIsAll = false;
  std::vector<int> order;
  size_t cursor = 0;
  std::mt19937_64 shuffleRng;
  int stepCount = 0;
  double lastLoss = std::numeric_limits<double>::quiet_NaN();
  Workspace ws;

  MatF encode(const Eigen::MatrixXd& V) const;
  /// Forward pass of rows of X into ws.out; returns the output (before the sigmoid).
  const MatF& forward(const ConstView& X, Workspace& w) const;
  /// Loss on (X, Y) and its gradient into gradW/gradB.
  double lossAndGradient(const ConstView& X, const ConstView& Y, Workspace& w, std::vector<MatF>& gradW,
                         std::vector<VecF>& gradB) const;
  void gatherBatch(const std::vector<int>& rows, Workspace& w) const;
  void adamOrSgd(float* theta, float* m, float* v, const float* g, Index n) const;
};

MatF MlpTrainer::Impl::encode(const Eigen::MatrixXd& V) const
{
  const Index d0 = net.encodedDim();
  MatF out(V.rows(), d0);
  const Index block = 2048;
  const Index blocks = (V.rows() + block - 1) / block;
  tbb::parallel_for(Index(0), blocks, [&](Index k) {
    const Index r0 = k * block, n = std::min(block, V.rows() - r0);
    out.middleRows(r0, n) = net.encoding.apply(V.middleRows(r0, n)).cast<float>();
  });
  return out;
}

const MatF& MlpTrainer::Impl::forward(const ConstView& X, Workspace& w) const
{
  const Index m = X.rows;
  w.out.resize(ops.size());
  ConstView h = X;
  for (size_t l = 0; l < ops.size(); ++l) {
    const Op& op = ops[l];
    MatF& o = w.out[l];
    if (op.dense >= 0) {
      const MatF& Wl = W[size_t(op.dense)];
      o.resize(m, Wl.rows());
      sgemm(false, true, m, Wl.rows(), Wl.cols(), op.gw, h.p, h.ld, Wl.data(), Wl.rows(), 0.0f, o.data(), m);
      const VecF& bl = b[size_t(op.dense)];
      if (bl.size() && op.gb != 0.0f) {
        tbb::parallel_for(Index(0), o.cols(), [&](Index c) { o.col(c).array() += op.gb * bl(c); });
      }
    } else {
      o.resize(m, h.cols);
      if (h.ld == m)
        activationValue(op.activation, h.p, o.data(), o.size());
      else // a block of a larger matrix (only when the network starts with an activation)
        for (Index c = 0; c < h.cols; ++c) activationValue(op.activation, h.p + c * h.ld, o.data() + c * m, m);
    }
    h = ConstView{o.data(), o.rows(), o.cols(), o.rows()};
  }
  return w.out.back();
}

double MlpTrainer::Impl::lossAndGradient(const ConstView& X, const ConstView& Y, Workspace& w,
                                         std::vector<MatF>& gradW, std::vector<VecF>& gradB) const
{
  const MatF& z = forward(X, w);
  const Index m = z.rows(), C = z.cols();
  // Loss = mean (σ(z) − y)² over m·C; ∂/∂z = 2(σ − y)σ(1 − σ)/(m·C). Per-column sums in double, in order.
  w.g.resize(m, C);
  std::vector<double> colLoss(size_t(C), 0.0);
  const float scale = float(2.0 / (double(m) * double(C)));
  tbb::parallel_for(Index(0), C, [&](Index c) {
    double sum = 0.0;
    for (Index i = 0; i < m; ++i) {
      const float s = 1.0f / (1.0f + std::exp(-z(i, c)));
      const float r = s - Y.p[i + c * Y.ld];
      sum += double(r) * double(r);
      w.g(i, c) = scale * r * s * (1.0f - s);
    }
    colLoss[size_t(c)] = sum;
  });
  double loss = 0.0;
  for (double v : colLoss) loss += v;
  loss /= double(m) * double(C);

  gradW.resize(W.size());
  gradB.resize(b.size());
  for (size_t l = ops.size(); l-- > 0;) {
    const Op& op = ops[l];
    const ConstView h = l == 0 ? X : ConstView{w.out[l - 1].data(), m, w.out[l - 1].cols(), m};
    if (op.dense >= 0) {
      const size_t k = size_t(op.dense);
      const MatF& Wl = W[k];
      MatF& gWl = gradW[k];
      gWl.resize(Wl.rows(), Wl.cols());
      // ∂L/∂W = g_W · Gᵀ H (width by n_in)
      sgemm(true, false, Wl.rows(), Wl.cols(), m, op.gw, w.g.data(), m, h.p, h.ld, 0.0f, gWl.data(), gWl.rows());
      gradB[k].resize(b[k].size());
      if (b[k].size()) {
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
      multiplyByDerivative(op.activation, h.p, w.g.data(), w.g.size());
    }
  }
  return loss;
}

void MlpTrainer::Impl::gatherBatch(const std::vector<int>& rows, Workspace& w) const
{
  const Index n = Index(rows.size());
  w.x.resize(n, xTrain.cols());
  w.y.resize(n, yTrain.cols());
  tbb::parallel_for(Index(0), xTrain.cols(), [&](Index c) {
    for (Index i = 0; i < n; ++i) w.x(i, c) = xTrain(rows[size_t(i)], c);
  });
  for (Index c = 0; c < yTrain.cols(); ++c)
    for (Index i = 0; i < n; ++i) w.y(i, c) = yTrain(rows[size_t(i)], c);
}

void MlpTrainer::Impl::adamOrSgd(float* theta, float* m, float* v, const float* g, Index n) const
{
  const float lr = float(opt.learningRate);
  if (opt.optimizer == Optimizer::Sgd) {
    forChunks(n, [&](Index s, Index e) {
      for (Index i = s; i < e; ++i) theta[i] -= lr * g[i];
    });
    return;
  }
  // PyTorch's Adam: θ ← θ − (lr/(1−β1ᵗ))·m / (√v/√(1−β2ᵗ) + ε).
  const int t = stepCount + 1;
  const float b1 = float(opt.beta1), b2 = float(opt.beta2), eps = float(opt.epsilon);
  const float stepSize = float(opt.learningRate / (1.0 - std::pow(opt.beta1, t)));
  const float sqrtBc2 = float(std::sqrt(1.0 - std::pow(opt.beta2, t)));
  forChunks(n, [&](Index s, Index e) {
    for (Index i = s; i < e; ++i) {
      m[i] = b1 * m[i] + (1.0f - b1) * g[i];
      v[i] = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
      theta[i] -= stepSize * m[i] / (std::sqrt(v[i]) / sqrtBc2 + eps);
    }
  });
}

MlpTrainer::MlpTrainer(const Network& netIn, const Image& image, int stride, const MlpOptions& options)
    : d_(std::make_unique<Impl>())
{
  Impl& d = *d_;
  if (netIn.inputDim != 2)
    throw NetworkError("training on an image needs input_dim 2 (pixel coordinates); the network has input_dim " +
                       std::to_string(netIn.inputDim));
  if (!(options.learningRate > 0.0) || !std::isfinite(options.learningRate))
    throw InputError("the learning rate must be a positive number (got " + std::to_string(options.learningRate) + ")");
  if (options.batchSize < 0)
    throw InputError("the batch size must be >= 0 (0: full batch; got " + std::to_string(options.batchSize) + ")");
  if (!(options.beta1 >= 0.0 && options.beta1 < 1.0) || !(options.beta2 >= 0.0 && options.beta2 < 1.0))
    throw InputError("Adam's betas must lie in [0, 1)");
  if (!(options.epsilon >= 0.0) || !std::isfinite(options.epsilon))
    throw InputError("Adam's epsilon must be a finite number >= 0");
  if (image.empty() || image.channels < 1) throw InputError("the image is empty");
  if (image.data.size() != size_t(image.width) * size_t(image.height) * size_t(image.channels))
    throw InputError("the image's data does not match its size");
  for (float v : image.data)
    if (!std::isfinite(v)) throw InputError("the image holds NaN or infinite values");

  // The readout gets one output per channel.
  d.net = netIn;
  for (auto it = d.net.layers.rbegin(); it != d.net.layers.rend(); ++it)
    if (auto* dense = std::get_if<DenseLayer>(&*it)) {
      dense->width = image.channels;
      break;
    }
  d.net.validate();
  d.opt = options;
  d.data = makeImageDataset(image, stride); // InputError for a bad stride

  const double d0 = double(d.net.encodedDim());
  const double mTrain = double(d.data.trainX.rows());
  const double pixels = double(image.width) * double(image.height);
  const double batch = options.batchSize > 0 ? std::min(double(options.batchSize), mTrain) : mTrain;
  double widthSum = 0.0, maxWidth = d0, params = 0.0, nIn = d0;
  for (const Layer& l : d.net.layers) {
    if (const auto* dense = std::get_if<DenseLayer>(&l)) {
      params += double(dense->width) * (nIn + 1.0);
      nIn = dense->width;
    }
    widthSum += nIn;
    maxWidth = std::max(maxWidth, nIn);
  }
  const bool cacheAll = 4.0 * pixels * d0 <= kCacheAllBytes && stride > 1;
  d.trainIsAll = stride == 1;
  // γ of the training pixels (and of all pixels when cached), the targets, the parameters with their
  // gradients and Adam moments (float) plus the double copy made at initialisation, one batch's outputs of
  // every layer and two gradient buffers (plus the gathered minibatch), and one predict() block.
  const double bytes = 4.0 * (mTrain * d0 + (cacheAll ? pixels * d0 : 0.0) + mTrain * image.channels) +
                       4.0 * 4.0 * params + 8.0 * params +
                       4.0 * batch * (widthSum + 2.0 * maxWidth + (batch < mTrain ? d0 : 0.0)) +
                       4.0 * double(std::min<Index>(kPredictBlock, Index(pixels))) * (widthSum + d0);
  requireMemory(bytes, "training the MLP (" + d.net.summary() + ") on " + std::to_string(Index(mTrain)) +
                           " pixels, batch " + std::to_string(Index(batch)));

  d.image = image;
  // Parameters exactly as the finite network draws them (W row-major then b, layer by layer).
  {
    const FiniteNetwork f(d.net, options.seed);
    for (size_t k = 0; k < f.weights().size(); ++k) {
      d.W.push_back(f.weights()[k].cast<float>());
      d.b.push_back(f.biases()[k].cast<float>());
    }
  }
  int dense = 0;
  Index width = d.net.encodedDim();
  for (const Layer& l : d.net.layers) {
    Op op;
    if (const auto* dl = std::get_if<DenseLayer>(&l)) {
      op.dense = dense++;
      op.gw = float(dl->weightScale(int(width), d.net.parameterization));
      op.gb = float(dl->biasScale(d.net.parameterization));
      width = dl->width;
    } else {
      op.activation = std::get<ActivationLayer>(l).activation;
    }
    d.ops.push_back(op);
  }
  for (size_t k = 0; k < d.W.size(); ++k) {
    d.mW.push_back(MatF::Zero(d.W[k].rows(), d.W[k].cols()));
    d.vW.push_back(MatF::Zero(d.W[k].rows(), d.W[k].cols()));
    d.mb.push_back(VecF::Zero(d.b[k].size()));
    d.vb.push_back(VecF::Zero(d.b[k].size()));
  }

  if (cacheAll) {
    d.xAll = d.encode(d.data.allX());
    // Training pixels in the dataset's order (row-major over the training grid) are rows of xAll.
    d.xTrain.resize(d.data.trainX.rows(), d.xAll.cols());
    const int s = stride, Wt = d.data.trainWidth;
    tbb::parallel_for(Index(0), d.xAll.cols(), [&](Index c) {
      for (Index i = 0; i < d.xTrain.rows(); ++i) {
        const Index row = (i / Wt) * s, col = (i % Wt) * s;
        d.xTrain(i, c) = d.xAll(row * image.width + col, c);
      }
    });
  } else {
    d.xTrain = d.encode(d.data.trainX);
  }
  d.yTrain = d.data.trainY.cast<float>();
  d.order.resize(size_t(d.xTrain.rows()));
  for (size_t i = 0; i < d.order.size(); ++i) d.order[i] = int(i);
  d.shuffleRng.seed(options.seed ^ 0x9E3779B97F4A7C15ull);
  d.cursor = d.order.size(); // shuffle at the first minibatch
}

MlpTrainer::~MlpTrainer() = default;
MlpTrainer::MlpTrainer(MlpTrainer&&) noexcept = default;
MlpTrainer& MlpTrainer::operator=(MlpTrainer&&) noexcept = default;

double MlpTrainer::step(const JobControl& job)
{
  job.checkCancelled();
  Impl& d = *d_;
  const Index m = d.xTrain.rows();
  double loss = 0.0;
  if (d.opt.batchSize == 0 || d.opt.batchSize >= m) {
    loss = d.lossAndGradient(ConstView{d.xTrain.data(), m, d.xTrain.cols(), m},
                             ConstView{d.yTrain.data(), m, d.yTrain.cols(), m}, d.ws, d.gW, d.gb);
  } else {
    // A seeded shuffle per epoch; the last batch of an epoch may be smaller (PyTorch's drop_last = false).
    if (d.cursor >= d.order.size()) {
      shuffle(d.order, d.shuffleRng);
      d.cursor = 0;
    }
    const size_t n = std::min(size_t(d.opt.batchSize), d.order.size() - d.cursor);
    const std::vector<int> rows(d.order.begin() + std::ptrdiff_t(d.cursor),
                                d.order.begin() + std::ptrdiff_t(d.cursor + n));
    d.cursor += n;
    d.gatherBatch(rows, d.ws);
    const Index bn = Index(n);
    loss = d.lossAndGradient(ConstView{d.ws.x.data(), bn, d.ws.x.cols(), bn},
                             ConstView{d.ws.y.data(), bn, d.ws.y.cols(), bn}, d.ws, d.gW, d.gb);
  }
  if (!std::isfinite(loss))
    throw NumericalError("the training loss is not finite at step " + std::to_string(d.stepCount + 1) +
                         "; lower the learning rate or W_std");
  for (size_t k = 0; k < d.W.size(); ++k) {
    d.adamOrSgd(d.W[k].data(), d.mW[k].data(), d.vW[k].data(), d.gW[k].data(), d.W[k].size());
    d.adamOrSgd(d.b[k].data(), d.mb[k].data(), d.vb[k].data(), d.gb[k].data(), d.b[k].size());
  }
  ++d.stepCount;
  d.lastLoss = loss;
  return loss;
}

int MlpTrainer::steps() const { return d_->stepCount; }

Image MlpTrainer::predict() const
{
  const Impl& d = *d_;
  const int H = d.image.height, Wd = d.image.width, C = d.image.channels;
  Image out(Wd, H, C);
  const Index pixels = Index(H) * Wd;
  const MatF* all = d.trainIsAll ? &d.xTrain : (d.xAll.size() ? &d.xAll : nullptr);
  Eigen::MatrixXd coords;
  if (!all) coords = d.data.allX();
  Workspace w;
  MatF xBlock;
  for (Index r0 = 0; r0 < pixels; r0 += kPredictBlock) {
    const Index n = std::min(kPredictBlock, pixels - r0);
    ConstView X;
    if (all) {
      X = ConstView{all->data() + r0, n, all->cols(), all->rows()};
    } else {
      xBlock = d.encode(coords.middleRows(r0, n));
      X = ConstView{xBlock.data(), n, xBlock.cols(), n};
    }
    const MatF& z = d.forward(X, w);
    forChunks(n, [&](Index s, Index e) {
      for (Index i = s; i < e; ++i)
        for (int c = 0; c < C; ++c) out.data[size_t(r0 + i) * C + c] = 1.0f / (1.0f + std::exp(-z(i, c)));
    });
  }
  return out;
}

MlpProgress MlpTrainer::evaluate() const
{
  const Impl& d = *d_;
  const Image p = predict();
  MlpProgress r;
  r.step = d.stepCount;
  r.loss = d.lastLoss;
  r.psnrTrain = psnr(p, d.image, &d.data.trainMask);
  const bool anyHeldOut = std::find(d.data.heldOutMask.begin(), d.data.heldOutMask.end(), true) !=
                          d.data.heldOutMask.end();
  r.psnrHeldOut = anyHeldOut ? psnr(p, d.image, &d.data.heldOutMask) : std::numeric_limits<double>::quiet_NaN();
  r.psnrAll = psnr(p, d.image);
  return r;
}

const ImageDataset& MlpTrainer::dataset() const { return d_->data; }
const Network& MlpTrainer::network() const { return d_->net; }

Eigen::Index MlpTrainer::parameterCount() const
{
  Index p = 0;
  for (size_t k = 0; k < d_->W.size(); ++k) p += d_->W[k].size() + d_->b[k].size();
  return p;
}

const std::vector<Eigen::MatrixXf>& MlpTrainer::weights() const { return d_->W; }
const std::vector<Eigen::VectorXf>& MlpTrainer::biases() const { return d_->b; }

void MlpTrainer::setParameters(const std::vector<Eigen::MatrixXf>& weights, const std::vector<Eigen::VectorXf>& biases)
{
  Impl& d = *d_;
  if (weights.size() != d.W.size() || biases.size() != d.b.size())
    throw InputError("setParameters: expected " + std::to_string(d.W.size()) + " Dense layers");
  for (size_t k = 0; k < d.W.size(); ++k) {
    if (weights[k].rows() != d.W[k].rows() || weights[k].cols() != d.W[k].cols() || biases[k].size() != d.b[k].size())
      throw InputError("setParameters: Dense layer " + std::to_string(k + 1) + " has the wrong shape");
    if (!weights[k].allFinite() || !biases[k].allFinite())
      throw InputError("setParameters: Dense layer " + std::to_string(k + 1) + " holds NaN or infinite values");
  }
  d.W = weights;
  d.b = biases;
}

double MlpTrainer::lossAndGradient(const std::vector<int>& rows, std::vector<Eigen::MatrixXf>& gradW,
                                   std::vector<Eigen::VectorXf>& gradB) const
{
  const Impl& d = *d_;
  Workspace w;
  const Index m = d.xTrain.rows();
  if (rows.empty())
    return d.lossAndGradient(ConstView{d.xTrain.data(), m, d.xTrain.cols(), m},
                             ConstView{d.yTrain.data(), m, d.yTrain.cols(), m}, w, gradW, gradB);
  for (int r : rows)
    if (r < 0 || r >= m) throw InputError("lossAndGradient: training pixel index " + std::to_string(r) + " out of range");
  d.gatherBatch(rows, w);
  const Index n = Index(rows.size());
  return d.lossAndGradient(ConstView{w.x.data(), n, w.x.cols(), n}, ConstView{w.y.data(), n, w.y.cols(), n}, w,
                           gradW, gradB);
}

} // namespace ntk
