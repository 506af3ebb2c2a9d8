// MlpTrainer.cpp — the image MLP: the sigmoid/MSE loss on top of FloatMlp's float32 layers, minibatches,
// prediction and PSNR. Layout: every activation matrix is batch rows by width, column-major (Eigen's
// default), so a block of pixels is a row range with leading dimension = the matrix's row count. The
// elementwise parts (sigmoid, loss gradient) run as oneTBB loops whose results do not depend on the
// partition, and reductions (loss) are summed in a fixed order: deterministic.
#include "core/nets/MlpTrainer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <random>
#include <string>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "core/nets/FloatMlp.h"
#include "core/util/Errors.h"
#include "core/util/MemoryEstimate.h"
#include "core/util/SeededShuffle.h"

namespace ntk {
namespace {

using MatF = Eigen::MatrixXf;
using VecF = Eigen::VectorXf;
using Index = Eigen::Index;

constexpr Index kGrain = 1 << 14;         ///< elements per TBB task in elementwise loops
constexpr Index kPredictBlock = 8192;     ///< pixels per forward block in predict()
constexpr double kCacheAllBytes = 1024.0 * 1024.0 * 1024.0; ///< cache γ of all pixels up to 1 GiB

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

/// Per-batch buffers: the layers' workspace and the gathered minibatch.
struct Workspace {
  FloatMlpWorkspace mlp;
  MatF x, y;
};

FloatOptimizerOptions floatOptimizer(const MlpOptions& o)
{
  FloatOptimizerOptions f;
  f.kind = o.optimizer == Optimizer::Sgd ? FloatOptimizerKind::Sgd : FloatOptimizerKind::Adam;
  f.learningRate = o.learningRate;
  f.beta1 = o.beta1;
  f.beta2 = o.beta2;
  f.epsilon = o.epsilon;
  return f;
}

/// Whether γ of every pixel is cached (predict() then reuses it): when it fits kCacheAllBytes and some
/// pixels are held out (otherwise γ of the training pixels is γ of all).
bool cachesAllPixels(int width, int height, Index encodedDim, bool trainIsAll)
{
  return 4.0 * double(width) * double(height) * double(encodedDim) <= kCacheAllBytes && !trainIsAll;
}

} // namespace

Network withReadoutWidth(const Network& net, int channels)
{
  Network out = net;
  for (auto it = out.layers.rbegin(); it != out.layers.rend(); ++it)
    if (auto* dense = std::get_if<DenseLayer>(&*it)) {
      dense->width = channels;
      break;
    }
  return out;
}

double estimateMlpTrainerBytes(const Network& netIn, int width, int height, int channels, Index trainPixels,
                               const MlpOptions& options)
{
  const Network net = withReadoutWidth(netIn, channels);
  const double d0 = double(net.encodedDim());
  const double mTrain = double(trainPixels);
  const double pixels = double(width) * double(height);
  const double batch = options.batchSize > 0 ? std::min(double(options.batchSize), mTrain) : mTrain;
  double widthSum = 0.0, maxWidth = d0, params = 0.0, nIn = d0;
  for (const Layer& l : net.layers) {
    if (const auto* dense = std::get_if<DenseLayer>(&l)) {
      params += double(dense->width) * (nIn + 1.0);
      nIn = dense->width;
    }
    widthSum += nIn;
    maxWidth = std::max(maxWidth, nIn);
  }
  const bool cacheAll = cachesAllPixels(width, height, net.encodedDim(), trainPixels >= Index(pixels));
  // γ of the training pixels (and of all pixels when cached), the targets, the parameters with their
  // gradients and Adam moments (float) plus the double copy made at initialisation, one batch's outputs of
  // every layer and two gradient buffers (plus the gathered minibatch), and one predict() block.
  return 4.0 * (mTrain * d0 + (cacheAll ? pixels * d0 : 0.0) + mTrain * channels) + 4.0 * 4.0 * params + 8.0 * params +
         4.0 * batch * (widthSum + 2.0 * maxWidth + (batch < mTrain ? d0 : 0.0)) +
         4.0 * double(std::min<Index>(kPredictBlock, Index(pixels))) * (widthSum + d0);
}

void LearningRateSchedule::validate() const
{
  if (warmupSteps < 0) throw InputError("the learning-rate warm-up must be >= 0 steps (got " + std::to_string(warmupSteps) + ")");
  if (!(halfLife >= 0.0) || !std::isfinite(halfLife))
    throw InputError("the learning-rate half-life must be a finite number of steps >= 0 (got " + std::to_string(halfLife) + ")");
  if (!(floor > 0.0 && floor <= 1.0))
    throw InputError("the learning-rate floor must lie in (0, 1] (got " + std::to_string(floor) + ")");
}

double LearningRateSchedule::factor(int step) const
{
  if (warmupSteps > 0 && step <= warmupSteps) return double(std::max(step, 1)) / double(warmupSteps);
  if (halfLife <= 0.0) return 1.0;
  return std::max(floor, std::exp2(-double(step - warmupSteps) / halfLife));
}

struct MlpTrainer::Impl {
  MlpOptions opt;
  Image image;
  ImageDataset data;
  std::optional<FloatMlp> mlp;  ///< the layers, their parameters and the optimiser state
  std::vector<MatF> gW;
  std::vector<VecF> gb;
  MatF xTrain, yTrain; ///< γ(training pixels) (m by d0), targets (m by C)
  MatF xAll;           ///< γ(all pixels) (H·W by d0) when it fits kCacheAllBytes; empty otherwise
  bool trainIsAll = false;
  std::vector<int> order;
  size_t cursor = 0;
  std::mt19937_64 shuffleRng;
  int stepCount = 0;
  double lastLoss = std::numeric_limits<double>::quiet_NaN();
  Workspace ws;

  /// Loss on (X, Y) and its gradient into gradW/gradB.
  double lossAndGradient(const FloatRows& X, const FloatRows& Y, Workspace& w, std::vector<MatF>& gradW,
                         std::vector<VecF>& gradB) const;
  void gatherBatch(const std::vector<int>& rows, Workspace& w) const;
};

double MlpTrainer::Impl::lossAndGradient(const FloatRows& X, const FloatRows& Y, Workspace& w,
                                         std::vector<MatF>& gradW, std::vector<VecF>& gradB) const
{
  const MatF& z = mlp->forward(X, w.mlp);
  const Index m = z.rows(), C = z.cols();
  // Loss = mean (σ(z) − y)² over m·C; ∂/∂z = 2(σ − y)σ(1 − σ)/(m·C). Per-column sums in double, in order.
  MatF g(m, C);
  std::vector<double> colLoss(size_t(C), 0.0);
  const float scale = float(2.0 / (double(m) * double(C)));
  tbb::parallel_for(Index(0), C, [&](Index c) {
    double sum = 0.0;
    for (Index i = 0; i < m; ++i) {
      const float s = 1.0f / (1.0f + std::exp(-z(i, c)));
      const float r = s - Y.data[i + c * Y.ld];
      sum += double(r) * double(r);
      g(i, c) = scale * r * s * (1.0f - s);
    }
    colLoss[size_t(c)] = sum;
  });
  double loss = 0.0;
  for (double v : colLoss) loss += v;
  loss /= double(m) * double(C);
  mlp->backward(X, w.mlp, std::move(g), gradW, gradB);
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

MlpTrainer::MlpTrainer(const Network& net, const Image& image, int stride, const MlpOptions& options)
    : d_(std::make_unique<Impl>())
{
  init(net, image, [&] { return makeImageDataset(image, stride); }, options); // InputError for a bad stride
}

MlpTrainer::MlpTrainer(const Network& net, const Image& image, const std::vector<bool>& trainMask, const MlpOptions& options)
    : d_(std::make_unique<Impl>())
{
  init(net, image, [&] { return makeMaskedImageDataset(image, trainMask); }, options); // InputError for a bad mask
}

void MlpTrainer::init(const Network& netIn, const Image& image, const std::function<ImageDataset()>& dataset, const MlpOptions& options)
{
  Impl& d = *d_;
  if (netIn.inputDim != 2)
    throw NetworkError("training on an image needs input_dim 2 (pixel coordinates); the network has input_dim " +
                       std::to_string(netIn.inputDim));
  if (!(options.learningRate > 0.0) || !std::isfinite(options.learningRate))
    throw InputError("the learning rate must be a positive number (got " + std::to_string(options.learningRate) + ")");
  options.schedule.validate();
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

  const Network net = withReadoutWidth(netIn, image.channels);
  net.validate();
  d.opt = options;
  d.data = dataset();
  d.trainIsAll = std::find(d.data.heldOutMask.begin(), d.data.heldOutMask.end(), true) == d.data.heldOutMask.end();
  const Index mTrain = d.data.trainX.rows();
  const bool cacheAll = cachesAllPixels(image.width, image.height, net.encodedDim(), d.trainIsAll);
  requireMemory(estimateMlpTrainerBytes(netIn, image.width, image.height, image.channels, mTrain, options),
                "training the MLP (" + net.summary() + ") on " + std::to_string(mTrain) + " pixels, batch " +
                    std::to_string(options.batchSize > 0 ? std::min<Index>(options.batchSize, mTrain) : mTrain));

  d.image = image;
  // Parameters exactly as the finite network draws them, rounded to float.
  d.mlp.emplace(net, options.seed, floatOptimizer(options));

  if (cacheAll) {
    d.xAll = d.mlp->encode(d.data.allX());
    // Training pixels in the dataset's order (row-major, over the training grid or the mask) are the rows
    // of xAll where the training mask is true, in order.
    std::vector<Index> pixel;
    pixel.reserve(size_t(d.data.trainX.rows()));
    for (size_t p = 0; p < d.data.trainMask.size(); ++p)
      if (d.data.trainMask[p]) pixel.push_back(Index(p));
    d.xTrain.resize(d.data.trainX.rows(), d.xAll.cols());
    tbb::parallel_for(Index(0), d.xAll.cols(), [&](Index c) {
      for (Index i = 0; i < d.xTrain.rows(); ++i) d.xTrain(i, c) = d.xAll(pixel[size_t(i)], c);
    });
  } else {
    d.xTrain = d.mlp->encode(d.data.trainX);
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
    loss = d.lossAndGradient(FloatRows::of(d.xTrain), FloatRows::of(d.yTrain), d.ws, d.gW, d.gb);
  } else {
    // A seeded shuffle per epoch; the last batch of an epoch may be smaller (PyTorch's drop_last = false).
    if (d.cursor >= d.order.size()) {
      seededShuffle(d.order, d.shuffleRng);
      d.cursor = 0;
    }
    const size_t n = std::min(size_t(d.opt.batchSize), d.order.size() - d.cursor);
    const std::vector<int> rows(d.order.begin() + std::ptrdiff_t(d.cursor),
                                d.order.begin() + std::ptrdiff_t(d.cursor + n));
    d.cursor += n;
    d.gatherBatch(rows, d.ws);
    loss = d.lossAndGradient(FloatRows::of(d.ws.x), FloatRows::of(d.ws.y), d.ws, d.gW, d.gb);
  }
  if (!std::isfinite(loss))
    throw NumericalError("the training loss is not finite at step " + std::to_string(d.stepCount + 1) +
                         "; lower the learning rate or W_std");
  FloatOptimizerOptions rate = d.mlp->optimizer();
  rate.learningRate = d.opt.learningRate * d.opt.schedule.factor(d.stepCount + 1);
  d.mlp->setOptimizer(rate); // same kind: Adam's moments are kept
  d.mlp->step(d.gW, d.gb);
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
    FloatRows X;
    if (all) {
      X = FloatRows{all->data() + r0, n, all->cols(), all->rows()};
    } else {
      xBlock = d.mlp->encode(coords.middleRows(r0, n));
      X = FloatRows::of(xBlock);
    }
    const MatF& z = d.mlp->forward(X, w.mlp);
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
const Network& MlpTrainer::network() const { return d_->mlp->network(); }
Eigen::Index MlpTrainer::parameterCount() const { return d_->mlp->parameterCount(); }
const std::vector<Eigen::MatrixXf>& MlpTrainer::weights() const { return d_->mlp->weights(); }
const std::vector<Eigen::VectorXf>& MlpTrainer::biases() const { return d_->mlp->biases(); }

void MlpTrainer::setParameters(const std::vector<Eigen::MatrixXf>& weights, const std::vector<Eigen::VectorXf>& biases)
{
  d_->mlp->setParameters(weights, biases);
}

double MlpTrainer::lossAndGradient(const std::vector<int>& rows, std::vector<Eigen::MatrixXf>& gradW,
                                   std::vector<Eigen::VectorXf>& gradB) const
{
  const Impl& d = *d_;
  Workspace w;
  const Index m = d.xTrain.rows();
  if (rows.empty()) return d.lossAndGradient(FloatRows::of(d.xTrain), FloatRows::of(d.yTrain), w, gradW, gradB);
  for (int r : rows)
    if (r < 0 || r >= m) throw InputError("lossAndGradient: training pixel index " + std::to_string(r) + " out of range");
  d.gatherBatch(rows, w);
  return d.lossAndGradient(FloatRows::of(w.x), FloatRows::of(w.y), w, gradW, gradB);
}

} // namespace ntk
