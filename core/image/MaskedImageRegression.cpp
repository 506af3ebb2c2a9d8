// MaskedImageRegression.cpp — exact kernel regression from a pixel mask (see MaskedImageRegression.h).
// k is sampled once on the offsets (q/W, p/H), p ∈ [0, H), q ∈ (−W, W) (k(−δ) = k(δ) gives p < 0), with
// the same two-half engine call as the Toeplitz path (stationaryKernel). T is the BTTB of those samples on
// the H × W grid; its 2H × 2W circulant embedding gives every product (ToeplitzProduct); the T. Chan
// circulant of T, on H × W,
//   c(i,j) = [(H−i)(W−j) k(i,j) + i(W−j) k(i−H,j) + (H−i) j k(i,j−W) + i j k(i−H,j−W)] / (H W),
// gives the preconditioner's eigenvalues (scaled by p, plus the ridge).
#include "core/image/MaskedImageRegression.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <complex>
#include <cstdio>
#include <limits>
#include <random>
#include <string>

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "core/image/ChannelProgress.h"
#include "core/image/ChebyshevFlow.h"
#include "core/image/ConjugateGradients.h"
#include "core/image/ImageFft.h"
#include "core/image/ImageKernelRegression.h"
#include "core/util/Errors.h"
#include "core/util/NumberText.h"
#include "core/util/MemoryEstimate.h"

namespace ntk {

namespace {

using imagefft::CirculantProduct;
using imagefft::Complex;
using imagefft::fftwArray;
using imagefft::RealFft2;
using imagefft::CirculantProductT;
using imagefft::ToeplitzProduct;
using imagefft::ToeplitzProductT;
using Clock = std::chrono::steady_clock;

/// The smallest relative residual asked of CG with the single-precision product in one refinement round
/// (the default 1e-4 takes one round; 1e-3 per round took 4 % more iterations in all).
constexpr double kInnerFloor = 1e-5;

void checkTime(double t)
{
  if (std::isnan(t) || t < 0.0)
    throw InputError("masked image regression: the time t must be >= 0 (or infinite), got " + std::to_string(t));
}

} // namespace

struct MaskedImageRegression::Impl {
  Image image;
  MaskedRegressionOptions options;
  std::vector<bool> trainMask, heldOutMask;
  std::vector<Eigen::Index> trainIndex; ///< m pixel indices (row-major) of the training pixels
  int H = 0, W = 0, C = 0;
  double m = 0.0, ridgeAbs = 0.0, buildSeconds = 0.0;
  int cgIterations = 0;
  std::unique_ptr<ToeplitzProduct> product; ///< T on H × W (residuals, predictions, the flow)
  std::unique_ptr<ToeplitzProductT<float>> productFast; ///< T in single precision (inside CG)
  double fastMean = 0.0; ///< c: productFast is T − c·11ᵀ (its rounding scales with its norm, not T's)
  double flowRho = 0.0;                     ///< ≥ λ_max(P T Pᵀ + ridge): the Chebyshev interval
  std::unique_ptr<CirculantProductT<float>> pre; ///< (p·C + λ)⁻¹ on H × W (the circulant preconditioner)
  std::vector<std::vector<double>> alpha;   ///< per channel, m

  std::vector<double> targets(int c) const
  {
    std::vector<double> y(trainIndex.size());
    for (size_t k = 0; k < y.size(); ++k) y[k] = image.data[size_t(trainIndex[k]) * size_t(C) + size_t(c)];
    return y;
  }

  /// A grid in and out and a spectrum, for the products of one scalar.
  template <class Real>
  struct Grids {
    imagefft::FftwArray<Real> full, fullOut;
    imagefft::FftwArray<std::complex<Real>> spec;
    Grids(std::size_t n, std::size_t spectrum)
        : full(fftwArray<Real>(n)), fullOut(fftwArray<Real>(n)), spec(fftwArray<std::complex<Real>>(spectrum))
    {
      std::fill(full.get(), full.get() + n, Real(0));
    }
  };
  /// Per-thread buffers for the products: double (exact), single (fast) and the preconditioner's (single).
  struct Work {
    Grids<double> exact;
    Grids<float> fast, pre;
    explicit Work(const Impl& d)
        : exact(size_t(d.H) * d.W, d.product->spectrumSize()), fast(size_t(d.H) * d.W, d.productFast->spectrumSize()),
          pre(d.pre ? size_t(d.H) * d.W : 0, d.pre ? d.pre->spectrumSize() : 0)
    {
    }
  };

  /// out = P Op Pᵀ x + shift·x, the grid product op(in, out) in the scalar of `g`. `g.full` must hold
  /// zeros off the mask: only mask entries are ever written.
  template <class Real, class Op>
  void masked(const std::vector<double>& x, std::vector<double>& out, double shift, Grids<Real>& g, Op&& op) const
  {
    for (size_t k = 0; k < x.size(); ++k) g.full[size_t(trainIndex[k])] = Real(x[k]);
    op(g.full.get(), g.fullOut.get(), g.spec.get());
    for (size_t k = 0; k < x.size(); ++k) out[k] = double(g.fullOut[size_t(trainIndex[k])]) + shift * x[k];
  }

  /// out = (P T Pᵀ + shift) x in double.
  void apply(const std::vector<double>& x, std::vector<double>& out, double shift, Work& w) const
  {
    masked(x, out, shift, w.exact, [this](const double* a, double* b, Complex* s) { product->apply(a, b, 0.0, s); });
  }
  /// The same in single-precision FFTs (relative error ~1e-7 of ‖T‖‖x‖).
  void applyFast(const std::vector<double>& x, std::vector<double>& out, double shift, Work& w) const
  {
    masked(x, out, shift, w.fast,
           [this](const float* a, float* b, std::complex<float>* s) { productFast->apply(a, b, 0.0f, s); });
    double sum = 0.0;
    for (double v : x) sum += v;
    for (double& v : out) v += fastMean * sum;
  }

  /// z = M⁻¹ r (single-precision FFTs: a preconditioner need not be exact, only fixed and SPD).
  void precondition(const std::vector<double>& r, std::vector<double>& z, Work& w) const
  {
    if (!pre) { // MaskPreconditioner::None
      z = r;
      return;
    }
    masked(r, z, 0.0, w.pre, [this](const float* a, float* b, std::complex<float>* s) { pre->apply(a, b, 0.0f, s); });
  }

  void build(const Network& net, const JobControl& job);
  void solve(const JobControl& job);
  std::vector<std::vector<double>> coefficients(double t, const JobControl& job) const;
  std::vector<std::vector<double>> predictFrom(const std::vector<std::vector<double>>& c, const JobControl& job) const;
};

void MaskedImageRegression::Impl::build(const Network& net, const JobControl& job)
{
  std::vector<double> dy(static_cast<size_t>(H)), dx(static_cast<size_t>(2 * W - 1));
  for (int p = 0; p < H; ++p) dy[size_t(p)] = double(p) / H;
  for (int q = -(W - 1); q < W; ++q) dx[size_t(q + W - 1)] = double(q) / W;
  JobControl sampling{job.stop, {}};
  if (job.progress) sampling.progress = [&job](double f) { job.report(0.3 * f); };
  const Eigen::MatrixXd K = stationaryKernel(net, options.kind, dy, dx, sampling);
  job.checkCancelled();
  auto kAt = [&](int p, int q) { return p >= 0 ? K(p, q + W - 1) : K(-p, -q + W - 1); };
  ridgeAbs = options.ridge * kAt(0, 0);

  {
    auto e = fftwArray<double>(size_t(4) * H * W);
    for (int i = 0; i < 2 * H; ++i)
      for (int j = 0; j < 2 * W; ++j) {
        const int is = i < H ? i : i - 2 * H, js = j < W ? j : j - 2 * W;
        e[size_t(i) * 2 * W + j] = (i == H || j == W) ? 0.0 : kAt(is, js);
      }
    const std::vector<double> eig = ToeplitzProduct::embeddingEigenvalues(H, W, e.get());
    product = std::make_unique<ToeplitzProduct>(H, W, eig);
    fastMean = K.mean();
    std::vector<double> eigFast = eig;
    eigFast[0] -= fastMean; // the constant c on the whole 2H × 2W torus: c at frequency 0 (1/(4HW) folded in)
    productFast = std::make_unique<ToeplitzProductT<float>>(H, W, eigFast);
    std::vector<std::size_t> support(trainIndex.begin(), trainIndex.end());
    flowRho = product->maxEigenvalueBound(std::all_of(e.get(), e.get() + size_t(4) * H * W,
                                                      [](double v) { return v >= 0.0; }), &support) + ridgeAbs;
  }
  if (options.preconditioner == MaskPreconditioner::Circulant) {
    const RealFft2 fft(H, W);
    auto c = fftwArray<double>(fft.realSize());
    auto spec = fftwArray<Complex>(fft.complexSize());
    const double inv = 1.0 / (double(H) * W);
    for (int i = 0; i < H; ++i)
      for (int j = 0; j < W; ++j) {
        const double a = H - i, b = W - j;
        double v = a * b * kAt(i, j);
        if (i > 0) v += i * b * kAt(i - H, j);
        if (j > 0) v += a * j * kAt(i, j - W);
        if (i > 0 && j > 0) v += double(i) * j * kAt(i - H, j - W);
        c[size_t(i) * W + j] = v * inv;
      }
    fft.forward(c.get(), spec.get());
    const double p = m / (double(H) * W);
    std::vector<double> preEig(fft.complexSize()); // 1 / (p·c + λ), with the 1/(HW) of the inverse folded in
    double top = 0.0;
    for (size_t i = 0; i < preEig.size(); ++i) {
      preEig[i] = p * std::max(spec[i].real(), 0.0) + ridgeAbs;
      top = std::max(top, preEig[i]);
    }
    const double floor = std::max(top * 1e-12, std::numeric_limits<double>::min());
    for (double& v : preEig) v = 1.0 / (std::max(v, floor) * double(H) * W);
    pre = std::make_unique<CirculantProductT<float>>(H, W, H, W, preEig);
  }
  job.report(0.35);
}

void MaskedImageRegression::Impl::solve(const JobControl& job)
{
  const size_t mm = trainIndex.size();
  alpha.assign(size_t(C), std::vector<double>(mm, 0.0));
  std::vector<int> iterations(size_t(C), 0);
  ChannelProgress progress(C, job, 0.35, 1.0);
  const double tol = options.cgTolerance;
  tbb::parallel_for(0, C, [&](int ch) {
    Work w(*this);
    const int it = refinedConjugateGradients(
        [&](const std::vector<double>& x, std::vector<double>& y) { apply(x, y, ridgeAbs, w); },
        [&](const std::vector<double>& x, std::vector<double>& y) { applyFast(x, y, ridgeAbs, w); },
        [&](const std::vector<double>& r, std::vector<double>& z) { precondition(r, z, w); }, targets(ch),
        alpha[size_t(ch)], tol, kInnerFloor, options.maxCgIterations, "masked image regression",
        "raise the ridge or the tolerance", job,
        [&](double rel) { progress.set(ch, std::clamp(std::log(rel) / std::log(tol), 0.0, 1.0)); });
    progress.set(ch, 1.0); // done (a zero channel needs no iteration)
    iterations[size_t(ch)] = it;
  });
  cgIterations = *std::max_element(iterations.begin(), iterations.end());
  job.report(1.0);
}

std::vector<std::vector<double>> MaskedImageRegression::Impl::coefficients(double t, const JobControl& job) const
{
  return channelFlowCoefficients(t / m, flowRho, ridgeAbs, alpha, trainIndex.size(), [this](int ch, std::vector<double>& y) -> FlowProduct {
    y = targets(ch);
    return [this, w = std::make_shared<Work>(*this)](const std::vector<double>& x, std::vector<double>& out) { apply(x, out, ridgeAbs, *w); };
  }, job);
}

std::vector<std::vector<double>> MaskedImageRegression::Impl::predictFrom(const std::vector<std::vector<double>>& c,
                                                                          const JobControl& job) const
{
  std::vector<std::vector<double>> out(static_cast<size_t>(C));
  std::atomic<int> done{0};
  tbb::parallel_for(0, C, [&](int ch) {
    job.checkCancelled();
    Grids<double> g(size_t(H) * W, product->spectrumSize());
    for (size_t k = 0; k < trainIndex.size(); ++k) g.full[size_t(trainIndex[k])] = c[size_t(ch)][k];
    product->apply(g.full.get(), g.fullOut.get(), 0.0, g.spec.get());
    out[size_t(ch)].assign(g.fullOut.get(), g.fullOut.get() + size_t(H) * W);
    job.report(double(++done) / C);
  });
  return out;
}

// --------------------------------------------------------------------------------------- public

double estimateMaskedRegressionBytes(const Network& net, int width, int height, int channels, Eigen::Index trainPixels)
{
  const double H = height, W = width, C = channels, m = double(trainPixels), n = H * W;
  const double twoM = double(net.encodedDim());
  Network raw = net;
  raw.encoding = Encoding{};
  raw.inputDim = int(std::min<double>(twoM, kMaxWidth));
  const double sampling = estimateGramBytes(raw, Eigen::Index(H), Eigen::Index(2 * W), 1) + 8.0 * (H + 2 * W) * twoM;
  const double image = 4.0 * n * C * 2.0 + n / 2.0 + 8.0 * m;
  // The embedding and its spectrum (while the eigenvalues are computed), those eigenvalues and their copy
  // less the mean (r2c layout), the double and single products' (column by column), the T. Chan
  // circulant, its spectrum and eigenvalues (given in double, stored in single).
  const double specToeplitz = 2.0 * H * (W + 1.0), specPre = H * (W / 2 + 1.0);
  const double operators = 8.0 * 4.0 * n + 16.0 * specToeplitz + 8.0 * 2.0 * specToeplitz + (8.0 + 4.0) * specToeplitz +
                           8.0 * n + 16.0 * specPre + (8.0 + 4.0) * specPre;
  // Per channel: the double, single and preconditioner's grids in and out with their spectra (rows ×
  // (cols/2 + 1) of each embedding), CG's and the refinement's vectors, the output.
  const double perChannel = (16.0 * n + 16.0 * H * (W + 1.0)) + (8.0 * n + 8.0 * H * (W + 1.0)) +
                            (8.0 * n + 8.0 * H * (W / 2 + 1.0)) + 8.0 * m * 9.0 + 8.0 * n;
  // Per thread: the blocked products' row buffers and column scratches (double and single Toeplitz, single
  // preconditioner).
  const double rowsAndColumns = imagefft::CirculantProduct::kRowBlock * 2.0 * W + imagefft::CirculantProduct::kColumnBlock * 2.0 * 2.0 * H;
  const double perThread = (8.0 + 4.0) * rowsAndColumns + 4.0 * rowsAndColumns / 2.0;
  return image + sampling + operators + C * perChannel + tbb::this_task_arena::max_concurrency() * perThread;
}

MaskedImageRegression::MaskedImageRegression(const Network& net, const Image& image, const std::vector<bool>& trainMask,
                                             const MaskedRegressionOptions& options, const JobControl& job)
    : d_(std::make_unique<Impl>())
{
  const auto t0 = Clock::now();
  net.validate();
  if (net.inputDim != 2)
    throw NetworkError("masked image regression needs a network with input_dim 2 (v = (col/W, row/H)), but "
                       "input_dim = " + std::to_string(net.inputDim));
  if (net.encoding.kind == EncodingKind::None)
    throw InputError("masked image regression needs a stationary kernel (an encoding); encoding none is not a "
                     "function of v − v'");
  if (image.width < 1 || image.height < 1 || image.channels < 1 ||
      image.data.size() != std::size_t(image.width) * image.height * image.channels)
    throw InputError("masked image regression: the image is empty or its data does not match its size");
  const std::size_t n = std::size_t(image.width) * image.height;
  if (trainMask.size() != n)
    throw InputError("masked image regression: the mask has " + std::to_string(trainMask.size()) +
                     " pixels, the image " + std::to_string(image.width) + " x " + std::to_string(image.height));
  if (!std::isfinite(options.ridge) || options.ridge < 0.0)
    throw InputError("masked image regression: the ridge must be finite and >= 0 (got " + std::to_string(options.ridge) + ")");
  if (!(options.cgTolerance > 0.0) || !std::isfinite(options.cgTolerance) || options.maxCgIterations < 1)
    throw InputError("masked image regression: the CG tolerance must be > 0 and the iteration limit >= 1");
  for (float v : image.data)
    if (!std::isfinite(v)) throw InputError("masked image regression: the image holds NaN or infinite values");

  Impl& d = *d_;
  for (std::size_t k = 0; k < n; ++k)
    if (trainMask[k]) d.trainIndex.push_back(Eigen::Index(k));
  if (d.trainIndex.empty()) throw InputError("masked image regression: the mask has no training pixel");
  requireMemory(estimateMaskedRegressionBytes(net, image.width, image.height, image.channels,
                                              Eigen::Index(d.trainIndex.size())),
                "the masked kernel regression of a " + std::to_string(image.width) + " x " +
                    std::to_string(image.height) + " image");
  job.checkCancelled();
  d.image = image;
  d.options = options;
  d.trainMask = trainMask;
  d.heldOutMask.resize(n);
  for (std::size_t k = 0; k < n; ++k) d.heldOutMask[k] = !trainMask[k];
  d.H = image.height;
  d.W = image.width;
  d.C = image.channels;
  d.m = double(d.trainIndex.size());
  d.build(net, job);
  d.solve(job);
  d.buildSeconds = std::chrono::duration<double>(Clock::now() - t0).count();
}

MaskedImageRegression::~MaskedImageRegression() = default;

Eigen::Index MaskedImageRegression::trainPixels() const { return Eigen::Index(d_->trainIndex.size()); }
const std::vector<bool>& MaskedImageRegression::trainMask() const { return d_->trainMask; }
const std::vector<bool>& MaskedImageRegression::heldOutMask() const { return d_->heldOutMask; }

namespace {
Image imageFromChannels(int width, int height, const std::vector<std::vector<double>>& channels)
{
  Image out(width, height, int(channels.size()));
  const std::size_t n = std::size_t(width) * height;
  for (std::size_t c = 0; c < channels.size(); ++c)
    for (std::size_t p = 0; p < n; ++p) out.data[p * channels.size() + c] = float(channels[c][p]);
  return out;
}
} // namespace

Image MaskedImageRegression::predict(MaskedRegressionReport* report, const JobControl& job) const
{
  const auto t0 = Clock::now();
  const Impl& d = *d_;
  Image out = imageFromChannels(d.W, d.H, d.predictFrom(d.alpha, job));
  if (report) {
    report->cgIterations = d.cgIterations;
    report->seconds = d.buildSeconds + std::chrono::duration<double>(Clock::now() - t0).count();
    report->psnrTrain = psnr(out, d.image, &d.trainMask);
    report->psnrHeldOut = d.trainIndex.size() == d.trainMask.size() ? std::nan("") : psnr(out, d.image, &d.heldOutMask);
    report->psnrAll = psnr(out, d.image);
  }
  return out;
}

Image MaskedImageRegression::predictAt(double t, const JobControl& job) const
{
  checkTime(t);
  if (std::isinf(t)) return predict(nullptr, job);
  const Impl& d = *d_;
  JobControl flow{job.stop, {}}, conv{job.stop, {}};
  if (job.progress) {
    flow.progress = [&job](double f) { job.report(0.9 * f); };
    conv.progress = [&job](double f) { job.report(0.9 + 0.1 * f); };
  }
  return imageFromChannels(d.W, d.H, d.predictFrom(d.coefficients(t, flow), conv));
}

std::vector<bool> randomPixelMask(int width, int height, double fraction, std::uint64_t seed)
{
  if (width < 1 || height < 1) throw InputError("random mask: the image is empty");
  if (!(fraction > 0.0) || !(fraction <= 1.0))
    throw InputError("random mask: the fraction of training pixels must be in (0, 1] (got " + shortNumberText(fraction) + ")");
  const std::uint64_t n = std::uint64_t(width) * std::uint64_t(height);
  const std::uint64_t m = std::max<std::uint64_t>(1, std::uint64_t(std::llround(fraction * double(n))));
  std::vector<std::uint64_t> order(n);
  for (std::uint64_t k = 0; k < n; ++k) order[k] = k;
  std::mt19937_64 rng(seed);
  // Partial Fisher–Yates: the first m entries are a uniform random subset. (rng() % range: bias < 2⁻³⁰.)
  for (std::uint64_t k = 0; k < m; ++k) std::swap(order[k], order[k + rng() % (n - k)]);
  std::vector<bool> mask(n, false);
  for (std::uint64_t k = 0; k < m; ++k) mask[order[k]] = true;
  return mask;
}

std::vector<bool> maskFromImage(const Image& mask)
{
  const std::size_t n = std::size_t(mask.width) * mask.height;
  std::vector<bool> out(n, false);
  for (std::size_t p = 0; p < n; ++p)
    for (int c = 0; c < mask.channels; ++c)
      if (mask.data[p * size_t(mask.channels) + size_t(c)] != 0.0f) out[p] = true;
  return out;
}

} // namespace ntk
