// ImageEncodingSweep.cpp — Tancik et al.'s encoding table for one image (see ImageEncodingSweep.h).
#include "core/image/ImageEncodingSweep.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <string>

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "core/image/ImageDataset.h"
#include "core/image/ImageRidgeSelection.h"
#include "core/nets/MlpTrainer.h"
#include "core/spectra/GridSpectrum.h"
#include "core/util/Errors.h"
#include "core/util/MemoryEstimate.h"

namespace ntk {

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

/// Pixels on the stride grid (the training set of every fit).
Eigen::Index trainingPixels(const Image& image, int stride)
{
  return Eigen::Index((image.width + stride - 1) / stride) * ((image.height + stride - 1) / stride);
}

bool hasSigma(EncodingKind kind) { return kind == EncodingKind::Positional || kind == EncodingKind::Gaussian; }

/// The rows to fit, in table order (none, basic, then the σ encodings at every σ ascending).
std::vector<EncodingSweepRow> plannedRows(const EncodingSweepOptions& options)
{
  std::vector<double> sigmas = options.sigmas;
  std::sort(sigmas.begin(), sigmas.end());
  std::vector<EncodingSweepRow> rows;
  for (const EncodingKind kind : options.encodings) {
    if (hasSigma(kind)) {
      for (const double s : sigmas) {
        EncodingSweepRow r;
        r.encoding = kind;
        r.sigma = s;
        rows.push_back(r);
      }
    } else {
      EncodingSweepRow r;
      r.encoding = kind;
      r.sigma = std::numeric_limits<double>::quiet_NaN();
      rows.push_back(r);
    }
  }
  return rows;
}

void checkOptions(const Network& base, const Image& image, int stride, const EncodingSweepOptions& options)
{
  if (base.inputDim != 2)
    throw InputError("encoding sweep: the network needs input_dim 2 (the pixel coordinate), not " +
                     std::to_string(base.inputDim));
  if (options.encodings.empty()) throw InputError("encoding sweep: no encodings to fit");
  for (std::size_t i = 0; i < options.encodings.size(); ++i) {
    if (options.encodings[i] == EncodingKind::Fourier)
      throw InputError("encoding sweep: the encodings are none, basic, positional and gaussian (not fourier)");
    for (std::size_t j = 0; j < i; ++j)
      if (options.encodings[j] == options.encodings[i])
        throw InputError("encoding sweep: encoding " + Encoding::kindName(options.encodings[i]) + " is listed twice");
  }
  const bool needSigma = std::any_of(options.encodings.begin(), options.encodings.end(), hasSigma);
  if (needSigma && options.sigmas.empty()) throw InputError("encoding sweep: positional and gaussian need at least one σ");
  for (const double s : options.sigmas)
    if (!std::isfinite(s) || s <= 0.0)
      throw InputError("encoding sweep: every σ must be finite and > 0 (got " + std::to_string(s) + ")");
  if (!std::isnan(options.ridge) && (!std::isfinite(options.ridge) || options.ridge < 0.0))
    throw InputError("encoding sweep: the ridge must be finite and >= 0 (or automatic)");
  if (options.mlpSteps < 0)
    throw InputError("encoding sweep: the MLP steps must be >= 0 (0: no MLP rows; got " + std::to_string(options.mlpSteps) + ")");
  if (options.mlpSteps > 0 && (!(options.mlp.learningRate > 0.0) || !std::isfinite(options.mlp.learningRate)))
    throw InputError("encoding sweep: the MLP learning rate must be a positive number");
  if (options.mlpSteps > 0 && options.mlp.batchSize < 0) throw InputError("encoding sweep: the MLP batch size must be >= 0");
  if (options.mlpSteps > 0) options.mlp.schedule.validate();
  if (stride < 1 || stride > image.width || stride > image.height)
    throw InputError("encoding sweep: the stride must be in [1, " + std::to_string(std::min(image.width, image.height)) +
                     "] for a " + std::to_string(image.width) + " x " + std::to_string(image.height) + " image");
}

/// Fits one row (fills its numbers), or explains in `note` why it was skipped or failed.
void fitRow(EncodingSweepRow& row, const Network& base, const Image& image, int stride,
            const EncodingSweepOptions& options, const JobControl& job)
{
  const auto t0 = Clock::now();
  const Network net = sweepNetwork(base, row.encoding, row.sigma);
  ImageRegressionOptions fit;
  fit.kind = options.kind;
  fit.ridge = std::isnan(options.ridge) ? 0.0 : options.ridge;
  if (row.encoding == EncodingKind::None) {
    const Eigen::Index m = trainingPixels(image, stride);
    if (m > options.noneDenseLimit) {
      row.note = "skipped: encoding none has no FFT path and " + std::to_string(m) +
                 " training pixels exceed the dense limit of " + std::to_string(options.noneDenseLimit) +
                 " (use a larger stride or a smaller image)";
      return;
    }
    fit.path = RegressionPath::Dense;
    fit.denseLimit = options.noneDenseLimit;
    row.note = "dense solve (no FFT path for encoding none)";
  } else if (options.domain == RegressionPath::Mirror && !gridIsPeriodic(net)) {
    fit.path = RegressionPath::Mirror;
  }
  try {
    if (std::isnan(options.ridge) && row.encoding == EncodingKind::None) {
      fit.ridge = EncodingSweepOptions{}.ridge; // no Fourier modes to choose it from
      row.note += "; ridge " + std::to_string(fit.ridge).substr(0, 8) + " (ml-quant needs an encoding)";
    } else if (std::isnan(options.ridge)) {
      RidgeSelectionOptions select;
      select.kind = options.kind;
      select.criterion = SelectionCriterion::QuantisedLikelihood; // as fit-image --ridge auto
      select.chooseSigma = false;
      select.chooseRidge = true;
      fit.ridge = selectSigmaRidge(net, image, stride, select, JobControl{job.stop, {}}).ridge;
    }
    const ImageKernelRegression regression(net, image, stride, fit, JobControl{job.stop, {}});
    ImageRegressionReport report;
    regression.predict(&report, JobControl{job.stop, {}});
    row.computed = true;
    row.path = report.path;
    row.cgIterations = report.cgIterations;
    row.ridge = fit.ridge;
    row.psnrTrain = report.psnrTrain;
    row.psnrHeldOut = report.psnrHeldOut;
    row.psnrAll = report.psnrAll;
  } catch (const NumericalError& e) {
    row.note = std::string("failed: ") + e.what();
  }
  row.seconds = secondsSince(t0);
}

/// Trains the row's MLP for options.mlpSteps steps (fills row.mlp); `onStep` gets the steps done so far.
void trainRowMlp(EncodingSweepRow& row, const Network& base, const Image& image, int stride,
                 const EncodingSweepOptions& options, const JobControl& job, const std::function<void(int)>& onStep)
{
  const auto t0 = Clock::now();
  try {
    MlpTrainer trainer(sweepNetwork(base, row.encoding, row.sigma), image, stride, options.mlp);
    for (int s = 1; s <= options.mlpSteps; ++s) {
      trainer.step(JobControl{job.stop, {}});
      onStep(s);
    }
    const MlpProgress p = trainer.evaluate();
    row.mlp.computed = true;
    row.mlp.psnrTrain = p.psnrTrain;
    row.mlp.psnrHeldOut = p.psnrHeldOut;
    row.mlp.psnrAll = p.psnrAll;
  } catch (const NumericalError& e) {
    row.mlp.note = std::string("failed: ") + e.what();
  }
  row.mlp.steps = options.mlpSteps;
  row.mlp.seconds = secondsSince(t0);
}

} // namespace

Network sweepNetwork(const Network& base, EncodingKind kind, double sigma)
{
  Network net = base;
  Encoding e;
  e.kind = kind;
  if (kind == EncodingKind::Positional) e.levels = base.encoding.kind == kind ? base.encoding.levels : e.levels;
  if (kind == EncodingKind::Gaussian && base.encoding.kind == kind) {
    e.features = base.encoding.features;
    e.seed = base.encoding.seed;
  }
  if (hasSigma(kind)) e.sigma = sigma;
  net.encoding = e;
  return net;
}

EncodingSweepResult sweepImageEncodings(const Network& base, const Image& image, int stride,
                                        const EncodingSweepOptions& options, const JobControl& job)
{
  const auto t0 = Clock::now();
  base.validate();
  checkOptions(base, image, stride, options);
  EncodingSweepResult result;
  result.rows = plannedRows(options);
  for (const EncodingSweepRow& r : result.rows) sweepNetwork(base, r.encoding, r.sigma).validate();

  // Memory: the fits that can run at once, the largest estimates first.
  std::vector<double> bytes;
  for (const EncodingSweepRow& r : result.rows) {
    const Eigen::Index m = trainingPixels(image, stride);
    const bool skipped = r.encoding == EncodingKind::None && m > options.noneDenseLimit;
    const RegressionPath path = r.encoding == EncodingKind::None         ? RegressionPath::Dense
                                : options.domain == RegressionPath::Mirror ? RegressionPath::Mirror // ≥ integer rows' circulant
                                                                           : RegressionPath::Auto;
    bytes.push_back(skipped ? 0.0
                            : estimateImageRegressionBytes(sweepNetwork(base, r.encoding, r.sigma), image.width,
                                                           image.height, image.channels, stride, path));
  }
  std::sort(bytes.begin(), bytes.end(), std::greater<>());
  const std::size_t concurrent = std::min<std::size_t>(bytes.size(), std::size_t(tbb::this_task_arena::max_concurrency()));
  double total = 0.0;
  for (std::size_t i = 0; i < concurrent; ++i) total += bytes[i];
  requireMemory(total, "an encoding sweep of " + std::to_string(result.rows.size()) + " fits on a " +
                           std::to_string(image.width) + " x " + std::to_string(image.height) + " image");
  if (options.mlpSteps > 0) {
    double largest = 0.0;
    const Eigen::Index m = trainingPixels(image, stride);
    for (const EncodingSweepRow& r : result.rows)
      largest = std::max(largest, estimateMlpTrainerBytes(sweepNetwork(base, r.encoding, r.sigma), image.width,
                                                          image.height, image.channels, m, options.mlp));
    requireMemory(largest, "the encoding sweep's largest MLP (" + std::to_string(options.mlpSteps) + " steps)");
  }
  job.checkCancelled();

  const ImageDataset split = makeImageDataset(image, stride);
  const Image bicubic = bicubicFromTrainingPixels(image, stride);
  result.bicubicPsnrTrain = psnr(bicubic, image, &split.trainMask);
  result.bicubicPsnrHeldOut = psnr(bicubic, image, &split.heldOutMask);
  result.bicubicPsnrAll = psnr(bicubic, image);

  // One task per fit; the dense fit (encoding none, the slowest) first so that it overlaps the others.
  std::vector<std::size_t> order(result.rows.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_partition(order.begin(), order.end(),
                        [&](std::size_t i) { return result.rows[i].encoding == EncodingKind::None; });
  // Progress units: one per kernel fit, one per MLP (advanced step by step).
  const double units = double(order.size()) * (options.mlpSteps > 0 ? 2.0 : 1.0);
  std::atomic<int> done{0};
  tbb::parallel_for(std::size_t(0), order.size(), std::size_t(1), [&](std::size_t k) {
    job.checkCancelled();
    fitRow(result.rows[order[k]], base, image, stride, options, job);
    job.report(double(++done) / units);
  });
  job.checkCancelled();
  // The MLPs one at a time, each with every core (its sgemm is multi-threaded).
  if (options.mlpSteps > 0)
    for (std::size_t i = 0; i < result.rows.size(); ++i)
      trainRowMlp(result.rows[i], base, image, stride, options, job, [&](int s) {
        job.report((double(order.size() + i) + double(s) / options.mlpSteps) / units);
      });
  job.checkCancelled();
  result.seconds = secondsSince(t0);
  return result;
}

} // namespace ntk
