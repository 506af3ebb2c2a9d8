// ExperimentTrainingCommand.cpp — finite networks trained by gradient descent beside their limit (issue 12):
// `ntk-cli experiment evolution`: widths × seeds trained on (X, Y); RESULT.csv has rows (with --header a
//   first line naming them) width,seed,step,loss,kernel_distance,weight_change,kernel_velocity (every --record-every steps and the
//   last); stdout one JSON line {"widths", "final_kernel_distance", "final_weight_change", "final_loss"
//   (means over seeds), "diverged" (per width: any seed), "max_stable_lr" (2/λ_max of the first seed's
//   Θ_0/m per width), …}. A run past 2/λ_max that diverges is reported (JSON and one stderr line per width),
//   its rows stop at its last finite state.
// `ntk-cli experiment linearization`: one network of width W and its linearisation trained on (X, Y), and
//   the closed-form kernel dynamics with the network's empirical Θ_0 and f_0; PRED.csv has (with --header a first
//   line naming them) the columns x_0…, finite, linearised, kernel on the test points; stdout one JSON line with
//   max_abs_linearised_minus_kernel and max_abs_finite_minus_linearised.
// `ntk-cli bench experiment-training`: 3 widths (16, 128, 1024) × 4 seeds, 2 hidden ReLU layers, 32 points,
//   200 GD steps recorded every 20: median seconds, achieved GFLOP/s and the float64 GEMM rate of this machine.
// Bad input (width 0, η ≤ 0, steps < 0, malformed CSV, NaN, input_dim mismatch, more than one output): one
// line on stderr, exit 2, no file written.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <tbb/global_control.h>

#include "app/cli/CliCommands.h"
#include "app/cli/CliProgress.h"
#include "app/cli/TableOutput.h"
#include "core/dynamics/KernelDynamics.h"
#include "core/finite/FiniteNetworkTrainer.h"
#include "core/finite/FiniteTrainingRuns.h"
#include "core/nets/FiniteNetwork.h"
#include "core/network/NetworkJson.h"
#include "core/util/DenseBlas.h"
#include "core/util/Errors.h"
#include "core/util/MatrixIO.h"
#include "core/util/SeededNormal.h"

namespace ntkcli {

namespace {

struct TrainingData {
  ntk::Network net;
  Eigen::MatrixXd X, x;
  Eigen::VectorXd Y;
};

struct TrainingOptions {
  std::string net, x, y, xtest, widths = "16,128,1024", lr, parameterization, out;
  long long steps = 0, recordEvery = 20;
  int seeds = 4, width = 1024;
  std::uint64_t seed = 1;
  bool header = false;
};

double positiveRate(const std::string& text)
{
  const double eta = parseNumber(text, "--lr");
  if (!std::isfinite(eta) || eta <= 0.0) throw ntk::InputError("--lr must be a finite number > 0 (got '" + text + "')");
  return eta;
}

Eigen::MatrixXd readInputs(const std::string& path, const ntk::Network& net)
{
  const Eigen::MatrixXd X = ntk::readMatrix(path);
  if (X.cols() != net.inputDim)
    throw ntk::InputError(path + " has " + std::to_string(X.cols()) + " columns but input_dim is " + std::to_string(net.inputDim));
  if (!X.allFinite()) throw ntk::InputError(path + " holds NaN or infinite values");
  return X;
}

/// The network (with --parameterization applied), X, Y and the test inputs (if any), all checked.
TrainingData loadData(const TrainingOptions& o)
{
  checkHeaderTarget(o.out, o.header);
  TrainingData d;
  d.net = ntk::loadNetwork(o.net);
  if (!o.parameterization.empty())
    d.net.parameterization = o.parameterization == "standard" ? ntk::Parameterization::Standard : ntk::Parameterization::Ntk;
  if (d.net.outputDim() != 1)
    throw ntk::InputError("the network has " + std::to_string(d.net.outputDim()) + " outputs; training needs exactly one");
  d.X = readInputs(o.x, d.net);
  const Eigen::MatrixXd Y = ntk::readMatrix(o.y);
  if (Y.cols() != 1 || Y.rows() != d.X.rows())
    throw ntk::InputError(o.y + " must hold one target per row of " + o.x + " (" + std::to_string(d.X.rows()) + " by 1, got " +
                          std::to_string(Y.rows()) + " by " + std::to_string(Y.cols()) + ")");
  if (!Y.allFinite()) throw ntk::InputError(o.y + " holds NaN or infinite values");
  d.Y = Y.col(0);
  d.x = o.xtest.empty() ? Eigen::MatrixXd(0, d.net.inputDim) : readInputs(o.xtest, d.net);
  return d;
}

/// 2/λ_max of Θ_0(X,X)/m for the first seed's network: gradient descent past it diverges for the linearised
/// model (and, a few times past it, for the network).
double maxStableRate(const ntk::Network& net, std::uint64_t seed, const Eigen::MatrixXd& X)
{
  const Eigen::MatrixXd theta = ntk::FiniteNetwork(net, seed).empiricalNtk(X) / double(X.rows());
  return 2.0 / Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(theta, Eigen::EigenvaluesOnly).eigenvalues().maxCoeff();
}

std::string jsonArray(const std::vector<double>& v)
{
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + jsonNumber(v[i]);
  return s + "]";
}

std::string jsonBools(const std::vector<bool>& v)
{
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += std::string(i ? ", " : "") + (v[i] ? "true" : "false");
  return s + "]";
}

const char* parameterizationName(const ntk::Network& net)
{
  return net.parameterization == ntk::Parameterization::Standard ? "standard" : "ntk";
}

int runEvolution(const TrainingOptions& o)
{
  const std::vector<int> widths = parseWidthList(o.widths);
  const double eta = positiveRate(o.lr);
  const TrainingData d = loadData(o);
  ntk::TrainingRunsOptions ro;
  ro.widths = widths;
  ro.seeds = o.seeds;
  ro.seed = o.seed;
  ro.learningRate = eta;
  ro.steps = o.steps;
  ro.recordEvery = o.recordEvery;
  Progress progress("experiment evolution");
  const auto runs = ntk::trainFiniteNetworks(d.net, d.X, d.Y, d.x, ro, progress.job());
  progress.finish();

  std::vector<Eigen::RowVectorXd> rows;
  std::vector<double> distance, change, loss, stable;
  std::vector<bool> diverged;
  for (const int w : widths) {
    double sd = 0.0, sc = 0.0, sl = 0.0;
    bool any = false;
    long long firstDivergence = -1;
    for (const ntk::TrainingRun& r : runs) {
      if (r.width != w) continue;
      for (const ntk::TrainingRecord& rec : r.records) {
        Eigen::RowVectorXd row(7);
        row << double(r.width), double(r.seed), double(rec.step), rec.loss, rec.kernelDistance, rec.weightChange, rec.kernelVelocity;
        rows.push_back(row);
      }
      sd += r.records.back().kernelDistance;
      sc += r.records.back().weightChange;
      sl += r.records.back().loss;
      if (r.diverged && (!any || r.divergedAtStep < firstDivergence)) firstDivergence = r.divergedAtStep;
      any = any || r.diverged;
    }
    distance.push_back(sd / o.seeds);
    change.push_back(sc / o.seeds);
    loss.push_back(sl / o.seeds);
    diverged.push_back(any);
    stable.push_back(maxStableRate(d.net.withHiddenWidth(w), o.seed, d.X));
    if (any)
      std::fprintf(stderr, "ntk-cli: width %d diverged (first at step %lld): --lr %.6g > 2/lambda_max = %.6g\n", w, firstDivergence,
                   eta, stable.back());
  }
  Eigen::MatrixXd table(Eigen::Index(rows.size()), 7);
  for (size_t i = 0; i < rows.size(); ++i) table.row(Eigen::Index(i)) = rows[i];
  writeTable(o.out, table, {"width", "seed", "step", "loss", "kernel_distance", "weight_change", "kernel_velocity"}, o.header);
  std::vector<double> ws(widths.begin(), widths.end());
  std::printf("{\"widths\": %s, \"seeds\": %d, \"parameterization\": \"%s\", \"lr\": %s, \"steps\": %lld, "
              "\"final_kernel_distance\": %s, \"final_weight_change\": %s, \"final_loss\": %s, \"diverged\": %s, "
              "\"max_stable_lr\": %s}\n",
              jsonArray(ws).c_str(), o.seeds, parameterizationName(d.net), jsonNumber(eta).c_str(), o.steps,
              jsonArray(distance).c_str(), jsonArray(change).c_str(), jsonArray(loss).c_str(), jsonBools(diverged).c_str(),
              jsonArray(stable).c_str());
  return 0;
}

int runLinearization(const TrainingOptions& o)
{
  if (o.width < 1) throw ntk::InputError("--width must be >= 1");
  const double eta = positiveRate(o.lr);
  const TrainingData d = loadData(o);
  const ntk::Network net = d.net.withHiddenWidth(o.width);
  ntk::FiniteNetworkTrainer finite(net, o.seed, d.X, d.Y, d.x, eta, false);
  ntk::FiniteNetworkTrainer linear(net, o.seed, d.X, d.Y, d.x, eta, true);
  finite.step(o.steps);
  linear.step(o.steps);
  // The kernel dynamics with the network's own Θ_0 and f_0, at the linearised model's last finite step
  // (equal to it at every step; past 2/λ_max both stop where the linearised model diverged).
  ntk::DynamicsGrams g;
  g.thetaTrain = g.kTrain = linear.initialNtk();
  g.thetaTest = g.kTest = linear.initialTestNtk();
  g.kTestDiag = ntk::FiniteNetwork(net, o.seed).empiricalNtk(d.x).diagonal();
  ntk::KernelDynamics kd(std::move(g), d.Y);
  kd.setInitialOutputs(linear.initialTrainOutputs(), linear.initialTestOutputs());
  const Eigen::VectorXd kernelAt = kd.testMeanGd(eta, linear.steps());

  Eigen::MatrixXd table(d.x.rows(), d.x.cols() + 3);
  table << d.x, finite.testOutputs(), linear.testOutputs(), kernelAt;
  std::vector<std::string> columns = numberedColumns("x_", long(d.x.cols()));
  for (const char* c : {"finite", "linearised", "kernel"}) columns.push_back(c);
  writeTable(o.out, table, columns, o.header);
  const auto maxAbs = [](const Eigen::VectorXd& v) { return v.size() ? v.cwiseAbs().maxCoeff() : 0.0; };
  std::printf("{\"width\": %d, \"seed\": %llu, \"parameterization\": \"%s\", \"lr\": %s, \"steps\": %lld, "
              "\"max_abs_linearised_minus_kernel\": %s, \"max_abs_finite_minus_linearised\": %s, "
              "\"finite_diverged\": %s, \"linearised_diverged\": %s, \"max_stable_lr\": %s}\n",
              o.width, static_cast<unsigned long long>(o.seed), parameterizationName(net), jsonNumber(eta).c_str(), o.steps,
              jsonNumber(maxAbs(linear.testOutputs() - kernelAt)).c_str(),
              jsonNumber(maxAbs(finite.testOutputs() - linear.testOutputs())).c_str(), finite.diverged() ? "true" : "false",
              linear.diverged() ? "true" : "false", jsonNumber(maxStableRate(net, o.seed, d.X)).c_str());
  if (finite.diverged() || linear.diverged())
    std::fprintf(stderr, "ntk-cli: diverged (network at step %lld, linearised at step %lld): --lr past 2/lambda_max\n",
                 finite.divergedAtStep(), linear.divergedAtStep());
  return 0;
}

void addTrainingOptions(CLI::App* c, TrainingOptions& o)
{
  c->add_option("--net", o.net, "Network JSON (one output; hidden widths set by --widths/--width)")->required()->check(CLI::ExistingFile);
  c->add_option("--x", o.x, "Training inputs X, one row per point (CSV or .npy)")->required()->check(CLI::ExistingFile);
  c->add_option("--y", o.y, "Training targets Y, one per row of X")->required()->check(CLI::ExistingFile);
  c->add_option("--lr", o.lr, "Learning rate η > 0 of full-batch GD on L = (1/2m) Σ (f − y)²")->required();
  c->add_option("--steps", o.steps, "Gradient-descent steps (time t = steps·η)")->required()->check(atLeast("--steps", 0));
  c->add_option("--seed", o.seed, "Seed of the first network")->check(seedValue());
  c->add_option("--parameterization", o.parameterization, "ntk or standard (default: the network's)")
      ->check(CLI::IsMember({"ntk", "standard"}));
  c->add_option("--out", o.out, "Result: .npy if the name ends in .npy, CSV otherwise")->required();
  c->add_flag("--header", o.header, "CSV output: a first line naming the columns");
}

int runBenchTraining(int repeats)
{
  if (repeats < 3) throw ntk::InputError("--repeats must be >= 3 (the figure is a median)");
  ntk::Network net;
  net.inputDim = 2;
  const ntk::Activation relu(ntk::ActivationKind::Relu);
  net.layers = {ntk::DenseLayer{1024, std::sqrt(2.0), 0.1}, ntk::ActivationLayer{relu}, ntk::DenseLayer{1024, std::sqrt(2.0), 0.1},
                ntk::ActivationLayer{relu}, ntk::DenseLayer{1, std::sqrt(2.0), 0.1}};
  ntk::SeededNormal normal(7);
  Eigen::MatrixXd X(32, 2), x(16, 2);
  for (Eigen::Index i = 0; i < X.size(); ++i) X.data()[i] = normal();
  for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = normal();
  const Eigen::VectorXd Y = (2.0 * X.col(0)).array().sin() + X.col(1).array();
  ntk::TrainingRunsOptions o;
  o.widths = {16, 128, 1024};
  o.seeds = 4;
  o.learningRate = 0.5;
  o.steps = 200;
  o.recordEvery = 20;
  double flops = 0.0;
  for (const int w : o.widths) flops += o.seeds * o.steps * ntk::gradientStepFlops(net.withHiddenWidth(w), X.rows());
  Progress progress("bench experiment-training");
  std::vector<double> seconds;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    ntk::trainFiniteNetworks(net, X, Y, x, o, progress.job(double(r) / repeats, double(r + 1) / repeats));
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  progress.finish();
  std::sort(seconds.begin(), seconds.end());
  const double median = seconds[seconds.size() / 2];
  const int threads = int(tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism));
  const double gemm = ntk::measureParallelGemmGflops(threads);
  const double achieved = flops / median / 1e9;
  std::printf("{\"bench\": \"experiment-training\", \"widths\": [16, 128, 1024], \"seeds\": 4, \"hidden_layers\": 2, "
              "\"m\": 32, \"steps\": 200, \"record_every\": 20, \"threads\": %d, \"repeats\": %d, \"median_seconds\": %s, "
              "\"gflop\": %s, \"gflops\": %s, \"gemm_gflops\": %s, \"fraction_of_gemm\": %s}\n",
              threads, repeats, jsonNumber(median).c_str(), jsonNumber(flops / 1e9).c_str(), jsonNumber(achieved).c_str(),
              jsonNumber(gemm).c_str(), jsonNumber(achieved / gemm).c_str());
  return 0;
}

} // namespace

std::vector<Command> addExperimentTrainingCommands(CLI::App& experiment, const AddThreads& addThreads)
{
  auto o = std::make_shared<TrainingOptions>();
  auto* evolution = experiment.add_subcommand("evolution", "Finite networks of several widths trained by GD: loss, kernel distance, weight change");
  addTrainingOptions(evolution, *o);
  evolution->add_option("--widths", o->widths, "Hidden widths, comma-separated (default 16,128,1024)");
  evolution->add_option("--seeds", o->seeds, "Networks per width (seeds seed, seed+1, …)")->check(atLeast("--seeds", 1));
  evolution->add_option("--record-every", o->recordEvery, "Record every k steps (and the last)")->check(atLeast("--record-every", 1));
  addThreads(evolution);

  auto* linearization = experiment.add_subcommand("linearization", "A finite network, its linearisation and the kernel dynamics with its Θ_0, f_0");
  addTrainingOptions(linearization, *o);
  linearization->add_option("--xtest", o->xtest, "Test inputs (CSV or .npy)")->required()->check(CLI::ExistingFile);
  linearization->add_option("--width", o->width, "Hidden width")->required()->check(atLeast("--width", 1));
  addThreads(linearization);
  return {Command{evolution, [o] { return runEvolution(*o); }}, Command{linearization, [o] { return runLinearization(*o); }}};
}

Command addBenchExperimentTrainingCommand(CLI::App& bench, const AddThreads& addThreads)
{
  auto repeats = std::make_shared<int>(3);
  auto* c = bench.add_subcommand("experiment-training",
                                 "Train 3 widths × 4 seeds (2 hidden ReLU layers, 32 points, 200 GD steps): median seconds, GFLOP/s, GEMM rate");
  c->add_option("--repeats", *repeats, "Timed runs (>= 3)");
  addThreads(c);
  return {c, [repeats] { return runBenchTraining(*repeats); }};
}

Command addBenchExperimentCommand(CLI::App& bench, const AddThreads& addThreads)
{
  auto widthRepeats = std::make_shared<int>(5), trainingRepeats = std::make_shared<int>(3);
  auto* c = bench.add_subcommand("experiment", "Both finite-network benchmarks, one JSON line each: experiment-width, then "
                                               "experiment-training");
  c->add_option("--width-repeats", *widthRepeats, "Timed runs of the width sweep (>= 5)");
  c->add_option("--training-repeats", *trainingRepeats, "Timed runs of the training (>= 3)");
  addThreads(c);
  return {c, [widthRepeats, trainingRepeats] {
            const int status = benchExperimentWidth(*widthRepeats);
            return status != 0 ? status : runBenchTraining(*trainingRepeats);
          }};
}

} // namespace ntkcli
