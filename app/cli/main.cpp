// ntk-cli — the scripting and testing surface of NTK Studio (CONVENTIONS §5).
// Every figure the GUI shows can be reproduced from here. Bad input: one line on stderr, exit 2.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <tbb/global_control.h>
#include <tbb/info.h>

#include "core/kernels/NtkGram.h"
#include "core/nets/FiniteNetwork.h"
#include "core/network/NetworkJson.h"
#include "core/util/Errors.h"
#include "core/util/MatrixIO.h"
#include "core/util/MemoryEstimate.h"
#include "core/util/SeededNormal.h"
#include "core/util/SymmetricEigen.h"

#ifndef NTK_VERSION
#error "NTK_VERSION (the CMake project version) must be defined by the build"
#endif
#include "app/cli/CliCommands.h"
#include "app/cli/CliProgress.h"
#include "app/cli/TableOutput.h"

namespace {

using ntkcli::atLeast;
using ntkcli::seedValue;

struct KernelOptions {
  std::string net, x, x2, kind = "ntk", out;
  bool empirical = false, header = false;
  int width = 1024, samples = 1;
  std::uint64_t seed = 0;
};

struct BenchOptions {
  std::string net;
  long m = 4096;
  int dim = 0, repeats = 5;
  std::string kind = "ntk";
};

int runKernel(const KernelOptions& o)
{
  const ntk::Network net = ntk::loadNetwork(o.net);
  const Eigen::MatrixXd X1 = ntk::readMatrix(o.x);
  std::optional<Eigen::MatrixXd> X2;
  if (!o.x2.empty()) X2 = ntk::readMatrix(o.x2);
  for (const Eigen::MatrixXd* X : std::initializer_list<const Eigen::MatrixXd*>{&X1, X2 ? &*X2 : nullptr})
    if (X && X->cols() != net.inputDim)
      throw ntk::InputError((X == &X1 ? o.x : o.x2) + " has " + std::to_string(X->cols()) +
                            " columns but the network's input_dim is " + std::to_string(net.inputDim));
  ntkcli::checkHeaderTarget(o.out, o.header);
  const bool ntkKind = o.kind == "ntk";
  Eigen::MatrixXd K;
  ntkcli::Progress progress("kernel");
  if (o.empirical) {
    progress.setDetail(std::to_string(o.samples) + (o.samples == 1 ? " network" : " networks") + " of width " +
                       std::to_string(o.width));
    K = ntk::monteCarloKernel(net, X1, X2 ? &*X2 : nullptr, ntkKind, o.width, o.samples, o.seed, progress.job());
  } else {
    progress.setDetail(std::to_string(X1.rows()) + " x " + std::to_string(X2 ? X2->rows() : X1.rows()) + " Gram");
    K = ntk::kernelMatrix(net, X1, X2 ? &*X2 : nullptr, ntkKind ? ntk::KernelKind::Ntk : ntk::KernelKind::Nngp,
                          progress.job());
  }
  progress.setDetail("writing " + o.out);
  // Column j is the kernel against point j of the second set.
  ntkcli::writeTable(o.out, K, ntkcli::numberedColumns(X2 ? "x2_" : "x_", long(K.cols())), o.header);
  progress.finish();
  return 0;
}

int runBenchGram(const BenchOptions& o, int threads)
{
  const ntk::Network net = ntk::loadNetwork(o.net);
  const int d = o.dim > 0 ? o.dim : net.inputDim;
  if (d != net.inputDim)
    throw ntk::InputError("--dim " + std::to_string(d) + " differs from the network's input_dim " + std::to_string(net.inputDim));
  if (o.m < 1) throw ntk::InputError("--m must be >= 1");
  if (o.repeats < 5) throw ntk::InputError("--repeats must be >= 5 (the figure is a median)");
  // Refuse before X (m by d) exists: the Gram's estimate plus X itself.
  ntk::requireMemory(ntk::estimateGramBytes(net, o.m, o.m, 1) + 8.0 * double(o.m) * double(d),
                     "a " + std::to_string(o.m) + " x " + std::to_string(o.m) + " kernel matrix");
  // A fixed seeded sample: uniform in [0,1)^d, so runs are comparable across machines and commits.
  Eigen::MatrixXd X(o.m, d);
  std::mt19937_64 rng(12345);
  for (Eigen::Index i = 0; i < X.size(); ++i) X.data()[i] = double(rng() >> 11) * 0x1.0p-53;
  const ntk::KernelKind kind = o.kind == "ntk" ? ntk::KernelKind::Ntk : ntk::KernelKind::Nngp;
  std::vector<double> seconds;
  double checksum = 0.0;
  ntkcli::Progress progress("bench gram");
  for (int r = 0; r < o.repeats; ++r) {
    progress.setDetail("run " + std::to_string(r + 1) + "/" + std::to_string(o.repeats));
    const auto t0 = std::chrono::steady_clock::now();
    const Eigen::MatrixXd K =
        ntk::kernelMatrix(net, X, nullptr, kind, progress.job(double(r) / o.repeats, double(r + 1) / o.repeats));
    const auto t1 = std::chrono::steady_clock::now();
    seconds.push_back(std::chrono::duration<double>(t1 - t0).count());
    checksum = K.sum();
  }
  progress.finish();
  std::sort(seconds.begin(), seconds.end());
  const double median = seconds[seconds.size() / 2];
  const double entries = double(o.m) * double(o.m);
  std::printf("{\"bench\": \"gram\", \"kind\": \"%s\", \"m\": %ld, \"dim\": %d, \"threads\": %d, \"repeats\": %d, "
              "\"seconds\": %.9g, \"min_seconds\": %.9g, \"entries\": %.0f, \"entries_per_second\": %.9g, "
              "\"checksum\": %.17g}\n",
              o.kind.c_str(), o.m, d, threads, o.repeats, median, seconds.front(), entries, entries / median, checksum);
  return 0;
}

} // namespace

int main(int argc, char** argv)
{
  CLI::App app{"ntk-cli — exact NNGP/NTK kernels of fully-connected networks, from the command line.\n"
               "Matrices are CSV (no header, 17 significant digits) or .npy by extension."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "ntk-cli " NTK_VERSION, "Print the version (ntk-cli " NTK_VERSION ") and exit");
  int threads = 0;
  bool quietFlag = false;
  // Accepted before and after the subcommand's name, like every shared option.
  const auto addThreads = [&](CLI::App* command) {
    command->add_option("--threads", threads, "Worker threads (default: all cores)")->check(atLeast("--threads", 0));
    command->add_flag("--quiet", quietFlag, "No progress on stderr (errors still print)");
  };
  addThreads(&app);

  KernelOptions ko;
  auto* kernel = app.add_subcommand("kernel", "Gram matrix K(X, X2) of the network's NNGP or NTK");
  kernel->add_option("--net", ko.net, "Network JSON (format ntk-studio.network/1)")->required()->check(CLI::ExistingFile);
  kernel->add_option("--x", ko.x, "Inputs X, one row per point (raw, before the encoding): CSV or .npy")
      ->required()
      ->check(CLI::ExistingFile);
  kernel->add_option("--x2", ko.x2, "Second input set (default: X)")->check(CLI::ExistingFile);
  kernel->add_option("--kind", ko.kind, "ntk or nngp")->check(CLI::IsMember({"ntk", "nngp"}));
  kernel->add_option("--out", ko.out, "Output matrix: .npy if the name ends in .npy, CSV otherwise")->required();
  auto* empirical =
      kernel->add_flag("--empirical", ko.empirical, "Monte-Carlo kernel of finite networks instead of the exact one");
  // Without --empirical these would be silently ignored: make that an error.
  kernel->add_option("--width", ko.width, "Hidden width of the finite networks (with --empirical)")
      ->check(atLeast("--width", 1))
      ->needs(empirical);
  kernel->add_option("--samples", ko.samples, "Number of random networks averaged (with --empirical)")
      ->check(atLeast("--samples", 1))
      ->needs(empirical);
  kernel->add_flag("--header", ko.header, "CSV output: a first line naming the columns (x_0, x_1, ... or x2_0, ...)");
  kernel->add_option("--seed", ko.seed, "Seed of the first network (with --empirical)")->check(seedValue())->needs(empirical);
  addThreads(kernel);

  BenchOptions bo;
  auto* bench = app.add_subcommand("bench", "Benchmarks that print one JSON line each");
  bench->require_subcommand(1);
  addThreads(bench);
  auto* gram = bench->add_subcommand("gram", "Time the exact Gram K(X,X) of m seeded uniform points (median of >= 5 runs)");
  gram->add_option("--net", bo.net, "Network JSON")->required()->check(CLI::ExistingFile);
  gram->add_option("--m", bo.m, "Number of points")->check(atLeast("--m", 1));
  gram->add_option("--dim", bo.dim, "Input dimension (must equal the network's input_dim)")->check(atLeast("--dim", 1));
  gram->add_option("--kind", bo.kind, "ntk or nngp")->check(CLI::IsMember({"ntk", "nngp"}));
  gram->add_option("--repeats", bo.repeats, "Timed runs (>= 5)");
  addThreads(gram);

  // `experiment …`: finite networks against their limit; each subcommand lives in its own file.
  auto* experiment = app.add_subcommand("experiment", "Finite networks against their infinite-width limit");
  experiment->require_subcommand(1);
  addThreads(experiment);

  std::vector<ntkcli::Command> commands;
  commands.push_back(ntkcli::addSpectrumCommand(app, addThreads));
  commands.push_back(ntkcli::addDynamicsCommand(app, addThreads));
  commands.push_back(ntkcli::addFitImageCommand(app, addThreads));
  commands.push_back(ntkcli::addSweepImageCommand(app, addThreads));
  commands.push_back(ntkcli::addTopoptCommand(app, addThreads));
  commands.push_back(ntkcli::addNtkFilterCommand(app, addThreads));
  commands.push_back(ntkcli::addRegressCommand(app, addThreads));
  commands.push_back(ntkcli::addBenchSpectrumCommand(*bench, addThreads));
  commands.push_back(ntkcli::addBenchImageCommand(*bench, addThreads));
  commands.push_back(ntkcli::addBenchTopoptCommand(*bench, addThreads));
  commands.push_back(ntkcli::addExperimentWidthCommand(*experiment, addThreads));
  commands.push_back(ntkcli::addExperimentTheoryCommand(*experiment, addThreads));
  commands.push_back(ntkcli::addBenchExperimentWidthCommand(*bench, addThreads));
  for (ntkcli::Command& c : ntkcli::addExperimentTrainingCommands(*experiment, addThreads)) commands.push_back(c);
  commands.push_back(ntkcli::addBenchExperimentTrainingCommand(*bench, addThreads));

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string msg = e.what();
    std::replace(msg.begin(), msg.end(), '\n', ' ');
    // CLI11 prefixes a validator's message with the option ("--samples: --samples must be >= 1"):
    // our validators already name it, so keep one.
    const auto colon = msg.find(": ");
    if (colon != std::string::npos && msg.compare(colon + 2, colon + 1, msg.substr(0, colon) + " ") == 0)
      msg.erase(0, colon + 2);
    std::cerr << "ntk-cli: " << msg << " (see --help)\n";
    return 2;
  }

  ntkcli::setQuiet(quietFlag);
  std::unique_ptr<tbb::global_control> limit;
  const int used = threads > 0 ? threads : tbb::info::default_concurrency();
  if (threads > 0) {
    limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, threads);
    ntk::setDenseSolverThreads(threads); // LAPACK (OpenBLAS) runs its own threads
  }

  try {
    if (*kernel) return runKernel(ko);
    if (*gram) return runBenchGram(bo, used);
    for (const ntkcli::Command& c : commands)
      if (*c.sub) return c.run();
  } catch (const ntk::NtkError& e) {
    std::cerr << "ntk-cli: " << e.what() << "\n";
    return 2;
  } catch (const std::bad_alloc&) {
    std::cerr << "ntk-cli: out of memory\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "ntk-cli: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
