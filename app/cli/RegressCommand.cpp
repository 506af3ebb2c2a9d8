// RegressCommand.cpp — `ntk-cli regress`: NTK / NNGP kernel (ridge) regression of any point set by Nyström
// centres and Falkon's preconditioned conjugate gradients (ntk::NystromRegression), never forming the n × n
// Gram (CONVENTIONS §5).
// In: --net NET.json, --x X.csv (n rows, input_dim columns: raw inputs), --y Y.csv (n rows, one column per
// target channel), --xtest XT.csv (input_dim columns), --centres M (default 1000; M ≥ n is the exact
// solve), --kind ntk|nngp, --ridge r (relative to the mean diagonal of the training Gram, default 1e-6),
// --seed s (which centres, default 0). CSV or .npy by extension.
// Out: --out PRED.csv, one row per test point, one column per target column (17 significant digits; with
// --header a first line y_0,y_1,…); with --report R.json the fit's numbers (centres, cg_iterations,
// residual, ridge, ridge_absolute, seconds, …). Nothing on stdout; progress on stderr (CliProgress.h); bad
// input is one line on stderr and exit 2 with nothing written (main.cpp).
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>

#include "app/cli/CliCommands.h"
#include "app/cli/CliProgress.h"
#include "app/cli/TableOutput.h"
#include "core/network/NetworkJson.h"
#include "core/regression/NystromRegression.h"
#include "core/util/Errors.h"
#include "core/util/MatrixIO.h"

namespace ntkcli {

namespace {

using ntkcli::parseNumber;

struct RegressOptions {
  std::string net, x, y, xtest, out, report, kind = "ntk", ridge = "1e-6";
  long long centres = 1000;
  std::uint64_t seed = 0;
  bool header = false;
};

std::string jsonNumber(double v)
{
  if (!std::isfinite(v)) return "null";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

void requireColumns(const Eigen::MatrixXd& X, const std::string& file, int inputDim)
{
  if (X.cols() != inputDim)
    throw ntk::InputError(file + " has " + std::to_string(X.cols()) + " columns but the network's input_dim is " +
                          std::to_string(inputDim));
}

int runRegress(const RegressOptions& o)
{
  // Every check before any work or any file.
  const double ridge = parseNumber(o.ridge, "--ridge");
  if (!std::isfinite(ridge) || ridge < 0.0) throw ntk::InputError("--ridge must be a finite number >= 0 (got '" + o.ridge + "')");
  checkHeaderTarget(o.out, o.header);
  const ntk::Network net = ntk::loadNetwork(o.net);
  const Eigen::MatrixXd X = ntk::readMatrix(o.x);
  const Eigen::MatrixXd Y = ntk::readMatrix(o.y);
  const Eigen::MatrixXd Xtest = ntk::readMatrix(o.xtest);
  requireColumns(X, o.x, net.inputDim);
  requireColumns(Xtest, o.xtest, net.inputDim);
  if (X.rows() < 1) throw ntk::InputError(o.x + " has no rows");
  if (Y.rows() != X.rows())
    throw ntk::InputError(o.y + " has " + std::to_string(Y.rows()) + " rows but " + o.x + " has " +
                          std::to_string(X.rows()));
  if (Y.cols() < 1) throw ntk::InputError(o.y + " has no columns");

  const auto t0 = std::chrono::steady_clock::now();
  ntk::NystromOptions options;
  options.kind = o.kind == "ntk" ? ntk::KernelKind::Ntk : ntk::KernelKind::Nngp;
  options.ridge = ridge;
  options.centres = Eigen::Index(o.centres);
  options.seed = o.seed;
  const Eigen::Index M = std::min<Eigen::Index>(options.centres, X.rows());
  Progress progress("regress");
  progress.setDetail(std::to_string(X.rows()) + " points, " + std::to_string(M) + " centres: kernel and solve");
  const ntk::NystromRegression fit(net, X, Y, options, progress.job(0.0, 0.6));
  progress.setDetail("predicting " + std::to_string(Xtest.rows()) + " test points (" + std::to_string(fit.cgIterations()) +
                     " CG iterations)");
  const Eigen::MatrixXd prediction = fit.predict(Xtest, progress.job(0.6, 1.0));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  std::ostringstream json;
  json << "{\n  \"kind\": \"" << o.kind << "\",\n  \"train_points\": " << X.rows()
       << ",\n  \"test_points\": " << Xtest.rows() << ",\n  \"channels\": " << Y.cols()
       << ",\n  \"centres\": " << fit.centres().rows() << ",\n  \"exact\": " << (fit.exact() ? "true" : "false")
       << ",\n  \"seed\": " << o.seed << ",\n  \"ridge\": " << jsonNumber(ridge)
       << ",\n  \"ridge_absolute\": " << jsonNumber(fit.ridgeAbsolute())
       << ",\n  \"cg_iterations\": " << fit.cgIterations() << ",\n  \"residual\": " << jsonNumber(fit.residual())
       << ",\n  \"seconds\": " << jsonNumber(seconds) << "\n}\n";

  progress.setDetail("writing " + o.out);
  writeTable(o.out, prediction, numberedColumns("y_", long(prediction.cols())), o.header);
  if (!o.report.empty()) writeReportOrRemoveResult(o.out, o.report, json.str());
  progress.finish();
  return 0;
}

} // namespace

Command addRegressCommand(CLI::App& app, const AddThreads& addThreads)
{
  auto options = std::make_shared<RegressOptions>();
  auto* sub = app.add_subcommand(
      "regress",
      "Kernel (ridge) regression of any point set with the network's NTK or NNGP, by M Nystrom centres and\n"
      "Falkon's preconditioned conjugate gradients (Rudi et al. 2017): O(nM) memory and work per iteration,\n"
      "never the n x n Gram. M >= n is the exact solve. Output: one row per test point, one column per\n"
      "target column.");
  sub->add_option("--net", options->net, "Network JSON (format ntk-studio.network/1)")->required()->check(CLI::ExistingFile);
  sub->add_option("--x", options->x, "Training inputs, one row per point, input_dim columns (CSV or .npy)")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("--y", options->y, "Targets, one row per training point, one column per channel (CSV or .npy)")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("--xtest", options->xtest, "Test inputs, input_dim columns (CSV or .npy)")->required()->check(CLI::ExistingFile);
  sub->add_option("--out", options->out, "Predictions: one row per test point (.npy or CSV)")->required();
  sub->add_option("--centres", options->centres,
                  "Number of Nystrom centres M, drawn uniformly from the training points (default 1000; M >= n: exact)")
      ->check(atLeast("--centres", 1));
  sub->add_option("--kind", options->kind, "ntk (default) or nngp")->check(CLI::IsMember({"ntk", "nngp"}));
  sub->add_option("--ridge", options->ridge, "Ridge, relative to the mean diagonal of the training Gram (default 1e-6)");
  sub->add_option("--seed", options->seed, "Which centres (default 0)")->check(seedValue());
  sub->add_option("--report", options->report,
                  "JSON report: centres, cg_iterations, residual, ridge, ridge_absolute, seconds, ...");
  sub->add_flag("--header", options->header, "CSV output: a first line naming the columns (y_0,y_1,...)");
  addThreads(sub);
  return {sub, [options] { return runRegress(*options); }};
}

} // namespace ntkcli
