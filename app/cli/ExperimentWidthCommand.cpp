// ExperimentWidthCommand.cpp — `ntk-cli experiment width`, `ntk-cli experiment theory` and
// `ntk-cli bench experiment-width` (CONVENTIONS §5).
// width: the empirical NTK/NNGP of finite networks at several hidden widths against the analytic kernel
// (ntk::runWidthSweep). In: --net, --x X.csv or --m M points on the unit circle (default 64), --widths
// (default 16,…,4096), --seeds (8), --kind, --seed. Out: --out RESULT.csv with the header line
// `width,mean_rel_error,std_rel_error` (a .npy output has the same columns, no header) and one JSON
// line on stdout: slope, intercept, widths, mean_scale, normalised, seconds, …
// theory: the numbers of ntk::kernelTheoryReadouts for the analytic Gram of --x and targets --y, one
// JSON line on stdout.
// bench experiment-width: the medians of repeated default sweeps of a 2-hidden-layer ReLU network and
// the machine's float64 GEMM rate, one JSON line.
// Bad input is one line on stderr and exit 2, with nothing written (main.cpp).
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <tbb/global_control.h>

#include "app/cli/CliCommands.h"
#include "app/cli/CliProgress.h"
#include "app/cli/TableOutput.h"
#include "core/finite/KernelTheoryReadouts.h"
#include "core/finite/WidthSweep.h"
#include "core/network/NetworkJson.h"
#include "core/util/DenseBlas.h"
#include "core/util/Errors.h"
#include "core/util/MatrixIO.h"

namespace ntkcli {

namespace {

using Clock = std::chrono::steady_clock;

struct WidthOptions {
  std::string net, x, widths, kind = "ntk", out;
  int m = 64, seeds = 8;
  std::uint64_t seed = 1;
};

struct TheoryOptions {
  std::string net, x, y, kind = "ntk";
  std::uint64_t seed = 1;
};

double secondsSince(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

ntk::KernelKind kernelKind(const std::string& name) { return name == "ntk" ? ntk::KernelKind::Ntk : ntk::KernelKind::Nngp; }

/// The points of --x (input_dim columns), or --m points on the unit circle (a 2-input network).
Eigen::MatrixXd sweepInputs(const ntk::Network& net, const std::string& xPath, int m)
{
  if (xPath.empty()) {
    if (net.inputDim != 2)
      throw ntk::InputError("--m gives points on the unit circle (2 columns) but the network's input_dim is " +
                            std::to_string(net.inputDim) + "; give --x");
    return ntk::circlePoints(m);
  }
  Eigen::MatrixXd X = ntk::readMatrix(xPath);
  if (X.cols() != net.inputDim)
    throw ntk::InputError(xPath + " has " + std::to_string(X.cols()) + " columns but the network's input_dim is " +
                          std::to_string(net.inputDim));
  if (!X.allFinite()) throw ntk::InputError(xPath + " holds NaN or infinite values");
  return X;
}

nlohmann::ordered_json sweepJson(const ntk::WidthSweepResult& r, double seconds)
{
  std::vector<int> widths;
  std::vector<double> scales;
  for (const ntk::WidthSweepRow& row : r.rows) {
    widths.push_back(row.width);
    scales.push_back(row.meanScale);
  }
  // NaN (one width: no slope) is written as null by nlohmann::json.
  return {{"slope", r.slope},       {"intercept", r.intercept}, {"widths", widths},
          {"mean_scale", scales},   {"normalised", r.normalised}, {"seconds", seconds}};
}

int runExperimentWidth(const WidthOptions& o, bool widthsGiven)
{
  ntk::WidthSweepOptions options;
  if (widthsGiven) options.widths = parseWidthList(o.widths);
  options.seeds = o.seeds;
  options.kind = kernelKind(o.kind);
  options.seed = o.seed;
  const ntk::Network net = ntk::loadNetwork(o.net);
  const Eigen::MatrixXd X = sweepInputs(net, o.x, o.m);

  Progress progress("experiment width");
  const auto t0 = Clock::now();
  const ntk::WidthSweepResult r = ntk::runWidthSweep(net, X, options, progress.job());
  const double seconds = secondsSince(t0);
  Eigen::MatrixXd table(Eigen::Index(r.rows.size()), 3);
  for (size_t i = 0; i < r.rows.size(); ++i)
    table.row(Eigen::Index(i)) << r.rows[i].width, r.rows[i].meanRelError, r.rows[i].stdRelError;
  progress.setDetail("writing " + o.out);
  const bool npy = o.out.size() >= 4 && o.out.compare(o.out.size() - 4, 4, ".npy") == 0;
  writeTable(o.out, table, {"width", "mean_rel_error", "std_rel_error"}, !npy);
  progress.finish();
  nlohmann::ordered_json line = sweepJson(r, seconds);
  line["kind"] = o.kind;
  line["seeds"] = o.seeds;
  line["points"] = X.rows();
  std::printf("%s\n", line.dump().c_str());
  return 0;
}

int runExperimentTheory(const TheoryOptions& o)
{
  const ntk::Network net = ntk::loadNetwork(o.net);
  const Eigen::MatrixXd X = sweepInputs(net, o.x, 0);
  const Eigen::MatrixXd Y = ntk::readMatrix(o.y);
  if (Y.cols() != 1 || Y.rows() != X.rows())
    throw ntk::InputError(o.y + " must hold one target per point of " + o.x + " (" + std::to_string(X.rows()) +
                          " rows, 1 column); it has " + std::to_string(Y.rows()) + " by " + std::to_string(Y.cols()));
  if (!Y.allFinite()) throw ntk::InputError(o.y + " holds NaN or infinite values");
  Progress progress("experiment theory");
  const Eigen::MatrixXd theta = ntk::kernelMatrix(net, X, nullptr, kernelKind(o.kind), progress.job(0.0, 0.5));
  const ntk::KernelTheoryReadouts r = ntk::kernelTheoryReadouts(theta, Y.col(0), o.seed);
  progress.finish();
  const nlohmann::ordered_json line{{"kind", o.kind},
                                    {"points", X.rows()},
                                    {"lambda_min", r.lambdaMin},
                                    {"lambda_max", r.lambdaMax},
                                    {"max_stable_lr", r.maxStableLearningRate},
                                    {"complexity", r.complexity},
                                    {"shuffled_complexity", r.shuffledComplexity},
                                    {"singular", r.singular}};
  std::printf("%s\n", line.dump().c_str());
  return 0;
}

/// The benchmark's network: 2 hidden ReLU layers (W_std = √2, b_std = 0.1) on 2 inputs, one output.
ntk::Network benchNetwork()
{
  ntk::Network net = ntk::Network::defaultNetwork(2);
  net.layers.erase(net.layers.begin(), net.layers.begin() + 2); // 3 hidden layers → 2
  return net;
}

int runBenchExperimentWidth(int repeats)
{
  if (repeats < 5) throw ntk::InputError("--repeats must be >= 5 (the figure is a median)");
  const ntk::Network net = benchNetwork();
  const Eigen::MatrixXd X = ntk::circlePoints(64);
  const ntk::WidthSweepOptions options; // widths 2^4 … 2^12, 8 seeds, NTK
  std::vector<double> seconds, cpuSeconds; // wall, and CPU of all threads (telling on a shared machine)
  ntk::WidthSweepResult r;
  Progress progress("bench experiment-width");
  for (int k = 0; k < repeats; ++k) {
    progress.setDetail("run " + std::to_string(k + 1) + "/" + std::to_string(repeats));
    const auto t0 = Clock::now();
    const std::clock_t c0 = std::clock();
    r = ntk::runWidthSweep(net, X, options, progress.job(double(k) / repeats, double(k + 1) / repeats));
    seconds.push_back(secondsSince(t0));
    cpuSeconds.push_back(double(std::clock() - c0) / CLOCKS_PER_SEC);
  }
  progress.setDetail("float64 GEMM rate");
  const double blasRate = ntk::measureGemmGflops(1024, 5, true);
  const double eigenRate = ntk::measureGemmGflops(1024, 5, false);
  progress.finish();
  std::sort(seconds.begin(), seconds.end());
  std::sort(cpuSeconds.begin(), cpuSeconds.end());
  nlohmann::ordered_json line{{"bench", "experiment-width"},
                              {"threads", int(tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism))},
                              {"repeats", repeats},
                              {"points", X.rows()},
                              {"seeds", options.seeds},
                              {"seconds", seconds[seconds.size() / 2]},
                              {"min_seconds", seconds.front()},
                              {"cpu_seconds", cpuSeconds[cpuSeconds.size() / 2]},
                              {"gemm_n", 1024},
                              {"gemm_gflops", blasRate},
                              {"eigen_gemm_gflops", eigenRate}};
  const nlohmann::ordered_json sweep = sweepJson(r, seconds[seconds.size() / 2]); // alive for the loop
  for (const auto& [key, value] : sweep.items())
    if (key != "seconds") line[key] = value;
  std::printf("%s\n", line.dump().c_str());
  return 0;
}

} // namespace

Command addExperimentWidthCommand(CLI::App& experiment, const AddThreads& addThreads)
{
  auto o = std::make_shared<WidthOptions>();
  auto* sub = experiment.add_subcommand(
      "width",
      "Empirical kernel of finite networks against the analytic one: every hidden Dense layer set to each width,\n"
      "S seeds per width; relative Frobenius error per width (mean, std) and the log-log slope. Output: rows\n"
      "width,mean_rel_error,std_rel_error (CSV with that header line), then one JSON line on stdout.");
  sub->add_option("--net", o->net, "Network JSON (format ntk-studio.network/1)")->required()->check(CLI::ExistingFile);
  auto* x = sub->add_option("--x", o->x, "Inputs X, input_dim columns (CSV or .npy)")->check(CLI::ExistingFile);
  sub->add_option("--m", o->m, "Number of points on the unit circle (2-input networks; default 64)")
      ->check(atLeast("--m", 1))
      ->excludes(x);
  auto* widths = sub->add_option("--widths", o->widths, "Comma-separated hidden widths (default 16,32,...,4096)");
  sub->add_option("--seeds", o->seeds, "Networks per width (default 8)")->check(atLeast("--seeds", 1));
  sub->add_option("--kind", o->kind, "ntk (default) or nngp")->check(CLI::IsMember({"ntk", "nngp"}));
  sub->add_option("--seed", o->seed, "Seed of the first network at every width (default 1)")->check(seedValue());
  sub->add_option("--out", o->out, "Result table (CSV with a header line, or .npy)")->required();
  addThreads(sub);
  return {sub, [o, widths] { return runExperimentWidth(*o, widths->count() > 0); }};
}

Command addExperimentTheoryCommand(CLI::App& experiment, const AddThreads& addThreads)
{
  auto o = std::make_shared<TheoryOptions>();
  auto* sub = experiment.add_subcommand(
      "theory",
      "Theory readouts of the analytic training Gram Theta(X,X): lambda_min and lambda_max of Theta/m, the largest\n"
      "stable gradient-descent step 2/lambda_max and the complexity sqrt(y^T Theta^-1 y / m) of the targets and of\n"
      "the targets shuffled (seeded). One JSON line on stdout.");
  sub->add_option("--net", o->net, "Network JSON (format ntk-studio.network/1)")->required()->check(CLI::ExistingFile);
  sub->add_option("--x", o->x, "Training inputs X, input_dim columns (CSV or .npy)")->required()->check(CLI::ExistingFile);
  sub->add_option("--y", o->y, "Targets y, one per row of X (one column)")->required()->check(CLI::ExistingFile);
  sub->add_option("--kind", o->kind, "ntk (default) or nngp")->check(CLI::IsMember({"ntk", "nngp"}));
  sub->add_option("--seed", o->seed, "Seed of the shuffle (default 1)")->check(seedValue());
  addThreads(sub);
  return {sub, [o] { return runExperimentTheory(*o); }};
}

Command addBenchExperimentWidthCommand(CLI::App& bench, const AddThreads& addThreads)
{
  auto repeats = std::make_shared<int>(5);
  auto* sub = bench.add_subcommand(
      "experiment-width",
      "Time the default width sweep (2 hidden ReLU layers, 64 points on the circle, widths 16..4096, 8 seeds;\n"
      "median of >= 5 runs) and measure the float64 GEMM rate (1024 x 1024, OpenBLAS and Eigen)");
  sub->add_option("--repeats", *repeats, "Timed runs (>= 5)");
  addThreads(sub);
  return {sub, [repeats] { return runBenchExperimentWidth(*repeats); }};
}

int benchExperimentWidth(int repeats) { return runBenchExperimentWidth(repeats); }

} // namespace ntkcli
