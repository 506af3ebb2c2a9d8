// ImageRidgeSelection.cpp — GCV / marginal likelihood per Fourier mode, and the σ/ridge search
// (see ImageRidgeSelection.h).
//
// T. Chan approximation. The training Gram is 2-level Toeplitz with symbol t(i, j) = k(j·s/W, i·s/H),
// i ∈ (−Ht, Ht), j ∈ (−Wt, Wt). Its optimal circulant approximation has first column
//   c(i,j) = [(Ht−i)(Wt−j) t(i,j) + i(Wt−j) t(i−Ht,j) + (Ht−i) j t(i,j−Wt) + i j t(i−Ht,j−Wt)] / (Ht Wt),
// the same preconditioner the Toeplitz CG uses; its eigenvalues are the DFT of c. When the Gram is
// block-circulant (gridIsPeriodic and s | W, s | H) t is already periodic and c = t exactly.
#include "core/image/ImageRidgeSelection.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <complex>
#include <functional>
#include <limits>
#include <mutex>
#include <vector>

#include <fftw3.h>

#include "core/image/ImageDataset.h"
#include "core/image/ImageKernelRegression.h"
#include "core/spectra/GridSpectrum.h"
#include "core/util/Errors.h"
#include "core/util/FftwPlanner.h"
#include "core/util/MemoryEstimate.h"

namespace ntk {

namespace {

using Complex = std::complex<double>;
using Clock = std::chrono::steady_clock;
constexpr double kPi = 3.14159265358979323846;
constexpr double kGolden = 0.6180339887498949;

/// The unnormalised 2-D DFT of a real rows × cols array (row-major), all rows × cols modes.
std::vector<Complex> dft2(const std::vector<double>& a, int rows, int cols)
{
  std::vector<Complex> in(a.begin(), a.end()), out(a.size());
  fftw_plan plan;
  {
    std::lock_guard<std::mutex> lock(fftwPlannerMutex());
    plan = fftw_plan_dft_2d(rows, cols, reinterpret_cast<fftw_complex*>(in.data()),
                            reinterpret_cast<fftw_complex*>(out.data()), FFTW_FORWARD, FFTW_ESTIMATE);
  }
  if (!plan) throw NumericalError("ridge selection: FFTW could not plan a " + std::to_string(rows) + " x " +
                                  std::to_string(cols) + " transform");
  fftw_execute(plan);
  {
    std::lock_guard<std::mutex> lock(fftwPlannerMutex());
    fftw_destroy_plan(plan);
  }
  return out;
}

/// Minimises f over [lo, hi] (in the caller's coordinate, e.g. log σ): a grid of `points`, then golden
/// section in the bracket of the best grid point. Returns the argument; `atBound` when it is an end.
double minimise(const std::function<double(double)>& f, double lo, double hi, int points, int goldenSteps,
                bool* atBound)
{
  if (!(hi > lo)) {
    if (atBound) *atBound = false;
    return lo;
  }
  std::vector<double> x(static_cast<size_t>(points)), y(x.size());
  for (int i = 0; i < points; ++i) {
    x[size_t(i)] = lo + (hi - lo) * i / (points - 1);
    y[size_t(i)] = f(x[size_t(i)]);
  }
  const size_t best = size_t(std::min_element(y.begin(), y.end()) - y.begin());
  double a = x[best > 0 ? best - 1 : 0], b = x[std::min(best + 1, x.size() - 1)];
  double c = b - kGolden * (b - a), d = a + kGolden * (b - a);
  double fc = f(c), fd = f(d);
  for (int it = 0; it < goldenSteps; ++it) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - kGolden * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + kGolden * (b - a);
      fd = f(d);
    }
  }
  double xm = fc < fd ? c : d, ym = std::min(fc, fd);
  if (y[best] <= ym) { // the grid point itself (an end of the range, say) is at least as good
    xm = x[best];
    ym = y[best];
  }
  if (atBound) *atBound = (best == 0 || best + 1 == x.size()) && (xm == x[best]);
  return xm;
}

bool hasSigma(EncodingKind kind) { return kind == EncodingKind::Positional || kind == EncodingKind::Gaussian; }

} // namespace

std::string selectionCriterionName(SelectionCriterion criterion)
{
  switch (criterion) {
  case SelectionCriterion::Gcv: return "gcv";
  case SelectionCriterion::MarginalLikelihood: return "ml";
  case SelectionCriterion::QuantisedLikelihood: return "ml-quant";
  }
  return "?";
}

bool parseSelectionCriterion(const std::string& name, SelectionCriterion* criterion)
{
  for (SelectionCriterion c : {SelectionCriterion::Gcv, SelectionCriterion::MarginalLikelihood,
                               SelectionCriterion::QuantisedLikelihood})
    if (selectionCriterionName(c) == name) {
      *criterion = c;
      return true;
    }
  return false;
}

double quantisationStep(const Eigen::MatrixXd& values)
{
  // A value k/255 stored as float is within 255·2⁻²⁴ ≈ 1.5e-5 of an integer after scaling.
  const bool eightBit = (values.array() * 255.0 - (values.array() * 255.0).round()).abs().maxCoeff() <= 1e-4;
  return eightBit ? 1.0 / 255.0 : 1.0 / 65535.0;
}

double TrainingGramSpectrum::gcv(double relativeRidge) const
{
  const double lambda = relativeRidge * k0, m = double(mu.size());
  double residual = 0.0, trace = 0.0;
  for (Eigen::Index k = 0; k < mu.size(); ++k) {
    const double f = lambda / (mu(k) + lambda);
    trace += f;
    residual += yPower(k) * f * f;
  }
  residual /= m; // Parseval for the unnormalised DFT
  return (residual / (m * channels)) / ((trace / m) * (trace / m));
}

double TrainingGramSpectrum::negativeLogLikelihood(double relativeRidge) const
{
  const double lambda = relativeRidge * k0, m = double(mu.size()), n = m * channels;
  double q = 0.0, logDet = 0.0;
  for (Eigen::Index k = 0; k < mu.size(); ++k) {
    q += yPower(k) / (mu(k) + lambda);
    logDet += std::log(mu(k) + lambda);
  }
  q /= m;
  return 0.5 * (n * std::log(2.0 * kPi * q / n) + channels * logDet + n);
}

double TrainingGramSpectrum::quantisedNegativeLogLikelihood(double relativeRidge) const
{
  // y_c ~ N(0, a²K + vI) with a² = v/λ: the covariance is a²(K + λI), per mode a²(μ_k + λ).
  const double lambda = relativeRidge * k0, m = double(mu.size()), a2 = noiseVariance / lambda;
  double q = 0.0, logDet = 0.0;
  for (Eigen::Index k = 0; k < mu.size(); ++k) {
    const double d = a2 * (mu(k) + lambda);
    q += yPower(k) / d;
    logDet += std::log(d);
  }
  return 0.5 * (q / m + channels * logDet + m * channels * std::log(2.0 * kPi));
}

double TrainingGramSpectrum::criterion(SelectionCriterion c, double relativeRidge) const
{
  switch (c) {
  case SelectionCriterion::Gcv: return gcv(relativeRidge);
  case SelectionCriterion::MarginalLikelihood: return negativeLogLikelihood(relativeRidge);
  case SelectionCriterion::QuantisedLikelihood: return quantisedNegativeLogLikelihood(relativeRidge);
  }
  return std::numeric_limits<double>::quiet_NaN();
}

TrainingGramSpectrum trainingGramSpectrum(const Network& net, const Image& image, int stride, KernelKind kind,
                                          const JobControl& job)
{
  net.validate();
  if (net.inputDim != 2) throw InputError("ridge selection: the network needs input_dim 2 (the pixel coordinate)");
  if (net.encoding.kind == EncodingKind::None)
    throw InputError("ridge selection: encoding none is not stationary, so the Gram has no Fourier modes");
  const ImageDataset data = makeImageDataset(image, stride);
  const int H = image.height, W = image.width, Ht = data.trainHeight, Wt = data.trainWidth, s = stride;
  const double m = double(Ht) * Wt;
  requireMemory(16.0 * m * 6.0 + 8.0 * Ht * 2.0 * Wt, "the Fourier spectrum of a " + std::to_string(Ht) + " x " +
                                                         std::to_string(Wt) + " training grid");
  TrainingGramSpectrum out;
  out.trainHeight = Ht;
  out.trainWidth = Wt;
  out.channels = image.channels;
  out.exact = gridIsPeriodic(net) && W % s == 0 && H % s == 0;

  // t(i, j) for i ∈ [0, Ht), j ∈ (−Wt, Wt); t(−i, −j) = t(i, j).
  std::vector<double> dy(static_cast<size_t>(Ht)), dx(static_cast<size_t>(2 * Wt - 1));
  for (int i = 0; i < Ht; ++i) dy[size_t(i)] = double(i) * s / H;
  for (int j = -(Wt - 1); j < Wt; ++j) dx[size_t(j + Wt - 1)] = double(j) * s / W;
  const Eigen::MatrixXd K = stationaryKernel(net, kind, dy, dx, job);
  job.checkCancelled();
  auto t = [&](int i, int j) { return i >= 0 ? K(i, j + Wt - 1) : K(-i, -j + Wt - 1); };
  out.k0 = t(0, 0);

  std::vector<double> c(static_cast<size_t>(m));
  for (int i = 0; i < Ht; ++i)
    for (int j = 0; j < Wt; ++j) {
      double v;
      if (out.exact) {
        v = t(i, j);
      } else {
        const double a = Ht - i, b = Wt - j;
        v = a * b * t(i, j);
        if (i > 0) v += i * b * t(i - Ht, j);
        if (j > 0) v += a * j * t(i, j - Wt);
        if (i > 0 && j > 0) v += double(i) * j * t(i - Ht, j - Wt);
        v /= m;
      }
      c[size_t(i) * Wt + j] = v;
    }
  const std::vector<Complex> lambda = dft2(c, Ht, Wt);
  out.mu.resize(Eigen::Index(m));
  for (Eigen::Index k = 0; k < out.mu.size(); ++k) out.mu(k) = std::max(lambda[size_t(k)].real(), 0.0);

  const double step = quantisationStep(data.trainY);
  out.noiseVariance = step * step / 12.0;
  out.yPower = Eigen::VectorXd::Zero(Eigen::Index(m));
  std::vector<double> y(static_cast<size_t>(m));
  for (int ch = 0; ch < image.channels; ++ch) {
    for (Eigen::Index k = 0; k < Eigen::Index(m); ++k) y[size_t(k)] = data.trainY(k, ch);
    const std::vector<Complex> yHat = dft2(y, Ht, Wt);
    for (Eigen::Index k = 0; k < Eigen::Index(m); ++k) out.yPower(k) += std::norm(yHat[size_t(k)]);
  }
  return out;
}

RidgeSelection selectSigmaRidge(const Network& net, const Image& image, int stride, const RidgeSelectionOptions& options,
                                const JobControl& job)
{
  const auto t0 = Clock::now();
  if (options.chooseSigma && !hasSigma(net.encoding.kind))
    throw InputError("automatic σ needs a positional or gaussian encoding (the network's is " + net.encoding.name() + ")");
  if (options.chooseSigma && !(options.sigmaMin > 0.0 && options.sigmaMax >= options.sigmaMin &&
                               std::isfinite(options.sigmaMax)))
    throw InputError("ridge selection: the σ range must satisfy 0 < min <= max < inf");
  if (options.chooseRidge && !(options.ridgeMin > 0.0 && options.ridgeMax >= options.ridgeMin &&
                               std::isfinite(options.ridgeMax)))
    throw InputError("ridge selection: the ridge range must satisfy 0 < min <= max < inf");
  if (!options.chooseRidge && !(options.ridge > 0.0 && std::isfinite(options.ridge)))
    throw InputError("ridge selection: a fixed ridge must be finite and > 0 for " +
                     selectionCriterionName(options.criterion) + " (got " + std::to_string(options.ridge) + ")");

  RidgeSelection result;
  int evaluations = 0;
  const int sigmaPoints = 9, sigmaSteps = 10;
  const int totalEvaluations = options.chooseSigma ? sigmaPoints + sigmaSteps + 2 : 1;
  // For one σ: the best ridge and its score.
  auto bestForSigma = [&](double sigma, double* ridgeOut, bool* ridgeBound, bool* exact) {
    job.checkCancelled();
    Network n = net;
    if (hasSigma(n.encoding.kind) && options.chooseSigma) n.encoding.sigma = sigma;
    const TrainingGramSpectrum spectrum = trainingGramSpectrum(n, image, stride, options.kind, JobControl{job.stop, {}});
    job.report(std::min(1.0, double(++evaluations) / totalEvaluations));
    if (exact) *exact = spectrum.exact;
    double ridge = options.ridge;
    bool bound = false;
    if (options.chooseRidge) {
      const double lo = std::log10(options.ridgeMin), hi = std::log10(options.ridgeMax);
      const int points = std::max(2, int(std::ceil((hi - lo) * 4.0)) + 1);
      ridge = std::pow(10.0, minimise([&](double lr) { return spectrum.criterion(options.criterion, std::pow(10.0, lr)); },
                                      lo, hi, points, 30, &bound));
    }
    if (ridgeOut) *ridgeOut = ridge;
    if (ridgeBound) *ridgeBound = bound;
    return spectrum.criterion(options.criterion, ridge);
  };

  double sigma = hasSigma(net.encoding.kind) ? net.encoding.sigma : std::numeric_limits<double>::quiet_NaN();
  if (options.chooseSigma) {
    bool bound = false;
    sigma = std::exp(minimise([&](double ls) { return bestForSigma(std::exp(ls), nullptr, nullptr, nullptr); },
                              std::log(options.sigmaMin), std::log(options.sigmaMax), sigmaPoints, sigmaSteps, &bound));
    result.sigmaAtBound = bound;
  }
  result.sigma = sigma;
  result.score = bestForSigma(sigma, &result.ridge, &result.ridgeAtBound, &result.exactSpectrum);
  result.evaluations = evaluations;
  result.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  job.report(1.0);
  return result;
}

} // namespace ntk
