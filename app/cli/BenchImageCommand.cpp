// BenchImageCommand.cpp — `ntk-cli bench image`: the image-regression benchmarks of the issue, one JSON
// line each. In: an image and a network (input_dim 2). Out: the median over --repeats of
//   --method ntk|nngp: building ImageKernelRegression and predicting every pixel (what fit-image times,
//                      minus reading and writing files), with the path used, the CG iterations and the
//                      Nyström centres (--centres M forces that path; 0 on the others);
//   --method mlp:      one optimiser step of MlpTrainer (full batch unless --batch), after one warm-up;
//   --mask random:P:   (ntk/nngp) building MaskedImageRegression on a random fraction P of the pixels
//                      (--seed, default 0) and predicting every pixel, with its CG iterations
//                      (--cg-tolerance r: where CG stops; default MaskedRegressionOptions's).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <tbb/global_control.h>

#include "app/cli/CliCommands.h"
#include "app/cli/CliProgress.h"
#include "core/image/ImageKernelRegression.h"
#include "core/image/MaskedImageRegression.h"
#include "core/nets/MlpTrainer.h"
#include "core/network/NetworkJson.h"
#include "core/util/Errors.h"

namespace ntkcli {

namespace {

struct BenchImageOptions {
  std::string image, net, method = "ntk", mask;
  int stride = 2, repeats = 5, batch = 0;
  std::uint64_t seed = 0;
  double cgTolerance = 0.0; ///< > 0: overrides the path's default
  long long centres = 0; ///< > 0: the Nyström path with this many centres
  double maskFraction = 0.0; ///< P of --mask random:P
};

double secondsSince(std::chrono::steady_clock::time_point t0)
{
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// No held-out pixels (stride 1) or an exact fit gives a non-finite PSNR: JSON null, never "nan"/"inf".
std::string jsonPsnr(double v)
{
  char psnr[32] = "null";
  if (std::isfinite(v)) std::snprintf(psnr, sizeof psnr, "%.4f", v);
  return psnr;
}

/// Seconds of each of --repeats kernel fits; fit(solveJob, predictJob) builds and predicts once.
template <class Fit>
std::vector<double> timeKernelFits(const BenchImageOptions& o, Progress& progress, Fit&& fit)
{
  std::vector<double> seconds;
  for (int r = 0; r < o.repeats; ++r) {
    progress.setDetail("run " + std::to_string(r + 1) + "/" + std::to_string(o.repeats));
    const double a = double(r) / o.repeats, b = double(r + 1) / o.repeats;
    const auto t0 = std::chrono::steady_clock::now();
    fit(progress.job(a, (a + b) / 2), progress.job((a + b) / 2, b));
    seconds.push_back(secondsSince(t0));
  }
  return seconds;
}

int runBenchImage(const BenchImageOptions& o)
{
  if (o.repeats < 5) throw ntk::InputError("--repeats must be >= 5 (the figure is a median)");
  const ntk::Network net = ntk::loadNetwork(o.net);
  const ntk::Image image = ntk::readPng(o.image);
  std::vector<double> seconds;
  std::string extra;
  Progress progress("bench image");
  if (o.method == "mlp") {
    ntk::MlpOptions options;
    options.batchSize = o.batch;
    ntk::MlpTrainer trainer(net, image, o.stride, options);
    trainer.step(); // warm-up: first-touch of the buffers
    for (int r = 0; r < o.repeats; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      trainer.step();
      seconds.push_back(secondsSince(t0));
      progress.update(double(r + 1) / o.repeats, "step " + std::to_string(r + 1) + "/" + std::to_string(o.repeats));
    }
    extra = "\"batch\": " + std::to_string(o.batch);
  } else if (!o.mask.empty()) {
    const std::vector<bool> mask = ntk::randomPixelMask(image.width, image.height, o.maskFraction, o.seed);
    ntk::MaskedRegressionOptions options;
    options.kind = o.method == "ntk" ? ntk::KernelKind::Ntk : ntk::KernelKind::Nngp;
    if (o.cgTolerance > 0.0) options.cgTolerance = o.cgTolerance;
    ntk::MaskedRegressionReport report;
    seconds = timeKernelFits(o, progress, [&](const ntk::JobControl& solve, const ntk::JobControl& predict) {
      const ntk::MaskedImageRegression regression(net, image, mask, options, solve);
      regression.predict(&report, predict);
    });
    char buf[200];
    std::snprintf(buf, sizeof buf, "\"path\": \"masked\", \"mask\": \"%s\", \"seed\": %llu, \"cg_tolerance\": %.3g, "
                  "\"cg_iterations\": %d, \"psnr_heldout\": %s",
                  o.mask.c_str(), (unsigned long long)o.seed, options.cgTolerance, report.cgIterations,
                  jsonPsnr(report.psnrHeldOut).c_str());
    extra = buf;
  } else {
    ntk::ImageRegressionOptions options;
    options.kind = o.method == "ntk" ? ntk::KernelKind::Ntk : ntk::KernelKind::Nngp;
    if (o.centres > 0) {
      options.path = ntk::RegressionPath::Nystrom;
      options.centres = Eigen::Index(o.centres);
    }
    if (o.cgTolerance > 0.0) options.cgTolerance = o.cgTolerance;
    ntk::ImageRegressionReport report;
    seconds = timeKernelFits(o, progress, [&](const ntk::JobControl& solve, const ntk::JobControl& predict) {
      const ntk::ImageKernelRegression regression(net, image, o.stride, options, solve);
      regression.predict(&report, predict);
    });
    char buf[160];
    std::snprintf(buf, sizeof buf, "\"path\": \"%s\", \"cg_iterations\": %d, \"centres\": %lld, \"psnr_heldout\": %s",
                  ntk::regressionPathName(report.path).c_str(), report.cgIterations, (long long)report.centres,
                  jsonPsnr(report.psnrHeldOut).c_str());
    extra = buf;
  }
  progress.finish();
  std::sort(seconds.begin(), seconds.end());
  std::printf("{\"bench\": \"image\", \"method\": \"%s\", \"width\": %d, \"height\": %d, \"channels\": %d, "
              "\"stride\": %s, \"encoding\": \"%s\", \"threads\": %d, \"repeats\": %d, \"seconds\": %.6g, "
              "\"min_seconds\": %.6g, %s}\n",
              o.method.c_str(), image.width, image.height, image.channels,
              o.mask.empty() ? std::to_string(o.stride).c_str() : "null", net.encoding.name().c_str(),
              int(tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism)), o.repeats,
              seconds[seconds.size() / 2], seconds.front(), extra.c_str());
  return 0;
}

} // namespace

Command addBenchImageCommand(CLI::App& bench, const AddThreads& addThreads)
{
  auto o = std::make_shared<BenchImageOptions>();
  auto* sub = bench.add_subcommand("image", "Time image regression (kernel: build + predict all pixels; mlp: one step)");
  sub->add_option("--image", o->image, "PNG image")->required()->check(CLI::ExistingFile);
  sub->add_option("--net", o->net, "Network JSON (input_dim 2)")->required()->check(CLI::ExistingFile);
  sub->add_option("--method", o->method, "ntk, nngp or mlp")->check(CLI::IsMember({"ntk", "nngp", "mlp"}));
  sub->add_option("--train-stride", o->stride, "Training pixels: every s-th in each direction (default 2)")
      ->check(atLeast("--train-stride", 1));
  auto* batch = sub->add_option("--batch", o->batch, "mlp: minibatch size (0: full batch)")->check(atLeast("--batch", 0));
  auto* centres = sub->add_option("--centres", o->centres, "ntk/nngp: the Nystrom path with M centres")
                      ->check(atLeast("--centres", 1));
  auto* mask = sub->add_option("--mask", o->mask, "ntk/nngp: train on random:P, a random fraction P of the pixels");
  auto* seed = sub->add_option("--seed", o->seed, "The seed of --mask random:P (default 0)");
  auto* cgTolerance = sub->add_option("--cg-tolerance", o->cgTolerance,
                                      "ntk/nngp: relative residual where CG stops (Toeplitz and masked paths)");
  sub->add_option("--repeats", o->repeats, "Timed runs (>= 5)");
  addThreads(sub);
  return {sub, [o, batch, centres, mask, seed, cgTolerance] {
            if (o->method != "mlp" && batch->count() > 0) throw ntk::InputError("--batch applies to --method mlp only");
            for (const CLI::Option* kernelOnly : {centres, mask, cgTolerance})
              if (o->method == "mlp" && kernelOnly->count() > 0)
                throw ntk::InputError(kernelOnly->get_name() + " applies to --method ntk and nngp only");
            if (mask->count() > 0) {
              if (o->mask.rfind("random:", 0) != 0) throw ntk::InputError("--mask needs random:P");
              if (centres->count() > 0) throw ntk::InputError("--mask excludes --centres");
              o->maskFraction = parseRandomMaskFraction(o->mask.substr(7));
            }
            if (seed->count() > 0 && mask->count() == 0) throw ntk::InputError("--seed applies to --mask random:P only");
            if (cgTolerance->count() > 0 && !(o->cgTolerance > 0.0 && o->cgTolerance < 1.0))
              throw ntk::InputError("--cg-tolerance must be a number in (0, 1)");
            return runBenchImage(*o);
          }};
}

} // namespace ntkcli
