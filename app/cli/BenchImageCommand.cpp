// BenchImageCommand.cpp — `ntk-cli bench image`: the image-regression benchmarks of the issue, one JSON
// line each. In: an image and a network (input_dim 2). Out: the median over --repeats of
//   --method ntk|nngp: building ImageKernelRegression and predicting every pixel (what fit-image times,
//                      minus reading and writing files), with the path used, the CG iterations and the
//                      Nyström centres (--centres M forces that path; 0 on the others);
//   --method mlp:      one optimiser step of MlpTrainer (full batch unless --batch), after one warm-up.
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
#include "core/nets/MlpTrainer.h"
#include "core/network/NetworkJson.h"
#include "core/util/Errors.h"

namespace ntkcli {

namespace {

struct BenchImageOptions {
  std::string image, net, method = "ntk";
  int stride = 2, repeats = 5, batch = 0;
  long long centres = 0; ///< > 0: the Nyström path with this many centres
};

double secondsSince(std::chrono::steady_clock::time_point t0)
{
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
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
  } else {
    ntk::ImageRegressionOptions options;
    options.kind = o.method == "ntk" ? ntk::KernelKind::Ntk : ntk::KernelKind::Nngp;
    if (o.centres > 0) {
      options.path = ntk::RegressionPath::Nystrom;
      options.centres = Eigen::Index(o.centres);
    }
    ntk::ImageRegressionReport report;
    for (int r = 0; r < o.repeats; ++r) {
      progress.setDetail("run " + std::to_string(r + 1) + "/" + std::to_string(o.repeats));
      const double a = double(r) / o.repeats, b = double(r + 1) / o.repeats;
      const auto t0 = std::chrono::steady_clock::now();
      const ntk::ImageKernelRegression regression(net, image, o.stride, options, progress.job(a, (a + b) / 2));
      const ntk::Image prediction = regression.predict(&report, progress.job((a + b) / 2, b));
      seconds.push_back(secondsSince(t0));
    }
    // No held-out pixels (stride 1) or an exact fit gives a non-finite PSNR: JSON null, never "nan"/"inf".
    char psnr[32] = "null";
    if (std::isfinite(report.psnrHeldOut)) std::snprintf(psnr, sizeof psnr, "%.4f", report.psnrHeldOut);
    char buf[160];
    std::snprintf(buf, sizeof buf, "\"path\": \"%s\", \"cg_iterations\": %d, \"centres\": %lld, \"psnr_heldout\": %s",
                  ntk::regressionPathName(report.path).c_str(), report.cgIterations, (long long)report.centres, psnr);
    extra = buf;
  }
  progress.finish();
  std::sort(seconds.begin(), seconds.end());
  std::printf("{\"bench\": \"image\", \"method\": \"%s\", \"width\": %d, \"height\": %d, \"channels\": %d, "
              "\"stride\": %d, \"encoding\": \"%s\", \"threads\": %d, \"repeats\": %d, \"seconds\": %.6g, "
              "\"min_seconds\": %.6g, %s}\n",
              o.method.c_str(), image.width, image.height, image.channels, o.stride, net.encoding.name().c_str(),
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
  sub->add_option("--repeats", o->repeats, "Timed runs (>= 5)");
  addThreads(sub);
  return {sub, [o, batch, centres] {
            if (o->method != "mlp" && batch->count() > 0) throw ntk::InputError("--batch applies to --method mlp only");
            if (o->method == "mlp" && centres->count() > 0) throw ntk::InputError("--centres applies to --method ntk and nngp only");
            return runBenchImage(*o);
          }};
}

} // namespace ntkcli
