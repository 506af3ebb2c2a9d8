// ImageKernelRegression.cpp — exact kernel regression of a whole image (see ImageKernelRegression.h).
//
// Stationary kernels. For every encoding except `none`, γ(v) = [cos 2πBv, sin 2πBv] (M frequencies), so
// γ(v)·γ(v') = Σ_i cos 2πB_i(v − v') and |γ|² = M: the network's kernel is k(v − v'). Sampling k at the
// offsets (dx_q, dy_p) of a grid needs no encoding of H·W points: with
//   u_p = [cos 2πB_{·,y} dy_p, sin 2πB_{·,y} dy_p],  w_q = [cos 2πB_{·,x} dx_q, −sin 2πB_{·,x} dx_q]
// (both of squared norm M) u_p·w_q = Σ_i cos 2π(B_ix dx_q + B_iy dy_p) = γ(0)·γ(δ_pq), so the engine's
// Gram between the P points u and the Q points w of the same layers on raw 2M-dimensional inputs (no
// encoding; d0 = 2M as before) is exactly k on the P × Q offset grid: one engine call, P + Q points.
//
// Circulant path (integer frequencies, s | W, s | H). The training Gram is BCCB with first row
// t(i, j) = k(j·s/W, i·s/H) on the Ht × Wt grid, eigenvalues λ = FFT(t) (real: t is even). Per channel
// α̂ = ŷ · g(λ + ridge). The FFT of α zero-upsampled onto H × W is α̂ tiled periodically, so the
// predictions are IFFT(tile(α̂) · FFT(k on the H × W offsets)) / (H·W): one Ht × Wt forward and one H × W
// inverse transform per channel.
//
// Toeplitz path. T(i, j) = k(j·s/W, i·s/H), i ∈ (−Ht, Ht), j ∈ (−Wt, Wt), embedded into a 2Ht × 2Wt
// circulant for matrix–vector products (pruned, cache-blocked transforms, blocks in parallel: ToeplitzProduct);
// preconditioned CG with the 2-level T. Chan circulant
//   c(i,j) = [(Ht−i)(Wt−j) t(i,j) + i(Wt−j) t(i−Ht,j) + (Ht−i) j t(i,j−Wt) + i j t(i−Ht,j−Wt)] / (Ht Wt)
// (+ ridge). Predictions: the zero-upsampled α convolved linearly with k on the offsets (−H,H)×(−W,W),
// by a circular convolution on 2H × 2W. k is even, so only p ≥ 0 is sampled.
//
// Gradient flow, ridge. The ridge λ_r = ridge · k(0) (mean diagonal) is treated as part of the operator,
// as KernelDynamics does: per eigen-direction with eigenvalue μ = λ + λ_r, g_t(μ) = (1 − e^{−μt/m})/μ, so
// t = ∞ is 1/(λ + λ_r), i.e. predict(). Directions with μ ≤ m·ε·μ_max (only possible without a
// meaningful ridge) are null: g = 0 at every t (pseudo-inverse). Toeplitz path: c_t = g_t(T + λ_r)·y by a
// Chebyshev expansion of g_t on [0, ρ + λ_r], ρ ≥ λ_max(T) (ToeplitzProduct::maxEigenvalueBound;
// ChebyshevFlow.h), then the same prediction convolution as at t = ∞; when τ·λ_r ≥ 40 every e^{−μτ} is
// below e^{−40}: the CG α.
#include "core/image/ImageKernelRegression.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <complex>
#include <limits>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include <cstdio>
#include <fftw3.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_invoke.h>

#include "core/image/ChannelProgress.h"
#include "core/image/ChebyshevFlow.h"
#include "core/image/ConjugateGradients.h"
#include "core/image/ImageFft.h"
#include "core/image/MirroredDomain.h"
#include "core/regression/NystromRegression.h"
#include "core/spectra/GridSpectrum.h"
#include "core/util/DenseCholesky.h"
#include "core/util/Errors.h"
#include "core/util/NumberText.h"
#include "core/util/FftwPlanner.h"
#include "core/util/MemoryEstimate.h"
#include "core/util/SymmetricEigen.h"

namespace ntk {

namespace {

using Complex = std::complex<double>;
using imagefft::fftwArray;
using imagefft::FftwArray;
using imagefft::RealFft2;
using imagefft::ToeplitzProduct;
using Clock = std::chrono::steady_clock;
constexpr double kPi = 3.14159265358979323846;

double secondsSince(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// ---------------------------------------------------------------------------------------- helpers

/// A JobControl whose progress maps [0,1] onto [a,b] of the parent's.
JobControl subJob(const JobControl& job, double a, double b)
{
  JobControl j;
  j.stop = job.stop;
  if (job.progress) j.progress = [p = job.progress, a, b](double f) { p(a + (b - a) * std::clamp(f, 0.0, 1.0)); };
  return j;
}

bool isStationary(const Network& net) { return net.encoding.kind != EncodingKind::None; }

struct PathChoice {
  RegressionPath path = RegressionPath::Dense;
  std::string why; ///< why Circulant is impossible (empty when it is possible)
};

/// The path for a network/grid and a requested path; throws InputError when the request is impossible.
PathChoice resolvePath(const Network& net, int width, int height, int stride, RegressionPath requested,
                       Eigen::Index denseLimit, Eigen::Index nystromAbove)
{
  PathChoice c;
  const bool stationary = isStationary(net);
  std::string why;
  bool periodic = stationary && gridIsPeriodic(net, &why);
  if (!stationary) why = "encoding none: the kernel is not a function of v − v'";
  if (periodic && (width % stride != 0 || height % stride != 0)) {
    periodic = false;
    why = "the stride " + std::to_string(stride) + " does not divide the " + std::to_string(width) + " x " +
          std::to_string(height) + " image, so the training grid is not periodic";
  }
  c.why = periodic ? std::string() : why;
  const Eigen::Index m = Eigen::Index((width + stride - 1) / stride) * ((height + stride - 1) / stride);
  switch (requested) {
  case RegressionPath::Auto:
    // The circulant path is exact and the fastest at every size; the dense one is exact and beats CG
    // on small grids; Toeplitz/CG is for the large rest.
    // A kernel that is not stationary has no FFT structure: past its own limit, Nyström/Falkon.
    if (periodic) c.path = RegressionPath::Circulant;
    else if (stationary) c.path = m <= denseLimit ? RegressionPath::Dense : RegressionPath::Toeplitz;
    else c.path = m <= nystromAbove ? RegressionPath::Dense : RegressionPath::Nystrom;
    break;
  case RegressionPath::Circulant:
    if (!periodic) throw InputError("image regression: the circulant path is impossible: " + why);
    c.path = RegressionPath::Circulant;
    break;
  case RegressionPath::Toeplitz:
    if (!stationary)
      throw InputError("image regression: the Toeplitz path needs a stationary kernel, but the encoding is none");
    c.path = RegressionPath::Toeplitz;
    break;
  case RegressionPath::Mirror:
    if (!stationary)
      throw InputError("image regression: the mirror path needs a stationary kernel, but the encoding is none");
    // A 1-periodic kernel cannot tell a mirrored copy from the training pixel about one period away (the
    // mirrored domain is about 2 periods): conflicting data (astronaut 256², integer B: 11 dB, not 24.6).
    if (gridIsPeriodic(net))
      throw InputError("image regression: the mirror path refuses integer frequencies (a 1-periodic kernel aliases mirrored copies one period away); fit exactly");
    c.path = RegressionPath::Mirror;
    break;
  case RegressionPath::Dense: c.path = RegressionPath::Dense; break;
  case RegressionPath::Nystrom: c.path = RegressionPath::Nystrom; break;
  }
  return c;
}

} // namespace

Eigen::MatrixXd stationaryKernel(const Network& net, KernelKind kind, const std::vector<double>& dy,
                                 const std::vector<double>& dx, const JobControl& job)
{
  const Eigen::MatrixXd B = net.encoding.frequencies(2); // M by 2: column 0 multiplies x, column 1 y
  const Eigen::Index M = B.rows();
  Eigen::MatrixXd U(Eigen::Index(dy.size()), 2 * M), W(Eigen::Index(dx.size()), 2 * M);
  for (Eigen::Index p = 0; p < U.rows(); ++p)
    for (Eigen::Index i = 0; i < M; ++i) {
      const double a = 2.0 * kPi * B(i, 1) * dy[size_t(p)];
      U(p, i) = std::cos(a);
      U(p, M + i) = std::sin(a);
    }
  for (Eigen::Index q = 0; q < W.rows(); ++q)
    for (Eigen::Index i = 0; i < M; ++i) {
      const double a = 2.0 * kPi * B(i, 0) * dx[size_t(q)];
      W(q, i) = std::cos(a);
      W(q, M + i) = -std::sin(a);
    }
  Network raw = net;
  raw.encoding = Encoding{};
  raw.inputDim = int(2 * M);
  return kernelMatrix(raw, U, &W, kind, job);
}

namespace {

/// After a parallel loop over channels: a loop cancelled from outside (an exception in an enclosing TBB
/// algorithm, e.g. another fit of an encoding sweep) returns early without throwing, leaving channels empty.
void requireAllChannels(const std::atomic<int>& done, int channels)
{
  if (done.load() != channels) throw CancelledError();
}

/// g_t(μ) = (1 − e^{−μt/m})/μ (1/μ at t = ∞); 0 for null directions μ ≤ threshold.
double flowFactor(double mu, double t, double m, double threshold)
{
  if (!(mu > threshold)) return 0.0;
  if (std::isinf(t)) return 1.0 / mu;
  return -std::expm1(-mu * t / m) / mu;
}

void checkTime(double t)
{
  if (std::isnan(t) || t < 0.0)
    throw InputError("image regression: the time t must be >= 0 (or infinite), got " + std::to_string(t));
}

Image imageFromChannels(int width, int height, const std::vector<std::vector<double>>& channels)
{
  Image out(width, height, int(channels.size()));
  const std::size_t n = std::size_t(width) * height;
  for (std::size_t c = 0; c < channels.size(); ++c)
    for (std::size_t p = 0; p < n; ++p) out.data[p * channels.size() + c] = float(channels[c][p]);
  return out;
}

/// Bytes of the engine's Gram between P and Q sampling points of dimension 2M.
double samplingBytes(const Network& net, double P, double Q)
{
  const double twoM = double(net.encodedDim());
  Network raw = net;
  raw.encoding = Encoding{};
  raw.inputDim = int(std::min<double>(twoM, kMaxWidth));
  return estimateGramBytes(raw, Eigen::Index(P), Eigen::Index(Q), 1) + 8.0 * (P + Q) * twoM;
}

/// The circulant solve on a period of Hp × Wp pixels holding mg training samples (image: H × W, n pixels):
/// k on the period (+ its spectrum), per channel ŷ and one Hp × Wp transform pair (all channels at once).
double periodicBytes(const Network& net, double Hp, double Wp, double mg, double n, double C)
{
  const double np = Hp * Wp;
  return samplingBytes(net, Hp, Wp) + 8.0 * np * 2.0 + 16.0 * mg * (1.0 + C) + C * (8.0 * np + 16.0 * np) + 8.0 * n * C;
}

double pathBytes(const Network& net, int width, int height, int channels, int stride, RegressionPath path,
                 Eigen::Index centres)
{
  const double H = height, W = width, C = channels;
  const double Ht = std::ceil(H / stride), Wt = std::ceil(W / stride), m = Ht * Wt, n = H * W;
  const double image = 4.0 * n * C * 2.0 + 8.0 * m * (2.0 + C) + n / 4.0; // copy, output, dataset
  switch (path) {
  case RegressionPath::Circulant: return image + periodicBytes(net, H, W, m, n, C);
  case RegressionPath::Mirror: {
    // The reflected grid: 2(Ht − 1) × 2(Wt − 1) samples on a period of 2(Ht − 1)s × 2(Wt − 1)s pixels.
    const double Hg = 2.0 * std::max(Ht - 1.0, 1.0), Wg = 2.0 * std::max(Wt - 1.0, 1.0);
    return image + periodicBytes(net, Hg * stride, Wg * stride, Hg * Wg, n, C);
  }
  case RegressionPath::Toeplitz:
    // k on H × (2W−1), its 2H × 2W spectrum, the 2Ht × 2Wt embedding, CG vectors and buffers per channel.
    return image + samplingBytes(net, H, 2.0 * W) + 8.0 * H * 2.0 * W + 16.0 * 2.0 * H * (W + 1.0) +
           16.0 * 2.0 * Ht * (Wt + 1.0) + 16.0 * m + C * (8.0 * m * 8.0 + 8.0 * 4.0 * m * 3.0) +
           C * (8.0 * 4.0 * n + 16.0 * 2.0 * n) + 8.0 * n * C;
  case RegressionPath::Nystrom:
    // The fit (K_nM, factors), the held-out coordinates and one 64 MiB block of K(pixels, centres).
    return image + estimateNystromBytes(net, Eigen::Index(m), centres, Eigen::Index(C)) + 16.0 * n +
           std::min(8.0 * n * std::min(double(centres), m), 64.0 * 1024 * 1024 + 8.0 * m) + 8.0 * n * C;
  case RegressionPath::Dense:
  case RegressionPath::Auto:
    // K, its factor, a block of K(all, train) and the predictions.
    return image + estimateGramBytes(net, Eigen::Index(m), Eigen::Index(m), 1) + 8.0 * m * m +
           std::min(8.0 * n * m, 64.0 * 1024 * 1024 + 8.0 * m) + 8.0 * (n + m) * C;
  }
  return 0.0;
}

constexpr double kDenseBlockBytes = 64.0 * 1024 * 1024;
constexpr double kDenseCacheBytes = 256.0 * 1024 * 1024;

} // namespace

std::string regressionPathName(RegressionPath path)
{
  switch (path) {
  case RegressionPath::Auto: return "auto";
  case RegressionPath::Circulant: return "circulant";
  case RegressionPath::Mirror: return "mirror";
  case RegressionPath::Toeplitz: return "toeplitz";
  case RegressionPath::Dense: return "dense";
  case RegressionPath::Nystrom: return "nystrom";
  }
  return "unknown";
}

double estimateImageRegressionBytes(const Network& net, int width, int height, int channels, int stride,
                                    RegressionPath path)
{
  if (width < 1 || height < 1 || channels < 1 || stride < 1) return 0.0;
  if (path == RegressionPath::Auto) {
    try {
      path = resolvePath(net, width, height, stride, path, ImageRegressionOptions{}.denseLimit,
                         ImageRegressionOptions{}.nystromAbove)
                 .path;
    } catch (const NtkError&) {
      path = RegressionPath::Dense;
    }
  }
  return pathBytes(net, width, height, channels, stride, path, ImageRegressionOptions{}.centres);
}

// -------------------------------------------------------------------------------------------- Impl

struct ImageKernelRegression::Impl {
  Network net;
  Image image;
  ImageDataset dataset;
  ImageRegressionOptions options;
  RegressionPath path = RegressionPath::Dense;
  int H = 0, W = 0, C = 0, s = 1, Ht = 0, Wt = 0;
  double m = 0.0;          ///< training pixels (mirror: samples of the mirrored period, the problem solved)
  double ridgeAbs = 0.0;   ///< ridge · mean diagonal
  double buildSeconds = 0.0;
  int cgIterations = 0;
  std::vector<double> trainRow; ///< k at the training-grid offsets from pixel (0,0): Ht × Wt row-major

  // Circulant and Mirror: a periodic domain of Hp × Wp pixels holding Hg × Wg training samples, sample (i, j)
  // being training pixel (rowSource[i], colSource[j]): the image and its grid itself (circulant), or the
  // grid reflected about its first and last training pixel (mirror, with the kernel of kernelNet).
  int Hp = 0, Wp = 0, Hg = 0, Wg = 0;
  std::vector<int> rowSource, colSource;
  double maxRounding = 0.0;                    ///< mirror: max |b − b̃| of the frequencies
  std::unique_ptr<RealFft2> fftTrain, fftFull; ///< Hg × Wg and Hp × Wp
  std::vector<double> lambda;                  ///< BCCB eigenvalues, Hg × (Wg/2+1)
  double nullThreshold = 0.0;
  std::vector<FftwArray<Complex>> yHat;        ///< per channel, Hg × (Wg/2+1) (fftw_malloc'ed: plan alignment)
  FftwArray<Complex> kHatFull;                 ///< Hp × (Wp/2+1)

  // Toeplitz
  std::unique_ptr<RealFft2> fftPad;    ///< 2H × 2W (predictions)
  FftwArray<Complex> kHatPad;          ///< 2H × (W+1)
  std::vector<std::vector<double>> alpha; ///< per channel, Ht × Wt (also the circulant/dense α at t = ∞ when useful)
  std::unique_ptr<ToeplitzProduct> product; ///< the training Gram's BTTB product (CG, and finite t)
  double flowRho = 0.0;                     ///< ≥ λ_max(T + ridge): the Chebyshev interval

  // Dense
  Eigen::MatrixXd Xtrain, Ktrain, alphaDense; ///< m × 2, m × m, m × C
  mutable std::mutex denseMutex;
  mutable std::shared_ptr<const Eigen::MatrixXd> kAllCache; ///< K(all, train) when small enough
  mutable std::shared_ptr<const SymmetricEigen> eigenCache; ///< of Ktrain + ridge, for predictAt

  // Nystrom
  std::unique_ptr<NystromRegression> nystrom;

  void setImagePeriod();
  void setMirroredPeriod();
  void buildCirculant(const Network& kernelNet, const JobControl& job);
  void buildToeplitz(const JobControl& job);
  void buildDense(const JobControl& job);
  void buildNystrom(const JobControl& job);

  std::vector<std::vector<double>> circulantPredict(double t, const JobControl& job) const;
  std::vector<std::vector<double>> toeplitzPredict(const std::vector<std::vector<double>>& coefficients,
                                                   const JobControl& job) const;
  std::vector<std::vector<double>> toeplitzCoefficients(double t, const JobControl& job) const;
  std::vector<std::vector<double>> densePredict(const Eigen::MatrixXd& coefficients, const JobControl& job) const;
  Eigen::MatrixXd denseCoefficients(double t) const;
  std::vector<std::vector<double>> nystromPredict(const JobControl& job) const;
};

// ------------------------------------------------------------------------------------- circulant

void ImageKernelRegression::Impl::setImagePeriod()
{
  Hp = H;
  Wp = W;
  Hg = Ht;
  Wg = Wt;
  rowSource.resize(size_t(Ht));
  colSource.resize(size_t(Wt));
  for (int i = 0; i < Ht; ++i) rowSource[size_t(i)] = i;
  for (int j = 0; j < Wt; ++j) colSource[size_t(j)] = j;
}

void ImageKernelRegression::Impl::setMirroredPeriod()
{
  const MirroredDomain domain = mirroredDomain(W, H, s);
  Hp = domain.y.periodPixels;
  Wp = domain.x.periodPixels;
  Hg = domain.y.periodSamples;
  Wg = domain.x.periodSamples;
  rowSource = domain.y.source;
  colSource = domain.x.source;
  m = double(Hg) * Wg;
}

void ImageKernelRegression::Impl::buildCirculant(const Network& kernelNet, const JobControl& job)
{
  // k on the Hp × Wp offsets (q/W, p/H) of one period; the Gram's row is its (i·s, j·s) subsample.
  std::vector<double> dy(static_cast<size_t>(Hp)), dx(static_cast<size_t>(Wp));
  for (int p = 0; p < Hp; ++p) dy[size_t(p)] = double(p) / H;
  for (int q = 0; q < Wp; ++q) dx[size_t(q)] = double(q) / W;
  const Eigen::MatrixXd K = stationaryKernel(kernelNet, options.kind, dy, dx, subJob(job, 0.0, 0.8));
  job.checkCancelled();

  fftTrain = std::make_unique<RealFft2>(Hg, Wg);
  fftFull = std::make_unique<RealFft2>(Hp, Wp);
  auto full = fftwArray<double>(fftFull->realSize());
  for (int p = 0; p < Hp; ++p)
    for (int q = 0; q < Wp; ++q) full[size_t(p) * Wp + q] = K(p, q);
  auto row = fftwArray<double>(fftTrain->realSize());
  for (int i = 0; i < Hg; ++i)
    for (int j = 0; j < Wg; ++j) row[size_t(i) * Wg + j] = K(i * s, j * s);
  trainRow.resize(size_t(Ht) * Wt); // the training grid's own row (the power spectrum); Ht ≤ Hg, Wt ≤ Wg
  for (int i = 0; i < Ht; ++i)
    for (int j = 0; j < Wt; ++j) trainRow[size_t(i) * Wt + j] = K(i * s, j * s);
  ridgeAbs = options.ridge * K(0, 0);

  kHatFull = fftwArray<Complex>(fftFull->complexSize());
  fftFull->forward(full.get(), kHatFull.get());

  auto spec = fftwArray<Complex>(fftTrain->complexSize());
  fftTrain->forward(row.get(), spec.get());
  lambda.resize(fftTrain->complexSize());
  double muMax = 0.0;
  for (size_t i = 0; i < lambda.size(); ++i) {
    lambda[i] = spec[i].real(); // the row is real and even: the imaginary part is rounding
    muMax = std::max(muMax, lambda[i] + ridgeAbs);
  }
  nullThreshold = m * std::numeric_limits<double>::epsilon() * muMax;
  job.report(0.9);

  yHat.clear();
  for (int c = 0; c < C; ++c) {
    for (int i = 0; i < Hg; ++i)
      for (int j = 0; j < Wg; ++j)
        row[size_t(i) * Wg + j] = dataset.trainY(Eigen::Index(rowSource[size_t(i)]) * Wt + colSource[size_t(j)], c);
    yHat.push_back(fftwArray<Complex>(fftTrain->complexSize()));
    fftTrain->forward(row.get(), yHat.back().get());
  }
  job.report(1.0);
}

std::vector<std::vector<double>> ImageKernelRegression::Impl::circulantPredict(double t, const JobControl& job) const
{
  const int hw = Wg / 2 + 1, hW = Wp / 2 + 1;
  std::vector<double> g(lambda.size());
  for (size_t i = 0; i < g.size(); ++i) g[i] = flowFactor(lambda[i] + ridgeAbs, t, m, nullThreshold);
  std::vector<std::vector<double>> out(static_cast<size_t>(C));
  const double scale = 1.0 / (double(Hp) * Wp);
  std::atomic<int> done{0};
  tbb::parallel_for(0, C, [&](int c) {
    job.checkCancelled();
    // α̂ on the half spectrum, then tiled periodically over Hp × (Wp/2+1) (conjugate symmetry for the
    // columns past Wg/2) and multiplied by the kernel's spectrum.
    std::vector<Complex> a(lambda.size());
    for (size_t i = 0; i < a.size(); ++i) a[i] = yHat[size_t(c)][i] * g[i];
    auto spec = fftwArray<Complex>(fftFull->complexSize());
    for (int u = 0; u < Hp; ++u) {
      const int a0 = u % Hg;
      const int a1 = (Hg - a0) % Hg;
      for (int w = 0; w < hW; ++w) {
        const int b = w % Wg;
        const Complex v = b < hw ? a[size_t(a0) * hw + b] : std::conj(a[size_t(a1) * hw + (Wg - b)]);
        spec[size_t(u) * hW + w] = v * kHatFull[size_t(u) * hW + w];
      }
    }
    auto f = fftwArray<double>(fftFull->realSize());
    fftFull->inverse(spec.get(), f.get());
    std::vector<double>& o = out[size_t(c)]; // the image is the period's top-left H × W corner
    o.resize(size_t(H) * W);
    for (int p = 0; p < H; ++p)
      for (int q = 0; q < W; ++q) o[size_t(p) * W + q] = f[size_t(p) * Wp + q] * scale;
    job.report(double(++done) / C);
  });
  requireAllChannels(done, C);
  return out;
}

// -------------------------------------------------------------------------------------- Toeplitz

void ImageKernelRegression::Impl::buildToeplitz(const JobControl& job)
{
  // k on the offsets (q/W, p/H), p ∈ [0, H), q ∈ (−W, W); k(−δ) = k(δ) gives p < 0.
  std::vector<double> dy(static_cast<size_t>(H)), dx(static_cast<size_t>(2 * W - 1));
  for (int p = 0; p < H; ++p) dy[size_t(p)] = double(p) / H;
  for (int q = -(W - 1); q < W; ++q) dx[size_t(q + W - 1)] = double(q) / W;
  const Eigen::MatrixXd K = stationaryKernel(net, options.kind, dy, dx, subJob(job, 0.0, 0.4));
  job.checkCancelled();
  auto kAt = [&](int p, int q) { return p >= 0 ? K(p, q + W - 1) : K(-p, -q + W - 1); };

  trainRow.resize(size_t(Ht) * Wt);
  for (int i = 0; i < Ht; ++i)
    for (int j = 0; j < Wt; ++j) trainRow[size_t(i) * Wt + j] = kAt(i * s, j * s);
  ridgeAbs = options.ridge * trainRow[0];

  // Prediction kernel on the 2H × 2W circle (index H / W unused: 0).
  fftPad = std::make_unique<RealFft2>(2 * H, 2 * W);
  {
    auto pad = fftwArray<double>(fftPad->realSize());
    for (int p = 0; p < 2 * H; ++p)
      for (int q = 0; q < 2 * W; ++q) {
        const int ps = p < H ? p : p - 2 * H, qs = q < W ? q : q - 2 * W;
        pad[size_t(p) * 2 * W + q] = (p == H || q == W) ? 0.0 : kAt(ps, qs);
      }
    kHatPad = fftwArray<Complex>(fftPad->complexSize());
    fftPad->forward(pad.get(), kHatPad.get());
  }

  // BTTB embedding on 2Ht × 2Wt, and the T. Chan preconditioner on Ht × Wt.
  {
    auto e = fftwArray<double>(size_t(4) * Ht * Wt);
    for (int i = 0; i < 2 * Ht; ++i)
      for (int j = 0; j < 2 * Wt; ++j) {
        const int is = i < Ht ? i : i - 2 * Ht, js = j < Wt ? j : j - 2 * Wt;
        e[size_t(i) * 2 * Wt + j] = (i == Ht || j == Wt) ? 0.0 : kAt(is * s, js * s);
      }
    product = std::make_unique<ToeplitzProduct>(Ht, Wt, e.get());
    flowRho = product->maxEigenvalueBound(std::all_of(e.get(), e.get() + size_t(4) * Ht * Wt,
                                                      [](double v) { return v >= 0.0; })) + ridgeAbs;
  }
  const RealFft2 fftPre(Ht, Wt);
  std::vector<double> preEig(fftPre.complexSize());
  {
    auto c = fftwArray<double>(fftPre.realSize());
    auto spec = fftwArray<Complex>(fftPre.complexSize());
    const double inv = 1.0 / (double(Ht) * Wt);
    for (int i = 0; i < Ht; ++i)
      for (int j = 0; j < Wt; ++j) {
        // (t(−Ht, ·) and t(·, −Wt) lie outside the sample and carry weight 0: skip them.)
        const double a = Ht - i, b = Wt - j;
        double v = a * b * kAt(i * s, j * s);
        if (i > 0) v += i * b * kAt((i - Ht) * s, j * s);
        if (j > 0) v += a * j * kAt(i * s, (j - Wt) * s);
        if (i > 0 && j > 0) v += double(i) * j * kAt((i - Ht) * s, (j - Wt) * s);
        c[size_t(i) * Wt + j] = v * inv;
      }
    fftPre.forward(c.get(), spec.get());
    double top = 0.0;
    for (size_t i = 0; i < preEig.size(); ++i) {
      preEig[i] = std::max(spec[i].real(), 0.0) + ridgeAbs;
      top = std::max(top, preEig[i]);
    }
    const double floor = std::max(top * 1e-12, std::numeric_limits<double>::min());
    for (double& v : preEig) v = std::max(v, floor);
  }
  job.report(0.45);

  const size_t mm = size_t(Ht) * Wt;
  const double preScale = 1.0 / (double(Ht) * Wt);
  alpha.assign(size_t(C), std::vector<double>(mm, 0.0));
  std::vector<int> iterations(size_t(C), 0);
  ChannelProgress progress(C, job, 0.45, 1.0);
  const double tol = options.cgTolerance;

  tbb::parallel_for(0, C, [&](int ch) {
    auto spec = fftwArray<Complex>(product->spectrumSize());
    auto small = fftwArray<double>(fftPre.realSize());
    auto smallSpec = fftwArray<Complex>(fftPre.complexSize());
    // y ← (T + ridge) x
    auto apply = [&](const std::vector<double>& x, std::vector<double>& y) {
      product->apply(x.data(), y.data(), ridgeAbs, spec.get());
    };
    // z ← P⁻¹ r
    auto precondition = [&](const std::vector<double>& r, std::vector<double>& z) {
      std::copy(r.begin(), r.end(), small.get());
      fftPre.forward(small.get(), smallSpec.get());
      for (size_t k = 0; k < fftPre.complexSize(); ++k) smallSpec[k] /= preEig[k];
      fftPre.inverse(smallSpec.get(), small.get());
      for (size_t k = 0; k < mm; ++k) z[k] = small[k] * preScale;
    };
    std::vector<double> rhs(mm);
    for (size_t k = 0; k < mm; ++k) rhs[k] = dataset.trainY(Eigen::Index(k), ch);
    const int it = conjugateGradients(
        apply, precondition, rhs, alpha[size_t(ch)], tol, options.maxCgIterations, "image regression",
        "raise the ridge, the tolerance or the iteration limit", job,
        [&](double rel) { progress.set(ch, std::clamp(std::log(rel) / std::log(tol), 0.0, 1.0)); });
    progress.set(ch, 1.0); // done (a zero channel needs no iteration)
    iterations[size_t(ch)] = it;
  });
  cgIterations = *std::max_element(iterations.begin(), iterations.end());
  job.report(1.0);
}

std::vector<std::vector<double>> ImageKernelRegression::Impl::toeplitzCoefficients(double t, const JobControl& job) const
{
  const size_t n = size_t(Ht) * Wt;
  return channelFlowCoefficients(t / m, flowRho, ridgeAbs, alpha, n, [this, n](int ch, std::vector<double>& y) -> FlowProduct {
    for (size_t k = 0; k < n; ++k) y[k] = dataset.trainY(Eigen::Index(k), ch);
    auto spec = std::make_shared<imagefft::FftwArray<Complex>>(fftwArray<Complex>(product->spectrumSize()));
    return [this, spec](const std::vector<double>& x, std::vector<double>& out) {
      product->apply(x.data(), out.data(), ridgeAbs, spec->get());
    };
  }, job);
}

std::vector<std::vector<double>> ImageKernelRegression::Impl::toeplitzPredict(
    const std::vector<std::vector<double>>& coefficients, const JobControl& job) const
{
  std::vector<std::vector<double>> out(static_cast<size_t>(C));
  const double scale = 1.0 / (4.0 * H * W);
  std::atomic<int> done{0};
  tbb::parallel_for(0, C, [&](int c) {
    job.checkCancelled();
    auto pad = fftwArray<double>(fftPad->realSize());
    auto spec = fftwArray<Complex>(fftPad->complexSize());
    std::fill(pad.get(), pad.get() + fftPad->realSize(), 0.0);
    const std::vector<double>& a = coefficients[size_t(c)];
    for (int i = 0; i < Ht; ++i)
      for (int j = 0; j < Wt; ++j) pad[size_t(i) * s * 2 * W + size_t(j) * s] = a[size_t(i) * Wt + j];
    fftPad->forward(pad.get(), spec.get());
    for (size_t k = 0; k < fftPad->complexSize(); ++k) spec[k] *= kHatPad[k];
    fftPad->inverse(spec.get(), pad.get());
    std::vector<double>& f = out[size_t(c)];
    f.resize(size_t(H) * W);
    for (int p = 0; p < H; ++p)
      for (int q = 0; q < W; ++q) f[size_t(p) * W + q] = pad[size_t(p) * 2 * W + q] * scale;
    job.report(double(++done) / C);
  });
  requireAllChannels(done, C);
  return out;
}

// ----------------------------------------------------------------------------------------- dense

void ImageKernelRegression::Impl::buildDense(const JobControl& job)
{
  Xtrain = dataset.trainX;
  Ktrain = kernelMatrix(net, Xtrain, nullptr, options.kind, subJob(job, 0.0, 0.6));
  job.checkCancelled();
  const Eigen::Index mi = Ktrain.rows();
  trainRow.assign(Ktrain.data(), Ktrain.data() + mi); // column 0 = row 0 (symmetric)
  ridgeAbs = options.ridge * Ktrain.diagonal().mean();
  Eigen::MatrixXd A = Ktrain;
  A.diagonal().array() += ridgeAbs;
  if (!choleskyUpper(A))
    throw NumericalError("image regression: the training Gram plus ridge is not positive definite (Cholesky "
                         "failed); raise the ridge");
  job.checkCancelled();
  alphaDense = dataset.trainY;
  choleskySolveUpper(A, alphaDense);
  if (!alphaDense.allFinite())
    throw NumericalError("image regression: the dense solve produced non-finite weights; raise the ridge");
  job.report(1.0);
}

Eigen::MatrixXd ImageKernelRegression::Impl::denseCoefficients(double t) const
{
  if (std::isinf(t)) return alphaDense;
  std::shared_ptr<const SymmetricEigen> eig;
  {
    std::lock_guard<std::mutex> lock(denseMutex);
    if (!eigenCache) {
      const double mi = double(Ktrain.rows());
      requireMemory(16.0 * mi * mi, "the eigendecomposition of the training Gram");
      Eigen::MatrixXd A = Ktrain;
      A.diagonal().array() += ridgeAbs;
      eigenCache = std::make_shared<const SymmetricEigen>(symmetricEigen(std::move(A), 0, true));
    }
    eig = eigenCache;
  }
  const Eigen::VectorXd& mu = eig->values;
  const double threshold = m * std::numeric_limits<double>::epsilon() * std::max(mu.maxCoeff(), 0.0);
  Eigen::VectorXd g(mu.size());
  for (Eigen::Index a = 0; a < mu.size(); ++a) g(a) = flowFactor(mu(a), t, m, threshold);
  return eig->vectors * (g.asDiagonal() * (eig->vectors.transpose() * dataset.trainY));
}

std::vector<std::vector<double>> ImageKernelRegression::Impl::densePredict(const Eigen::MatrixXd& coefficients,
                                                                          const JobControl& job) const
{
  const Eigen::Index n = Eigen::Index(H) * W, mi = Xtrain.rows();
  const Eigen::MatrixXd Xall = dataset.allX();
  // Rows of K(all, train) at the training pixels are taken from the symmetric Gram: the same numbers the
  // solve saw (exact diagonal, so a ridge-free fit reproduces its targets).
  std::vector<Eigen::Index> trainIndex(size_t(n), -1);
  for (Eigen::Index i = 0; i < mi; ++i) {
    const int r = int(i / dataset.trainWidth) * s, c = int(i % dataset.trainWidth) * s;
    trainIndex[size_t(r) * W + c] = i;
  }
  auto kernelRows = [&](Eigen::Index r0, Eigen::Index rows, const JobControl& j) {
    Eigen::MatrixXd Kb = kernelMatrix(net, Xall.middleRows(r0, rows), &Xtrain, options.kind, j);
    for (Eigen::Index r = 0; r < rows; ++r)
      if (const Eigen::Index t = trainIndex[size_t(r0 + r)]; t >= 0) Kb.row(r) = Ktrain.row(t);
    return Kb;
  };

  Eigen::MatrixXd F(n, C);
  const double allBytes = 8.0 * double(n) * double(mi);
  std::shared_ptr<const Eigen::MatrixXd> cache;
  if (allBytes <= kDenseCacheBytes) {
    std::lock_guard<std::mutex> lock(denseMutex);
    if (!kAllCache) {
      requireMemory(allBytes, "the kernel between all pixels and the training pixels");
      kAllCache = std::make_shared<const Eigen::MatrixXd>(kernelRows(0, n, subJob(job, 0.0, 0.9)));
    }
    cache = kAllCache;
  }
  if (cache) {
    F.noalias() = *cache * coefficients;
  } else {
    const Eigen::Index block = std::max<Eigen::Index>(1, Eigen::Index(kDenseBlockBytes / (8.0 * double(mi))));
    for (Eigen::Index r0 = 0; r0 < n; r0 += block) {
      job.checkCancelled();
      const Eigen::Index rows = std::min(block, n - r0);
      F.middleRows(r0, rows).noalias() = kernelRows(r0, rows, JobControl{job.stop, {}}) * coefficients;
      job.report(double(r0 + rows) / double(n));
    }
  }
  std::vector<std::vector<double>> out(static_cast<size_t>(C));
  for (int c = 0; c < C; ++c) out[size_t(c)].assign(F.col(c).data(), F.col(c).data() + n);
  job.report(1.0);
  return out;
}

// --------------------------------------------------------------------------------------- Nyström

void ImageKernelRegression::Impl::buildNystrom(const JobControl& job)
{
  NystromOptions o;
  o.kind = options.kind;
  o.ridge = options.ridge;
  o.centres = options.centres;
  o.seed = options.seed;
  o.cgTolerance = options.nystromTolerance;
  o.maxCgIterations = options.maxCgIterations;
  nystrom = std::make_unique<NystromRegression>(net, dataset.trainX, dataset.trainY, o, subJob(job, 0.0, 0.98));
  ridgeAbs = nystrom->ridgeAbsolute();
  cgIterations = nystrom->cgIterations();
  // The kernel row from training pixel (0,0) (the power spectrum): one engine row.
  const Eigen::MatrixXd first = dataset.trainX.topRows(1);
  const Eigen::MatrixXd row = kernelMatrix(net, first, &dataset.trainX, options.kind, JobControl{job.stop, {}});
  trainRow.assign(row.data(), row.data() + row.size());
  job.report(1.0);
}

std::vector<std::vector<double>> ImageKernelRegression::Impl::nystromPredict(const JobControl& job) const
{
  // Training pixels: the fit's own values (K_nM α); held-out pixels: K(held-out, centres) α.
  const Eigen::Index n = Eigen::Index(H) * W;
  std::vector<Eigen::Index> heldOut;
  for (Eigen::Index p = 0; p < n; ++p)
    if (dataset.heldOutMask[size_t(p)]) heldOut.push_back(p);
  Eigen::MatrixXd Xh(Eigen::Index(heldOut.size()), 2);
  for (size_t i = 0; i < heldOut.size(); ++i)
    Xh.row(Eigen::Index(i)) = ImageDataset::coordinate(int(heldOut[i] / W), int(heldOut[i] % W), W, H);
  const Eigen::MatrixXd Fh = Xh.rows() > 0 ? nystrom->predict(Xh, job) : Eigen::MatrixXd(0, C);
  std::vector<std::vector<double>> out(static_cast<size_t>(C), std::vector<double>(size_t(n)));
  const Eigen::MatrixXd& Ft = nystrom->fitted();
  for (Eigen::Index i = 0; i < Ft.rows(); ++i) {
    const Eigen::Index p = Eigen::Index(i / dataset.trainWidth) * s * W + Eigen::Index(i % dataset.trainWidth) * s;
    for (int c = 0; c < C; ++c) out[size_t(c)][size_t(p)] = Ft(i, c);
  }
  for (size_t i = 0; i < heldOut.size(); ++i)
    for (int c = 0; c < C; ++c) out[size_t(c)][size_t(heldOut[i])] = Fh(Eigen::Index(i), c);
  job.report(1.0);
  return out;
}

// --------------------------------------------------------------------------------------- public

ImageKernelRegression::ImageKernelRegression(const Network& net, const Image& image, int stride,
                                             const ImageRegressionOptions& options, const JobControl& job)
    : d_(std::make_unique<Impl>())
{
  const auto t0 = Clock::now();
  net.validate();
  if (net.inputDim != 2)
    throw NetworkError("image regression needs a network with input_dim 2 (v = (col/W, row/H)), but input_dim = " +
                       std::to_string(net.inputDim));
  if (image.width < 1 || image.height < 1 || image.channels < 1 ||
      image.data.size() != std::size_t(image.width) * image.height * image.channels)
    throw InputError("image regression: the image is empty or its data does not match its size");
  if (stride < 1) throw InputError("image regression: the training stride must be >= 1 (got " + std::to_string(stride) + ")");
  if (stride > image.width || stride > image.height)
    throw InputError("image regression: the training stride " + std::to_string(stride) + " is larger than the " +
                     std::to_string(image.width) + " x " + std::to_string(image.height) + " image");
  if (!std::isfinite(options.ridge) || options.ridge < 0.0)
    throw InputError("image regression: the ridge must be finite and >= 0 (got " + std::to_string(options.ridge) + ")");
  if (!(options.cgTolerance > 0.0) || !std::isfinite(options.cgTolerance))
    throw InputError("image regression: the CG tolerance must be > 0 (got " + std::to_string(options.cgTolerance) + ")");
  if (options.maxCgIterations < 1)
    throw InputError("image regression: maxCgIterations must be >= 1 (got " + std::to_string(options.maxCgIterations) + ")");
  for (float v : image.data)
    if (!std::isfinite(v)) throw InputError("image regression: the image holds NaN or infinite values");

  Impl& d = *d_;
  d.path = resolvePath(net, image.width, image.height, stride, options.path, options.denseLimit, options.nystromAbove).path;
  if (options.centres < 1)
    throw InputError("image regression: the number of Nyström centres must be >= 1 (got " +
                     std::to_string(options.centres) + ")");
  if (!(options.nystromTolerance > 0.0) || !std::isfinite(options.nystromTolerance))
    throw InputError("image regression: the Nyström CG tolerance must be > 0 (got " +
                     std::to_string(options.nystromTolerance) + ")");
  if (d.path == RegressionPath::Mirror) mirroredDomain(image.width, image.height, stride); // ≥ 2 samples per axis
  requireMemory(pathBytes(net, image.width, image.height, image.channels, stride, d.path, options.centres),
                "the " + regressionPathName(d.path) + " kernel regression of a " + std::to_string(image.width) + " x " +
                    std::to_string(image.height) + " image with stride " + std::to_string(stride));
  job.checkCancelled();

  d.net = net;
  d.image = image;
  d.options = options;
  d.dataset = makeImageDataset(image, stride);
  d.H = image.height;
  d.W = image.width;
  d.C = image.channels;
  d.s = stride;
  d.Ht = d.dataset.trainHeight;
  d.Wt = d.dataset.trainWidth;
  d.m = double(d.Ht) * d.Wt;
  switch (d.path) {
  case RegressionPath::Circulant:
    d.setImagePeriod();
    d.buildCirculant(net, job);
    break;
  case RegressionPath::Mirror:
    d.setMirroredPeriod();
    d.buildCirculant(withMirroredPeriodFrequencies(net, mirroredDomain(d.W, d.H, d.s), &d.maxRounding), job);
    break;
  case RegressionPath::Toeplitz: d.buildToeplitz(job); break;
  case RegressionPath::Nystrom: d.buildNystrom(job); break;
  default: d.buildDense(job); break;
  }
  d.buildSeconds = secondsSince(t0);
}

ImageKernelRegression::~ImageKernelRegression() = default;

RegressionPath ImageKernelRegression::path() const { return d_->path; }

bool ImageKernelRegression::timeSupported() const { return d_->path != RegressionPath::Nystrom; }

const ImageDataset& ImageKernelRegression::dataset() const { return d_->dataset; }

Image ImageKernelRegression::predict(ImageRegressionReport* report, const JobControl& job) const
{
  const auto t0 = Clock::now();
  const Impl& d = *d_;
  job.checkCancelled(); // the dense path's cached K(all, train) product checks nothing else
  std::vector<std::vector<double>> f;
  switch (d.path) {
  case RegressionPath::Circulant:
  case RegressionPath::Mirror: f = d.circulantPredict(std::numeric_limits<double>::infinity(), job); break;
  case RegressionPath::Toeplitz: f = d.toeplitzPredict(d.alpha, job); break;
  case RegressionPath::Nystrom: f = d.nystromPredict(job); break;
  default: f = d.densePredict(d.alphaDense, job); break;
  }
  Image out = imageFromChannels(d.W, d.H, f);
  if (report) {
    report->path = d.path;
    report->cgIterations = d.cgIterations;
    report->centres = d.nystrom ? d.nystrom->centres().rows() : 0;
    report->periodWidth = d.path == RegressionPath::Mirror ? d.Wp : 0;
    report->periodHeight = d.path == RegressionPath::Mirror ? d.Hp : 0;
    report->maxFrequencyRounding = d.maxRounding;
    report->seconds = d.buildSeconds + secondsSince(t0);
    report->psnrTrain = psnr(out, d.image, &d.dataset.trainMask);
    report->psnrHeldOut = psnr(out, d.image, &d.dataset.heldOutMask);
    report->psnrAll = psnr(out, d.image);
  }
  return out;
}

Image ImageKernelRegression::predictAt(double t, const JobControl& job) const
{
  checkTime(t);
  const Impl& d = *d_;
  if (std::isinf(t)) return predict(nullptr, job);
  if (!timeSupported())
    throw InputError("image regression: the " + regressionPathName(d.path) + " path answers t = infinity only");
  std::vector<std::vector<double>> f;
  if (d.path == RegressionPath::Circulant || d.path == RegressionPath::Mirror) f = d.circulantPredict(t, job);
  else if (d.path == RegressionPath::Toeplitz) f = d.toeplitzPredict(d.toeplitzCoefficients(t, subJob(job, 0.0, 0.9)), subJob(job, 0.9, 1.0));
  else f = d.densePredict(d.denseCoefficients(t), job);
  return imageFromChannels(d.W, d.H, f);
}

Eigen::MatrixXd ImageKernelRegression::kernelPowerSpectrum() const
{
  const Impl& d = *d_;
  const RealFft2 fft(d.Ht, d.Wt);
  auto in = fftwArray<double>(fft.realSize());
  auto out = fftwArray<Complex>(fft.complexSize());
  std::copy(d.trainRow.begin(), d.trainRow.end(), in.get());
  fft.forward(in.get(), out.get());
  const int hw = fft.halfCols();
  Eigen::MatrixXd S(d.Ht, d.Wt);
  for (int u = 0; u < d.Ht; ++u)
    for (int w = 0; w < d.Wt; ++w) {
      const double v = w < hw ? std::abs(out[size_t(u) * hw + w])
                               : std::abs(out[size_t((d.Ht - u) % d.Ht) * hw + (d.Wt - w)]);
      S((u + d.Ht / 2) % d.Ht, (w + d.Wt / 2) % d.Wt) = v;
    }
  return S;
}

} // namespace ntk
