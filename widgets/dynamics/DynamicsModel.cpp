#include "widgets/dynamics/DynamicsModel.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <random>

#include <QPainter>

#include "widgets/common/PanelJob.h"
#include "core/util/Errors.h"

namespace ntk::gui {

Eigen::VectorXd dynamicsTestGrid()
{
  return Eigen::VectorXd::LinSpaced(kDynamicsTestPoints, 0.0, double(kDynamicsTestPoints - 1) / kDynamicsTestPoints);
}

double presetTargetValue(TargetPreset preset, double x)
{
  switch (preset) {
  case TargetPreset::SumOfSines: {
    double y = 0.0;
    for (int j = 0; j < 4; ++j) y += std::ldexp(1.0, -j) * std::sin(2.0 * M_PI * double((2 << j) - 1) * x);
    return y;
  }
  case TargetPreset::Step: return x < 0.5 ? -1.0 : 1.0;
  case TargetPreset::UserDrawn: return 0.0;
  }
  return 0.0;
}

double interpolateOnTestGrid(const Eigen::VectorXd& values, double x)
{
  const Eigen::Index n = values.size();
  if (n == 0) return 0.0;
  const double s = std::clamp(x * kDynamicsTestPoints, 0.0, double(n - 1));
  const Eigen::Index i = std::min<Eigen::Index>(Eigen::Index(s), n - 1);
  if (i + 1 >= n) return values(n - 1);
  const double w = s - double(i);
  return (1.0 - w) * values(i) + w * values(i + 1);
}

void applyStroke(Eigen::VectorXd& values, const std::vector<QPointF>& stroke)
{
  const Eigen::Index n = values.size();
  if (n == 0 || stroke.empty()) return;
  auto index = [n](double x) { return std::clamp<Eigen::Index>(Eigen::Index(std::lround(x * kDynamicsTestPoints)), 0, n - 1); };
  if (stroke.size() == 1) {
    values(index(stroke[0].x())) = stroke[0].y();
    return;
  }
  for (size_t s = 1; s < stroke.size(); ++s) {
    QPointF a = stroke[s - 1], b = stroke[s];
    if (a.x() > b.x()) std::swap(a, b);
    const Eigen::Index i0 = index(a.x()), i1 = index(b.x());
    for (Eigen::Index i = i0; i <= i1; ++i) {
      const double x = double(i) / kDynamicsTestPoints;
      const double w = b.x() > a.x() ? std::clamp((x - a.x()) / (b.x() - a.x()), 0.0, 1.0) : 0.5;
      values(i) = (1.0 - w) * a.y() + w * b.y();
    }
  }
}

std::vector<TrainingPoint> sampleTrainingX(int count, bool random, std::uint64_t seed)
{
  std::vector<TrainingPoint> points(size_t(std::max(0, count)));
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  for (int i = 0; i < count; ++i) points[size_t(i)].x = random ? uniform(gen) : double(i) / count;
  if (random) std::sort(points.begin(), points.end(), [](const TrainingPoint& a, const TrainingPoint& b) { return a.x < b.x; });
  return points;
}

bool oneDimensionalNetwork(const Network& net, Network* out, QString* note, QString* reason)
{
  if (note) note->clear();
  Network copy = net;
  if (net.inputDim != 1) {
    const QString enc = QString::fromStdString(net.encoding.name());
    if (net.encoding.kind == EncodingKind::Fourier && net.encoding.B.cols() != 1) {
      if (reason)
        *reason = QObject::tr("The dynamics view trains on 1-D inputs x ∈ [0, 1), but this network has input_dim = %1 "
                              "and a 'fourier' encoding whose B has %2 columns, which cannot be applied to one coordinate.\n"
                              "Use input_dim 1, or a none / basic / positional / gaussian encoding.")
                      .arg(net.inputDim)
                      .arg(net.encoding.B.cols());
      return false;
    }
    copy.inputDim = 1;
    if (note) {
      *note = QObject::tr("The network has input_dim = %1: the playground trains a copy with input_dim = 1 (%2 encoding")
                  .arg(net.inputDim)
                  .arg(enc);
      *note += net.encoding.kind == EncodingKind::Gaussian ? QObject::tr(", B re-sampled for d = 1 from seed %1).").arg(net.encoding.seed)
                                                           : QStringLiteral(").");
    }
  }
  try {
    copy.validate();
  } catch (const NtkError& e) {
    if (reason) *reason = QObject::tr("The network cannot be trained on 1-D inputs: %1").arg(QString::fromStdString(e.what()));
    return false;
  }
  if (copy.outputDim() > 1 && note) {
    if (!note->isEmpty()) *note += QLatin1Char(' ');
    *note += QObject::tr("%1 outputs share one kernel (Θ ⊗ I): output 1 is shown.").arg(copy.outputDim());
  }
  *out = std::move(copy);
  return true;
}

DynamicsBuild buildDynamics(const Network& net1d, KernelKind kind, const std::vector<TrainingPoint>& points, double ridge,
                            const JobControl& job)
{
  DynamicsBuild r;
  const auto t0 = std::chrono::steady_clock::now();
  catchJobErrors([&] {
    const Eigen::Index m = Eigen::Index(points.size());
    if (m == 0) throw InputError("no training points");
    Eigen::MatrixXd X(m, 1);
    Eigen::VectorXd Y(m);
    for (Eigen::Index i = 0; i < m; ++i) {
      X(i, 0) = points[size_t(i)].x;
      Y(i) = points[size_t(i)].y;
    }
    const Eigen::MatrixXd Xtest = dynamicsTestGrid();
    auto dyn = std::make_shared<KernelDynamics>(net1d, kind, X, Y, Xtest, ridge, job);
    job.checkCancelled();
    r.limit = dyn->test(kTimeInfinity);
    r.conditionNumber = dyn->conditionNumber();
    r.maxStableRate = dyn->maxStableLearningRate();
    r.lambdaMax = dyn->modeEigenvalues().size() ? dyn->modeEigenvalues()(0) : 0.0;
    // Frequency of each eigenvector: sign changes along x (points sorted), halved — a cos/sin pair of
    // frequency ν changes sign 2ν times on [0, 1).
    std::vector<Eigen::Index> order(static_cast<size_t>(m));
    std::iota(order.begin(), order.end(), Eigen::Index(0));
    std::sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) { return X(a, 0) < X(b, 0); });
    const Eigen::MatrixXd& V = dyn->modeVectors();
    r.cycles = Eigen::VectorXd::Zero(V.cols());
    for (Eigen::Index k = 0; k < V.cols(); ++k) {
      const double tiny = 1e-6 * V.col(k).cwiseAbs().maxCoeff();
      int changes = 0, lastSign = 0;
      for (Eigen::Index i : order) {
        const double v = V(i, k);
        if (std::abs(v) <= tiny) continue;
        const int s = v > 0 ? 1 : -1;
        if (lastSign && s != lastSign) ++changes;
        lastSign = s;
      }
      r.cycles(k) = std::ceil(changes / 2.0);
    }
    r.dynamics = std::move(dyn);
  }, &r.cancelled, &r.error);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

namespace {

/// Steps s = round(t/η), kept finite (t = ∞ handled by the caller).
long long gdSteps(double t, double eta) { return (long long)std::llround(std::min(t / eta, 1e15)); }

} // namespace

Prediction evaluateDynamics(const KernelDynamics& d, double t, bool gd, double eta, QString* failure)
{
  if (failure) failure->clear();
  try {
    if (!gd || !(eta > 0.0)) return d.test(t);
    if (std::isinf(t)) {
      // A stable step converges to the same limit as the flow; an unstable one diverges — show that at
      // the largest finite time of the slider.
      if (eta < d.maxStableLearningRate()) return d.test(kTimeInfinity);
      return d.testGd(eta, gdSteps(std::pow(10.0, kLogTimeMax), eta));
    }
    return d.testGd(eta, gdSteps(t, eta));
  } catch (const NtkError& e) {
    if (failure) *failure = QString::fromStdString(e.what());
    return {};
  }
}

namespace {

/// Mode residuals at t (flow) or after round(t/η) GD steps; NaN where gradient descent has overflowed.
Eigen::VectorXd residualsAt(const KernelDynamics& d, double t, bool gd, double eta)
{
  try {
    if (!gd || (std::isinf(t) && eta < d.maxStableLearningRate())) return d.modeResiduals(t);
    return d.modeResidualsGd(eta, gdSteps(std::isinf(t) ? std::pow(10.0, kLogTimeMax) : t, eta));
  } catch (const NumericalError&) {
    // The engine refuses outputs that overflow (η > 2/λ_max). For the plot, each mode's own factor
    // still says which modes blow up (±∞ there) — the engine's factor (KernelDynamics::modeResidualsGd):
    // r_k = (d_k + ridge·g_k) r_k(0), with d_k = (1 − ηλ_k)^s, g_k = (1 − d_k)/θ_k, θ_k = m·λ_k the
    // eigenvalue of Θ(X,X) + ridge. It is written d_k(1 − ρ_k) + ρ_k, ρ_k = ridge/θ_k < 1, so an
    // overflowed d_k gives ±∞ and not ∞ − ∞; the modes that do not overflow agree with the engine's
    // values to rounding.
    const Eigen::VectorXd r0 = d.initialModeResiduals();
    const Eigen::VectorXd& lambda = d.modeEigenvalues();
    const double s = double(gdSteps(std::isinf(t) ? std::pow(10.0, kLogTimeMax) : t, eta));
    const double m = double(d.trainSize()), ridge = d.ridgeAbsolute();
    Eigen::VectorXd r(r0.size());
    for (Eigen::Index k = 0; k < r0.size(); ++k) {
      const double decay = std::pow(1.0 - eta * lambda(k), s);
      const double rho = ridge > 0.0 && lambda(k) > 0.0 ? ridge / (m * lambda(k)) : 0.0;
      r(k) = (decay * (1.0 - rho) + rho) * r0(k);
    }
    return r;
  }
}

} // namespace

ModeResidualData modeResidualData(const DynamicsBuild& build, double t, bool gd, double eta)
{
  ModeResidualData out;
  out.currentTime = t;
  if (!build.dynamics) return out;
  const KernelDynamics& d = *build.dynamics;
  // The leading modes the target excites: a mode with r_k(0) = 0 (e.g. the cosine of a pair when the
  // target is a sum of sines) has nothing to show.
  const Eigen::VectorXd r0 = d.initialModeResiduals();
  const double r0max = r0.size() ? r0.cwiseAbs().maxCoeff() : 0.0;
  for (Eigen::Index k = 0; k < r0.size() && int(out.modeIndex.size()) < kShownModes; ++k)
    if (std::abs(r0(k)) > 1e-6 * r0max) out.modeIndex.push_back(int(k));
  for (Eigen::Index k = 0; out.modeIndex.empty() && k < std::min<Eigen::Index>(kShownModes, r0.size()); ++k)
    out.modeIndex.push_back(int(k));
  const int shown = int(out.modeIndex.size());
  const int samples = 181;
  out.times = Eigen::VectorXd(samples);
  for (int i = 0; i < samples; ++i) out.times(i) = std::pow(10.0, kLogTimeMin + (kLogTimeMax - kLogTimeMin) * i / (samples - 1));
  out.residuals.assign(size_t(shown), Eigen::VectorXd::Zero(samples));
  const bool useGd = gd && eta > 0.0;
  for (int i = 0; i < samples; ++i) {
    const Eigen::VectorXd r = residualsAt(d, out.times(i), useGd, eta);
    for (int k = 0; k < shown; ++k) out.residuals[size_t(k)](i) = std::abs(r(out.modeIndex[size_t(k)]));
  }
  const Eigen::VectorXd now = residualsAt(d, t, useGd, eta);
  for (int j = 0; j < shown; ++j) {
    const int k = out.modeIndex[size_t(j)];
    out.eigenvalues.push_back(d.modeEigenvalues()(k));
    out.cycles.push_back(k < build.cycles.size() ? build.cycles(k) : NAN);
    const double a0 = std::abs(r0(k));
    out.remaining.push_back(a0 > 1e-10 * std::max(r0max, 1e-300) ? std::abs(now(k)) / a0 : NAN);
  }
  out.title = QObject::tr("Residual per mode of H: r_k(t) = %1 · r_k(0)")
                  .arg(useGd ? QStringLiteral("(1 − ηλ_k)^s") : QStringLiteral("e^(−λ_k t)"));
  return out;
}

QString formatTime(double t)
{
  if (std::isinf(t)) return QStringLiteral("∞");
  if (t >= 1e4 || t < 1e-2) return QString::number(t, 'e', 2);
  return QString::number(t, 'g', 3);
}

RegressionPlotData regressionPlotData(const Eigen::VectorXd& target, const std::vector<TrainingPoint>& points,
                                      const DynamicsBuild* build, const Prediction* now, KernelKind kind, double t, bool gd,
                                      double eta)
{
  RegressionPlotData d;
  d.x = dynamicsTestGrid();
  d.target = target;
  double lo = target.size() ? target.minCoeff() : -1.0, hi = target.size() ? target.maxCoeff() : 1.0;
  for (const TrainingPoint& pt : points) {
    d.points.emplace_back(pt.x, pt.y);
    lo = std::min(lo, pt.y);
    hi = std::max(hi, pt.y);
  }
  // Fixed from target and points only, so the axes stay put while t changes.
  // More room on top: the legend sits there.
  d.yMin = lo - std::max(0.5, 0.3 * (hi - lo));
  d.yMax = hi + std::max(0.7, 0.5 * (hi - lo));
  const QString gp = kind == KernelKind::Ntk ? QStringLiteral("NTK-GP") : QStringLiteral("NNGP");
  const bool useGd = gd && eta > 0.0;
  if (useGd && !std::isinf(t))
    d.title = QObject::tr("%1 after s = %2 GD steps (η = %3, t = ηs = %4)")
                  .arg(gp)
                  .arg(qlonglong(std::llround(std::min(t / eta, 1e15))))
                  .arg(eta, 0, 'g', 3)
                  .arg(formatTime(t));
  else
    d.title = QObject::tr("%1 posterior of gradient %2 at t = %3").arg(gp, useGd ? QObject::tr("descent") : QObject::tr("flow"), formatTime(t));
  d.meanName = QObject::tr("mean μ_t");
  d.bandName = QObject::tr("μ_t ± 2σ_t (%1)").arg(gp);
  d.limitName = QObject::tr("t = ∞ (kernel regression)");
  if (build && build->dynamics && build->limit.mean.size() == d.x.size()) d.limitMean = build->limit.mean;
  if (now && now->mean.size() == d.x.size()) {
    d.mean = now->mean;
    d.variance = now->variance;
    if (!now->mean.allFinite())
      d.warning = QObject::tr("Gradient descent diverges: η = %1 > 2/λ_max = %2").arg(eta, 0, 'g', 3).arg(build ? build->maxStableRate : 0.0, 0, 'g', 3);
  }
  return d;
}

void paintDynamicsFigure(QPainter& p, const QRectF& rect, const DynamicsFigure& figure)
{
  const double em = std::max(10.0, rect.height() / 40.0);
  const QRectF left(rect.left(), rect.top(), rect.width() * 0.52, rect.height());
  const QRectF right(rect.left() + rect.width() * 0.52, rect.top(), rect.width() * 0.48, rect.height());
  paintRegressionFigure(p, left, figure.regression, em);
  paintModeResidualFigure(p, right, figure.residuals, em);
}

bool computeDynamicsFigure(const Network& net, const DynamicsFigureOptions& o, DynamicsFigure* figure, QString* error)
{
  Network net1d;
  QString note, reason;
  if (!oneDimensionalNetwork(net, &net1d, &note, &reason)) {
    figure->regression = RegressionPlotData{};
    figure->regression.message = reason;
    figure->residuals = ModeResidualData{};
    figure->residuals.message = reason;
    if (error) *error = reason;
    return false;
  }
  const Eigen::VectorXd grid = dynamicsTestGrid();
  Eigen::VectorXd target(grid.size());
  for (Eigen::Index i = 0; i < grid.size(); ++i) target(i) = presetTargetValue(o.preset, grid(i));
  std::vector<TrainingPoint> points = sampleTrainingX(o.points, o.random, o.seed);
  for (TrainingPoint& pt : points) pt.y = presetTargetValue(o.preset, pt.x);
  const DynamicsBuild build = buildDynamics(net1d, o.kind, points, o.ridge);
  if (!build.dynamics) {
    const QString why = build.error.isEmpty() ? QStringLiteral("cancelled") : build.error;
    figure->regression = regressionPlotData(target, points, nullptr, nullptr, o.kind, o.time, false, 0.0);
    figure->regression.warning = why;
    figure->residuals = ModeResidualData{};
    figure->residuals.message = why;
    if (error) *error = why;
    return false;
  }
  const Prediction now = evaluateDynamics(*build.dynamics, o.time, false, 0.0);
  figure->regression = regressionPlotData(target, points, &build, &now, o.kind, o.time, false, 0.0);
  figure->residuals = modeResidualData(build, o.time, false, 0.0);
  return true;
}

} // namespace ntk::gui
