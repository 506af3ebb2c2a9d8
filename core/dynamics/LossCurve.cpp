// LossCurve.cpp — train loss from the mode residuals, test loss from the mean on the held-out rows.
#include "core/dynamics/LossCurve.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/util/Errors.h"

namespace ntk {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

/// The flow replaces GD where they agree: t = ∞ with a stable step converges to the flow's limit.
bool useFlow(const KernelDynamics& d, double t, bool gd, double eta)
{
  return !gd || (std::isinf(t) && eta < d.maxStableLearningRate());
}

} // namespace

long long gradientDescentSteps(double t, double eta) { return (long long)std::llround(std::min(t / eta, 1e15)); }

double trainLoss(const KernelDynamics& d, double t, bool gd, double eta)
{
  const double m = double(d.trainSize());
  try {
    if (useFlow(d, t, gd, eta)) return d.modeResiduals(t).squaredNorm() / (2.0 * m);
    if (std::isinf(t)) return kInf; // an unstable step never converges
    const double loss = d.modeResidualsGd(eta, gradientDescentSteps(t, eta)).squaredNorm() / (2.0 * m);
    return std::isfinite(loss) ? loss : kInf;
  } catch (const NumericalError&) {
    return kInf;
  }
}

double testLoss(const KernelDynamics& d, const Eigen::VectorXd& y, double t, bool gd, double eta)
{
  const Eigen::Index n = y.size();
  if (n > d.testSize())
    throw InputError(std::to_string(n) + " test targets but the dynamics has " + std::to_string(d.testSize()) +
                     " test points");
  if (n == 0) return std::numeric_limits<double>::quiet_NaN();
  try {
    Eigen::VectorXd f;
    if (useFlow(d, t, gd, eta))
      f = d.testMeanRows(t, 0, n);
    else if (std::isinf(t))
      return kInf;
    else
      f = d.testMeanRowsGd(eta, gradientDescentSteps(t, eta), 0, n);
    const double loss = (f - y).squaredNorm() / (2.0 * double(n));
    return std::isfinite(loss) ? loss : kInf;
  } catch (const NumericalError&) {
    return kInf;
  }
}

LossCurve lossCurve(const KernelDynamics& d, const Eigen::VectorXd& times, const Eigen::VectorXd& y, bool gd, double eta)
{
  if (y.size() > d.testSize())
    throw InputError(std::to_string(y.size()) + " test targets but the dynamics has " + std::to_string(d.testSize()) +
                     " test points");
  LossCurve c;
  c.times = times;
  c.train.resize(times.size());
  if (y.size() > 0) c.test.resize(times.size());
  for (Eigen::Index i = 0; i < times.size(); ++i) {
    c.train(i) = trainLoss(d, times(i), gd, eta);
    if (y.size() > 0) c.test(i) = testLoss(d, y, times(i), gd, eta);
  }
  return c;
}

Eigen::VectorXd logTimeGrid(double logMin, double logMax, int samples)
{
  Eigen::VectorXd t(std::max(samples, 0));
  for (int i = 0; i < samples; ++i)
    t(i) = std::pow(10.0, samples > 1 ? logMin + (logMax - logMin) * i / (samples - 1) : logMin);
  return t;
}

} // namespace ntk
