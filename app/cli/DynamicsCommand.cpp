// DynamicsCommand.cpp — `ntk-cli dynamics`: the mean and variance of an infinitely wide network trained by
// gradient flow (or gradient descent) on the squared loss, at the requested times (ntk::KernelDynamics).
// In: --net NET.json, --train TRAIN.csv (input_dim input columns, then the target y), --test TEST.csv
// (input_dim columns; CSV or .npy), --t T1,T2,… (times ≥ 0 or `inf`; with --gd-lr η they are step counts),
// --kind ntk|nngp, --ridge λ (relative to the mean diagonal of the training Gram, default 0).
// Out: --out PRED.csv, one row per test point, for each time in order the columns mean, variance
// (17 significant digits); with --header a first line mean_t=T,variance_t=T,… (mean_step=S,… with --gd-lr).
// Gradient descent with η > 2/λ_max((Θ(X,X) + ridge)/m) and a step count > 0 diverges: refused, exit 2,
// nothing written. Nothing on stdout; progress on stderr (CliProgress.h); bad input is one line on
// stderr and exit 2 (main.cpp).
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "app/cli/CliCommands.h"
#include "app/cli/CliProgress.h"
#include "app/cli/TableOutput.h"
#include "core/dynamics/KernelDynamics.h"
#include "core/network/NetworkJson.h"
#include "core/util/Errors.h"
#include "core/util/MatrixIO.h"

namespace ntkcli {

namespace {

using ntkcli::parseNumber;

struct DynamicsOptions {
  std::string net, train, test, times, kind = "ntk", ridge = "0", gdRate, out;
  bool gdGiven = false; ///< --gd-lr was on the command line (possibly empty)
  bool header = false;
};

std::string trimmed(const std::string& s)
{
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

std::string lower(std::string s)
{
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

/// The entries of a comma-separated list, trimmed (for the header's column names).
std::vector<std::string> listEntries(const std::string& list)
{
  std::vector<std::string> entries;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = list.find(',', start);
    entries.push_back(trimmed(list.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
    if (comma == std::string::npos) return entries;
    start = comma + 1;
  }
}

/// Gradient descent multiplies the error along the top mode by (1 − ηλ_max) per step: with
/// η > 2/λ_max that grows without bound. Refuse before anything is written, with the numbers.
void refuseDivergentStep(const ntk::KernelDynamics& dynamics, double eta, const std::string& etaText,
                         const std::vector<long long>& steps)
{
  const long long most = steps.empty() ? 0 : *std::max_element(steps.begin(), steps.end());
  const double limit = dynamics.maxStableLearningRate();
  if (most == 0 || !(eta > limit)) return;
  const double lambdaMax = dynamics.modeEigenvalues().size() ? dynamics.modeEigenvalues()(0) : 0.0;
  const double growth = std::abs(1.0 - eta * lambdaMax);
  const double factor = std::pow(growth, double(most));
  char grows[64];
  if (std::isfinite(factor)) std::snprintf(grows, sizeof grows, "grows %.3g-fold", factor);
  else std::snprintf(grows, sizeof grows, "overflows");
  char buf[320];
  std::snprintf(buf, sizeof buf, "--gd-lr %s: gradient descent diverges: η = %.6g > 2/λ_max = %.6g; after %lld steps the error %s",
                etaText.c_str(), eta, limit, most, grows);
  throw ntk::InputError(buf);
}

std::vector<std::string> columnNames(const std::string& times, bool gd)
{
  std::vector<std::string> names;
  for (const std::string& t : listEntries(times)) {
    const std::string at = (gd ? "_step=" : "_t=") + t;
    names.push_back("mean" + at);
    names.push_back("variance" + at);
  }
  return names;
}

/// "0,0.5,inf" → {0, 0.5, ∞}. With gradient descent the entries are step counts (integers ≥ 0), kept
/// exactly in `stepCounts` (a double would round counts above 2^53).
std::vector<double> parseTimes(const std::string& list, bool steps, std::vector<long long>& stepCounts)
{
  std::vector<double> times;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = list.find(',', start);
    const std::string token = trimmed(list.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (token.empty()) throw ntk::InputError("--t has an empty entry in '" + list + "'");
    const std::string l = lower(token);
    if (l == "inf" || l == "infinity" || l == "+inf") {
      if (steps) throw ntk::InputError("--t: with --gd-lr the times are step counts; 'inf' is not one");
      times.push_back(ntk::kTimeInfinity);
    } else if (steps) {
      errno = 0;
      char* end = nullptr;
      const long long v = std::strtoll(token.c_str(), &end, 10);
      if (end == token.c_str() || *end != '\0' || errno == ERANGE || v < 0)
        throw ntk::InputError("--t: with --gd-lr the times are step counts, integers >= 0 (got '" + token + "')");
      times.push_back(double(v));
      stepCounts.push_back(v);
    } else {
      const double t = parseNumber(token, "--t");
      if (std::isnan(t) || t < 0.0) throw ntk::InputError("--t: times must be >= 0 or inf (got '" + token + "')");
      times.push_back(t);
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return times;
}

int runDynamics(const DynamicsOptions& o)
{
  const bool gd = o.gdGiven; // `--gd-lr ""` is an error below, not gradient flow
  std::vector<long long> steps;
  const std::vector<double> times = parseTimes(o.times, gd, steps);
  const double ridge = parseNumber(o.ridge, "--ridge");
  if (!std::isfinite(ridge) || ridge < 0.0) throw ntk::InputError("--ridge must be a finite number >= 0 (got '" + o.ridge + "')");
  double eta = 0.0;
  if (gd) {
    eta = parseNumber(o.gdRate, "--gd-lr");
    if (!std::isfinite(eta) || eta <= 0.0) throw ntk::InputError("--gd-lr must be a finite number > 0 (got '" + o.gdRate + "')");
  }

  const ntk::Network net = ntk::loadNetwork(o.net);
  const Eigen::MatrixXd train = ntk::readMatrix(o.train);
  const Eigen::MatrixXd Xtest = ntk::readMatrix(o.test);
  if (train.cols() != net.inputDim + 1)
    throw ntk::InputError(o.train + " has " + std::to_string(train.cols()) + " columns but needs input_dim + 1 = " +
                          std::to_string(net.inputDim + 1) + " (the inputs, then the target y)");
  if (Xtest.cols() != net.inputDim)
    throw ntk::InputError(o.test + " has " + std::to_string(Xtest.cols()) + " columns but the network's input_dim is " +
                          std::to_string(net.inputDim));
  const Eigen::MatrixXd Xtrain = train.leftCols(net.inputDim);
  const Eigen::VectorXd Y = train.col(net.inputDim);

  checkHeaderTarget(o.out, o.header);

  const ntk::KernelKind kind = o.kind == "ntk" ? ntk::KernelKind::Ntk : ntk::KernelKind::Nngp;
  Progress progress("dynamics");
  progress.setDetail("Grams and eigendecomposition of " + std::to_string(Xtrain.rows()) + " training points");
  const ntk::KernelDynamics dynamics(net, kind, Xtrain, Y, Xtest, ridge, progress.job(0.0, 0.8));
  if (gd) refuseDivergentStep(dynamics, eta, o.gdRate, steps);
  Eigen::MatrixXd out(Xtest.rows(), 2 * Eigen::Index(times.size()));
  for (std::size_t k = 0; k < times.size(); ++k) {
    progress.update(0.8 + 0.2 * double(k) / double(times.size()),
                    "time " + std::to_string(k + 1) + "/" + std::to_string(times.size()));
    const ntk::Prediction p = gd ? dynamics.testGd(eta, steps[k]) : dynamics.test(times[k]);
    out.col(2 * Eigen::Index(k)) = p.mean;
    out.col(2 * Eigen::Index(k) + 1) = p.variance;
  }
  progress.setDetail("writing " + o.out);
  writeTable(o.out, out, columnNames(o.times, gd), o.header);
  progress.finish();
  return 0;
}

} // namespace

Command addDynamicsCommand(CLI::App& app, const AddThreads& addThreads)
{
  auto options = std::make_shared<DynamicsOptions>();
  auto* sub = app.add_subcommand(
      "dynamics",
      "Mean and variance of the infinitely wide network trained by gradient flow (or descent) on the squared loss,\n"
      "at the given times. Loss (1/2m) sum_i (f(x_i) - y_i)^2, so df/dt = -(1/m) Theta(x,X) (f(X) - Y); gradient\n"
      "descent is stable for eta < 2/lambda_max((Theta(X,X) + ridge)/m). Output: one row per test point, for\n"
      "each time in order the columns mean, variance.");
  sub->add_option("--net", options->net, "Network JSON (format ntk-studio.network/1)")->required()->check(CLI::ExistingFile);
  sub->add_option("--train", options->train,
                  "Training set: one row per point, input_dim input columns then the target y (CSV or .npy)")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("--test", options->test, "Test inputs, input_dim columns (CSV or .npy)")->required()->check(CLI::ExistingFile);
  sub->add_option("--t", options->times,
                  "Comma-separated times >= 0, 'inf' for convergence (kernel regression / GP posterior); "
                  "with --gd-lr, numbers of gradient-descent steps")
      ->required();
  sub->add_option("--kind", options->kind, "ntk (all layers trained, default) or nngp (readout only)")
      ->check(CLI::IsMember({"ntk", "nngp"}));
  sub->add_option("--ridge", options->ridge, "Ridge, relative to the mean diagonal of the training Gram (default 0)");
  auto* gdRate = sub->add_option("--gd-lr", options->gdRate, "Gradient descent with this step eta instead of gradient flow");
  sub->add_option("--out", options->out, "Predictions: per test point, for each time, mean and variance (.npy or CSV)")
      ->required();
  sub->add_flag("--header", options->header,
                "CSV output: a first line naming the columns (mean_t=T,variance_t=T,...; mean_step=S,... with --gd-lr)");
  addThreads(sub);
  return {sub, [options, gdRate] {
            options->gdGiven = gdRate->count() > 0;
            return runDynamics(*options);
          }};
}

} // namespace ntkcli
