// FitImageCommand.cpp — `ntk-cli fit-image`: fit an image from every s-th pixel (Tancik et al. 2020) with
// NTK / NNGP kernel regression (ntk::ImageKernelRegression) or a trained finite MLP (ntk::MlpTrainer),
// and optionally the classical bicubic baseline on the same split (CONVENTIONS §5).
// In: --image IN.png, --net NET.json (input_dim 2: the pixel coordinate v = (col/W, row/H)),
// --method ntk|nngp|mlp, --train-stride s (default 2), --ridge λ (relative to the mean diagonal of the
// training Gram, default 1e-6; ntk/nngp), --centres M (ntk/nngp: the Nyström path with M centres),
// --steps S --lr η --batch B --warmup W --half-life H --lr-floor f
// --seed s --record-every K (mlp; defaults MlpOptions's: 2000 steps, Adam lr 3e-2, minibatches of 1024,
// a 20-step warm-up, the rate halving every 300 steps down to 5 %), --bicubic;
// --mask random:P [--seed s] | MASK.png instead of the stride (ntk/nngp: MaskedImageRegression,
// PSNR train on the mask, held-out on the rest); --time t (ntk/nngp: the gradient-flow prediction at t);
// --cg-tolerance r (ntk/nngp: where CG stops on the Toeplitz and masked paths); --domain exact|mirror
// (ntk/nngp on the stride grid: the exact regression of the network's kernel, default, or the mirrored
// periodic domain — frequencies rounded to its period, an FFT solve and closed-form flow at any --time).
// Out: --out OUT.png (the prediction at every pixel, 8-bit) and --report R.json with psnr_train,
// psnr_test (all pixels), psnr_heldout, seconds, method, train_pixels, test_pixels and more (path,
// cg_iterations, domain, period and max_frequency_rounding (mirror), width, height, channels, stride,
// ridge / steps, lr, batch, warmup, half_life, lr_floor, final_loss, history, bicubic_psnr_*).
// mlp: `history` is the training curve, [{step, loss, psnr_train, psnr_heldout, psnr_test}, …] after every
// K-th step (--record-every, default 100) and after the final step; its last entry is the final state
// (the same numbers as the report's psnr_* keys). loss is the MSE of that step's batch (null at step 0).
// A PSNR of +∞ (an exact fit) is written as null. Nothing on stdout; progress on stderr (CliProgress.h:
// for mlp step s/S, the last batch loss, the last recorded held-out PSNR, elapsed and ETA); bad input is
// one line on stderr, exit 2, and no file is written (main.cpp).
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "app/cli/CliCommands.h"
#include "app/cli/CliProgress.h"
#include "core/image/Image.h"
#include "core/image/ImageDataset.h"
#include "core/image/ImageKernelRegression.h"
#include "core/image/ImageRidgeSelection.h"
#include "core/image/MaskedImageRegression.h"
#include "core/nets/MlpTrainer.h"
#include "core/network/NetworkJson.h"
#include "core/util/Errors.h"

namespace ntkcli {

namespace {

using ntkcli::parseNumber;

/// MlpOptions's learning rate as the option's text ("0.03").
std::string defaultLearningRate()
{
  std::ostringstream s;
  s << ntk::MlpOptions{}.learningRate;
  return s.str();
}

struct FitImageOptions {
  std::string image, net, method = "ntk", out, report;
  std::string ridge = "1e-6", lr = defaultLearningRate(), sigma, criterion, mask, time = "inf", cgTolerance;
  std::string domain = "exact"; ///< ntk/nngp on the stride grid: exact or mirror
  int stride = 2, steps = 2000, batch = ntk::MlpOptions{}.batchSize, recordEvery = 100;
  int warmup = ntk::MlpOptions{}.schedule.warmupSteps;
  double halfLife = ntk::MlpOptions{}.schedule.halfLife, lrFloor = ntk::MlpOptions{}.schedule.floor;
  long long centres = 0; ///< > 0: the Nyström path with this many centres
  std::uint64_t seed = 0;
  bool bicubic = false;
};

/// "step 700/2000, loss 0.00123, PSNR held-out 23.41 dB (step 700)".
std::string mlpDetail(int step, int steps, double loss, const ntk::MlpProgress* recorded)
{
  char buf[160];
  int n = std::snprintf(buf, sizeof buf, "step %d/%d, loss %.4g", step, steps, loss);
  if (recorded && n > 0 && n < int(sizeof buf)) {
    const double psnr = recorded->psnrHeldOut;
    if (std::isfinite(psnr))
      std::snprintf(buf + n, sizeof buf - std::size_t(n), ", PSNR held-out %.2f dB (step %d)", psnr, recorded->step);
  }
  return buf;
}

int runFitImage(const FitImageOptions& o)
{
  // Validate every option before any work or any file.
  if (o.stride < 1) throw ntk::InputError("--train-stride must be >= 1");
  const bool ridgeAuto = o.ridge == "auto", sigmaAuto = o.sigma == "auto";
  double ridge = ridgeAuto ? 0.0 : parseNumber(o.ridge, "--ridge");
  if (!std::isfinite(ridge) || ridge < 0.0)
    throw ntk::InputError("--ridge must be a finite number >= 0 or auto (got '" + o.ridge + "')");
  double sigma = std::nan("");
  if (!o.sigma.empty() && !sigmaAuto) {
    sigma = parseNumber(o.sigma, "--sigma");
    if (!std::isfinite(sigma) || sigma <= 0.0) throw ntk::InputError("--sigma must be a number > 0 or auto (got '" + o.sigma + "')");
  }
  if (sigmaAuto && !ridgeAuto && ridge == 0.0)
    throw ntk::InputError("--sigma auto needs a ridge > 0 (GCV and the likelihood are undefined at 0): give --ridge r or auto");
  const double time = o.time == "inf" ? std::numeric_limits<double>::infinity() : parseNumber(o.time, "--time");
  if (std::isnan(time) || time < 0.0) throw ntk::InputError("--time must be a number >= 0 or inf (got '" + o.time + "')");
  double cgTolerance = std::nan(""); // per path default
  if (!o.cgTolerance.empty()) {
    cgTolerance = parseNumber(o.cgTolerance, "--cg-tolerance");
    if (!(cgTolerance > 0.0 && cgTolerance < 1.0))
      throw ntk::InputError("--cg-tolerance must be a number in (0, 1) (got '" + o.cgTolerance + "')");
  }
  double maskFraction = std::nan("");
  const bool maskRandom = o.mask.rfind("random:", 0) == 0;
  if (maskRandom) maskFraction = parseRandomMaskFraction(o.mask.substr(7));
  const double lr = parseNumber(o.lr, "--lr");
  if (!std::isfinite(lr) || lr <= 0.0) throw ntk::InputError("--lr must be a finite number > 0 (got '" + o.lr + "')");
  if (!(o.halfLife >= 0.0) || !std::isfinite(o.halfLife))
    throw ntk::InputError("--half-life must be a finite number of steps >= 0 (0: a constant rate)");
  if (!(o.lrFloor > 0.0 && o.lrFloor <= 1.0)) throw ntk::InputError("--lr-floor must lie in (0, 1]");
  if (o.out.empty()) throw ntk::InputError("--out must name a file");
  if (o.report.empty()) throw ntk::InputError("--report must name a file");

  ntk::Network net = ntk::loadNetwork(o.net);
  if (net.inputDim != 2)
    throw ntk::InputError(o.net + " has input_dim " + std::to_string(net.inputDim) +
                          "; fit-image needs input_dim 2 (the pixel coordinate)");
  const bool hasSigma = net.encoding.kind == ntk::EncodingKind::Positional || net.encoding.kind == ntk::EncodingKind::Gaussian;
  if (!o.sigma.empty() && !hasSigma)
    throw ntk::InputError("--sigma needs a positional or gaussian encoding, but " + o.net + " has " + net.encoding.name());
  if (ridgeAuto && net.encoding.kind == ntk::EncodingKind::None)
    throw ntk::InputError("--ridge auto needs an encoding (encoding none has no Fourier modes on the grid)");
  if (std::isfinite(sigma)) net.encoding.sigma = sigma;
  const ntk::Image image = ntk::readPng(o.image);
  std::vector<bool> trainMask;
  if (maskRandom) {
    trainMask = ntk::randomPixelMask(image.width, image.height, maskFraction, o.seed);
  } else if (!o.mask.empty()) {
    const ntk::Image maskImage = ntk::readPng(o.mask);
    if (maskImage.width != image.width || maskImage.height != image.height)
      throw ntk::InputError("--mask " + o.mask + " is " + std::to_string(maskImage.width) + " x " +
                            std::to_string(maskImage.height) + " but the image is " + std::to_string(image.width) +
                            " x " + std::to_string(image.height));
    trainMask = ntk::maskFromImage(maskImage);
    if (std::find(trainMask.begin(), trainMask.end(), true) == trainMask.end())
      throw ntk::InputError("--mask " + o.mask + " has no training pixel (every pixel is zero)");
  }
  if (!trainMask.empty() && net.encoding.kind == ntk::EncodingKind::None)
    throw ntk::InputError("--mask needs an encoding (a stationary kernel); " + o.net + " has encoding none");
  if (o.stride > image.width || o.stride > image.height)
    throw ntk::InputError("--train-stride " + std::to_string(o.stride) + " is larger than the " +
                          std::to_string(image.width) + " x " + std::to_string(image.height) + " image");

  const auto t0 = std::chrono::steady_clock::now();
  Progress progress("fit-image");
  ntk::Image prediction;
  double psnrTrain = 0.0, psnrHeldOut = 0.0, psnrAll = 0.0;
  std::ostringstream extra; // method-specific report keys
  long long trainPixels = 0;
  if (!trainMask.empty()) {
    ntk::MaskedRegressionOptions options;
    options.kind = o.method == "ntk" ? ntk::KernelKind::Ntk : ntk::KernelKind::Nngp;
    options.ridge = ridge;
    if (std::isfinite(cgTolerance)) options.cgTolerance = cgTolerance;
    const long long m = (long long)std::count(trainMask.begin(), trainMask.end(), true);
    progress.setDetail(o.method + " regression: conjugate gradients on " + std::to_string(m) + " masked pixels of " +
                       std::to_string(image.width) + " x " + std::to_string(image.height));
    const ntk::MaskedImageRegression regression(net, image, trainMask, options, progress.job(0.0, 0.8));
    ntk::MaskedRegressionReport report;
    progress.setDetail(o.method + " regression: predicting every pixel" +
                       (std::isinf(time) ? std::string() : " at t = " + o.time));
    prediction = regression.predict(&report, progress.job(0.8, 0.85));
    if (!std::isinf(time)) prediction = regression.predictAt(time, progress.job(0.85, 1.0));
    psnrTrain = ntk::psnr(prediction, image, &regression.trainMask());
    psnrHeldOut = m == (long long)trainMask.size() ? std::nan("") : ntk::psnr(prediction, image, &regression.heldOutMask());
    psnrAll = ntk::psnr(prediction, image);
    trainPixels = m;
    extra << ",\n  \"mask\": " << jsonString(o.mask);
    if (maskRandom) extra << ",\n  \"seed\": " << o.seed;
    extra << ",\n  \"path\": \"masked\",\n  \"cg_iterations\": " << report.cgIterations
          << ",\n  \"ridge\": " << jsonNumber(ridge) << ",\n  \"time\": " << jsonNumber(time);
    if (hasSigma) extra << ",\n  \"sigma\": " << jsonNumber(net.encoding.sigma);
  } else if (o.method == "ntk" || o.method == "nngp") {
    ntk::ImageRegressionOptions options;
    options.kind = o.method == "ntk" ? ntk::KernelKind::Ntk : ntk::KernelKind::Nngp;
    if (sigmaAuto || ridgeAuto) {
      ntk::RidgeSelectionOptions select;
      select.kind = options.kind;
      // Default: ml-quant whenever the ridge is chosen (GCV and ML over-smooth photographs, see
      // CONVENTIONS), gcv for σ alone at a given ridge.
      const std::string criterion = !o.criterion.empty() ? o.criterion : ridgeAuto ? "ml-quant" : "gcv";
      if (!ntk::parseSelectionCriterion(criterion, &select.criterion))
        throw ntk::InputError("--criterion must be gcv, ml or ml-quant (got '" + criterion + "')");
      select.chooseSigma = sigmaAuto;
      select.chooseRidge = ridgeAuto;
      select.ridge = ridge;
      progress.setDetail(o.method + " regression: choosing" + std::string(sigmaAuto ? " sigma" : "") +
                         (ridgeAuto ? (sigmaAuto ? " and the ridge" : " the ridge") : "") + " by " + criterion);
      const ntk::RidgeSelection chosen = ntk::selectSigmaRidge(net, image, o.stride, select, progress.job(0.0, 0.3));
      if (sigmaAuto) net.encoding.sigma = chosen.sigma;
      ridge = chosen.ridge;
      extra << ",\n  \"selection\": {\"criterion\": " << jsonString(criterion) << ", \"sigma_auto\": "
            << (sigmaAuto ? "true" : "false") << ", \"ridge_auto\": " << (ridgeAuto ? "true" : "false")
            << ", \"score\": " << jsonNumber(chosen.score) << ", \"exact_spectrum\": "
            << (chosen.exactSpectrum ? "true" : "false") << ", \"sigma_at_bound\": "
            << (chosen.sigmaAtBound ? "true" : "false") << ", \"ridge_at_bound\": "
            << (chosen.ridgeAtBound ? "true" : "false") << ", \"spectra\": " << chosen.evaluations
            << ", \"seconds\": " << jsonNumber(chosen.seconds) << "}";
    }
    options.ridge = ridge;
    if (std::isfinite(cgTolerance)) options.cgTolerance = cgTolerance;
    const double solveFrom = sigmaAuto || ridgeAuto ? 0.3 : 0.0;
    if (o.centres > 0) {
      options.path = ntk::RegressionPath::Nystrom;
      options.centres = Eigen::Index(o.centres);
    }
    if (o.domain == "mirror") options.path = ntk::RegressionPath::Mirror;
    progress.setDetail(o.method + " regression: solver for " + std::to_string(image.width) + " x " +
                       std::to_string(image.height) + " pixels, stride " + std::to_string(o.stride));
    const ntk::ImageKernelRegression regression(net, image, o.stride, options, progress.job(solveFrom, solveFrom + 0.6 * (1.0 - solveFrom)));
    ntk::ImageRegressionReport report;
    progress.setDetail(o.method + " regression: predicting every pixel");
    prediction = regression.predict(&report, progress.job(solveFrom + 0.6 * (1.0 - solveFrom), 1.0));
    psnrTrain = report.psnrTrain;
    psnrHeldOut = report.psnrHeldOut;
    psnrAll = report.psnrAll;
    if (!std::isinf(time)) {
      progress.setDetail(o.method + " regression: gradient flow at t = " + o.time);
      prediction = regression.predictAt(time, progress.job(0.95, 1.0));
      const ntk::ImageDataset& split = regression.dataset();
      psnrTrain = ntk::psnr(prediction, image, &split.trainMask);
      psnrHeldOut = o.stride == 1 ? std::nan("") : ntk::psnr(prediction, image, &split.heldOutMask);
      psnrAll = ntk::psnr(prediction, image);
    }
    trainPixels = (long long)regression.dataset().trainX.rows();
    extra << ",\n  \"domain\": " << jsonString(o.domain);
    if (report.path == ntk::RegressionPath::Mirror)
      extra << ",\n  \"period\": [" << report.periodWidth << ", " << report.periodHeight
            << "],\n  \"max_frequency_rounding\": " << jsonNumber(report.maxFrequencyRounding);
    extra << ",\n  \"path\": " << jsonString(ntk::regressionPathName(report.path))
          << ",\n  \"cg_iterations\": " << report.cgIterations << ",\n  \"ridge\": " << jsonNumber(ridge)
          << ",\n  \"time\": " << jsonNumber(time);
    if (hasSigma) extra << ",\n  \"sigma\": " << jsonNumber(net.encoding.sigma);
    if (report.path == ntk::RegressionPath::Nystrom) extra << ",\n  \"centres\": " << report.centres;
  } else {
    ntk::MlpOptions options;
    options.learningRate = lr;
    options.batchSize = o.batch;
    options.schedule = {o.warmup, o.halfLife, o.lrFloor};
    options.seed = o.seed;
    ntk::MlpTrainer trainer(net, image, o.stride, options);
    double loss = std::nan(""); // no step taken (--steps 0): final_loss is null, like history's step 0
    std::ostringstream history; // one entry per K steps and the final step
    ntk::MlpProgress p;
    const auto record = [&] {
      p = trainer.evaluate();
      history << (history.tellp() > 0 ? ",\n    " : "\n    ") << "{\"step\": " << p.step
              << ", \"loss\": " << jsonNumber(p.loss) << ", \"psnr_train\": " << jsonNumber(p.psnrTrain)
              << ", \"psnr_heldout\": " << jsonNumber(p.psnrHeldOut) << ", \"psnr_test\": " << jsonNumber(p.psnrAll)
              << "}";
    };
    bool recorded = false; // p holds a PSNR to show
    progress.setDetail("mlp: step 0/" + std::to_string(o.steps) + ", initialising");
    for (int s = 1; s <= o.steps; ++s) {
      loss = trainer.step();
      if (s % o.recordEvery == 0 || s == o.steps) {
        record();
        recorded = true;
      }
      progress.update(double(s) / o.steps, mlpDetail(s, o.steps, loss, recorded ? &p : nullptr));
    }
    if (o.steps == 0) record();
    progress.setDetail("predicting every pixel");
    prediction = trainer.predict();
    psnrTrain = p.psnrTrain;
    psnrHeldOut = p.psnrHeldOut;
    psnrAll = p.psnrAll;
    const long long tw = (image.width + o.stride - 1) / o.stride, th = (image.height + o.stride - 1) / o.stride;
    trainPixels = tw * th;
    extra << ",\n  \"steps\": " << o.steps << ",\n  \"lr\": " << jsonNumber(lr) << ",\n  \"batch\": " << o.batch
          << ",\n  \"warmup\": " << o.warmup << ",\n  \"half_life\": " << jsonNumber(o.halfLife)
          << ",\n  \"lr_floor\": " << jsonNumber(o.lrFloor)
          << ",\n  \"seed\": " << o.seed << ",\n  \"final_loss\": " << jsonNumber(loss)
          << ",\n  \"record_every\": " << o.recordEvery << ",\n  \"history\": [" << history.str() << "\n  ]";
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  if (o.bicubic) {
    const ntk::ImageDataset split = ntk::makeImageDataset(image, o.stride);
    const ntk::Image bicubic = ntk::bicubicFromTrainingPixels(image, o.stride);
    extra << ",\n  \"bicubic_psnr_train\": " << jsonNumber(ntk::psnr(bicubic, image, &split.trainMask))
          << ",\n  \"bicubic_psnr_heldout\": " << jsonNumber(ntk::psnr(bicubic, image, &split.heldOutMask))
          << ",\n  \"bicubic_psnr_test\": " << jsonNumber(ntk::psnr(bicubic, image));
  }

  std::ostringstream json;
  json << "{\n  \"method\": " << jsonString(o.method) << ",\n  \"psnr_train\": " << jsonNumber(psnrTrain)
       << ",\n  \"psnr_test\": " << jsonNumber(psnrAll) << ",\n  \"psnr_heldout\": " << jsonNumber(psnrHeldOut)
       << ",\n  \"seconds\": " << jsonNumber(seconds) << ",\n  \"train_pixels\": " << trainPixels
       << ",\n  \"test_pixels\": " << (long long)image.width * image.height << ",\n  \"width\": " << image.width
       << ",\n  \"height\": " << image.height << ",\n  \"channels\": " << image.channels
       << ",\n  \"stride\": " << (trainMask.empty() ? std::to_string(o.stride) : std::string("null")) << extra.str()
       << "\n}\n";

  progress.finish();
  ntk::writePng(o.out, prediction);
  writeReportOrRemoveResult(o.out, o.report, json.str());
  return 0;
}

} // namespace

Command addFitImageCommand(CLI::App& app, const AddThreads& addThreads)
{
  auto options = std::make_shared<FitImageOptions>();
  auto* sub = app.add_subcommand(
      "fit-image",
      "Fit an image from every s-th pixel (Tancik et al. 2020): NTK/NNGP kernel regression of the infinitely\n"
      "wide network, or a trained finite MLP (Adam, sigmoid output). The network's input is the pixel\n"
      "coordinate v = (col/W, row/H) (input_dim 2). Writes the prediction at every pixel and a JSON report\n"
      "(psnr_train, psnr_test over all pixels, psnr_heldout over the pixels not trained on, seconds, ...).");
  sub->add_option("--image", options->image, "Input image (PNG; grey or RGB, alpha dropped)")->required();
  sub->add_option("--net", options->net, "Network JSON (format ntk-studio.network/1), input_dim 2")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("--method", options->method, "ntk or nngp (kernel regression) or mlp (a trained finite network)")
      ->required()
      ->check(CLI::IsMember({"ntk", "nngp", "mlp"}));
  auto* stride = sub->add_option("--train-stride", options->stride, "Train on every s-th pixel in each direction (default 2)")
                     ->check(atLeast("--train-stride", 1));
  auto* mask = sub->add_option("--mask", options->mask,
                               "Train on a mask instead of a stride (ntk/nngp): random:P, a random fraction P of the "
                               "pixels (--seed), or MASK.png, its nonzero pixels (same size as the image)");
  auto* time = sub->add_option("--time", options->time,
                               "Gradient-flow prediction at time t (ntk/nngp; default inf = the kernel regression)");
  auto* cgTol = sub->add_option("--cg-tolerance", options->cgTolerance,
                                "Relative residual at which conjugate gradients stop (ntk/nngp, Toeplitz and masked "
                                "paths; default 1e-10 Toeplitz, 1e-4 masked)");
  auto* ridge = sub->add_option("--ridge", options->ridge,
                  "Ridge, relative to the mean diagonal of the training Gram (ntk/nngp; default 1e-6), or auto: "
                  "chosen by --criterion");
  auto* sigma = sub->add_option("--sigma", options->sigma,
                                "The encoding's sigma (positional or gaussian; ntk/nngp), replacing the network's, or "
                                "auto: chosen by --criterion");
  auto* criterion = sub->add_option("--criterion", options->criterion,
                                    "How --sigma auto / --ridge auto choose: ml-quant (GP marginal likelihood with "
                                    "the pixels' rounding as the noise; default with --ridge auto), gcv (generalised "
                                    "cross-validation; default for --sigma auto alone) or ml (GP marginal likelihood)")
                        ->check(CLI::IsMember({"gcv", "ml", "ml-quant"}));
  auto* steps = sub->add_option("--steps", options->steps, "Optimiser steps (mlp; default 2000)")->check(atLeast("--steps", 0));
  auto* lr = sub->add_option("--lr", options->lr,
                             "Adam's base learning rate (mlp; default 3e-2, for the NTK parameterisation; Tancik et al.'s "
                             "1e-3 is for the standard one)");
  auto* batch = sub->add_option("--batch", options->batch,
                                "Minibatch size, training pixels shuffled every epoch (mlp; default 1024; 0 = full batch)")
                    ->check(atLeast("--batch", 0));
  auto* warmup = sub->add_option("--warmup", options->warmup,
                                 "Learning-rate warm-up: lr·t/W over the first W steps (mlp; default 20; 0 = none)")
                     ->check(atLeast("--warmup", 0));
  auto* halfLife = sub->add_option("--half-life", options->halfLife,
                                   "After the warm-up the learning rate halves every H steps (mlp; default 300; 0 = constant)");
  auto* lrFloor = sub->add_option("--lr-floor", options->lrFloor,
                                  "The decay stops at this fraction of --lr, in (0, 1] (mlp; default 0.05)");
  auto* seed = sub->add_option("--seed", options->seed,
                               "Initialisation / minibatch seed (mlp), or the seed of --mask random:P (default 0)")
                   ->check(seedValue());
  auto* recordEvery = sub->add_option("--record-every", options->recordEvery,
                                      "Record PSNR on train / held-out / all pixels every K steps and after the last "
                                      "(mlp; report key history; default 100)")
                          ->check(atLeast("--record-every", 1));
  auto* centres = sub->add_option("--centres", options->centres,
                                  "Solve by Nystrom/Falkon with M centres, any encoding (ntk/nngp): an approximation, exact "
                                  "when M >= the training pixels (default: the exact automatic path)")
                      ->check(atLeast("--centres", 1));
  auto* domain = sub->add_option("--domain", options->domain,
                                 "ntk/nngp on the stride grid: exact (default; the network's own frequencies: circulant, "
                                 "Toeplitz or dense) or mirror (the training grid reflected about its first and last "
                                 "training pixel, period 2(n-1)s pixels per axis, frequencies rounded to multiples of "
                                 "1/period: an FFT solve, any --time instantly; report keys period, max_frequency_rounding)")
                     ->check(CLI::IsMember({"exact", "mirror"}));
  sub->add_flag("--bicubic", options->bicubic, "Also report the bicubic baseline on the same split (bicubic_psnr_*)");
  sub->add_option("--out", options->out, "Output PNG: the prediction at every pixel")->required();
  sub->add_option("--report", options->report, "Output JSON report")->required();
  addThreads(sub);
  return {sub, [options, ridge, sigma, criterion, steps, lr, batch, warmup, halfLife, lrFloor, seed, recordEvery, centres,
                stride, mask, time, cgTol, domain] {
            const bool randomMask = options->mask.rfind("random:", 0) == 0;
            if (options->method != "mlp")
              for (const CLI::Option* opt : {steps, lr, batch, warmup, halfLife, lrFloor, seed, recordEvery})
                if (opt->count() > 0 && !(opt == seed && randomMask))
                  throw ntk::InputError(opt->get_name() + (opt == seed ? " applies to --method mlp and --mask random:P only"
                                                                       : " applies to --method mlp only"));
            if (options->method == "mlp")
              for (const CLI::Option* opt : {ridge, sigma, criterion, centres, mask, time, cgTol, domain})
                if (opt->count() > 0) throw ntk::InputError(opt->get_name() + " applies to --method ntk and nngp only");
            if (mask->count() > 0) {
              if (stride->count() > 0) throw ntk::InputError("--mask and --train-stride are mutually exclusive: give one");
              if (options->mask.empty()) throw ntk::InputError("--mask needs random:P or a PNG file");
              if (options->sigma == "auto" || options->ridge == "auto")
                throw ntk::InputError("--sigma auto and --ridge auto need the stride grid; they do not apply with --mask");
              if (options->bicubic) throw ntk::InputError("--bicubic needs the stride grid; it does not apply with --mask");
              if (centres->count() > 0) throw ntk::InputError("--centres needs the stride grid; it does not apply with --mask");
              if (domain->count() > 0) throw ntk::InputError("--domain needs the stride grid; it does not apply with --mask");
            }
            if (options->domain == "mirror" && centres->count() > 0)
              throw ntk::InputError("--domain mirror and --centres are mutually exclusive (mirror is an FFT solve)");
            if (criterion->count() > 0 && options->sigma != "auto" && options->ridge != "auto")
              throw ntk::InputError("--criterion applies to --sigma auto and --ridge auto only");
            return runFitImage(*options);
          }};
}

} // namespace ntkcli
