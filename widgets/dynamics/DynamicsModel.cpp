// DynamicsModel.cpp — data sets, builds, evaluations and plot data of the dynamics view (DynamicsModel.h).
#include "widgets/dynamics/DynamicsModel.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <random>

#include <QPainter>

#include "core/util/Errors.h"
#include "core/util/SeededNormal.h"
#include "widgets/common/PanelJob.h"

namespace ntk::gui {

int datasetInputDim(DynamicsDataset dataset) { return int(dataset) >= int(DynamicsDataset::Circle) ? 2 : 1; }

PlaygroundDataset planeDataset(DynamicsDataset dataset)
{
  switch (dataset) {
  case DynamicsDataset::Xor: return PlaygroundDataset::Xor;
  case DynamicsDataset::Gaussians: return PlaygroundDataset::Gaussians;
  case DynamicsDataset::Spiral: return PlaygroundDataset::Spiral;
  default: return PlaygroundDataset::Circle;
  }
}

QString datasetLabel(DynamicsDataset dataset)
{
  switch (dataset) {
  case DynamicsDataset::SumOfSines: return QObject::tr("sum of sines (1-D)");
  case DynamicsDataset::Step: return QObject::tr("step (1-D)");
  case DynamicsDataset::UserDrawn: return QObject::tr("user-drawn (1-D)");
  case DynamicsDataset::Circle: return QObject::tr("circle (2-D)");
  case DynamicsDataset::Xor: return QObject::tr("xor (2-D)");
  case DynamicsDataset::Gaussians: return QObject::tr("two Gaussians (2-D)");
  case DynamicsDataset::Spiral: return QObject::tr("spiral (2-D)");
  }
  return {};
}

Eigen::VectorXd dynamicsTestGrid()
{
  return Eigen::VectorXd::LinSpaced(kDynamicsTestPoints, 0.0, double(kDynamicsTestPoints - 1) / kDynamicsTestPoints);
}

Eigen::MatrixXd planeTestGrid()
{
  Eigen::MatrixXd grid(kPlaneGrid * kPlaneGrid, 2);
  for (int iy = 0; iy < kPlaneGrid; ++iy)
    for (int ix = 0; ix < kPlaneGrid; ++ix)
      grid.row(iy * kPlaneGrid + ix) = Eigen::RowVector2d((ix + 0.5) / kPlaneGrid, (iy + 0.5) / kPlaneGrid);
  return grid;
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

int heldOutCount(int trainCount, int trainPercent)
{
  if (trainPercent <= 0 || trainPercent >= 100 || trainCount <= 0) return 0;
  return int(std::lround(double(trainCount) * (100 - trainPercent) / trainPercent));
}

PointSet sampleLineData(int count, bool random, int trainPercent, double noiseStd, std::uint64_t seed)
{
  PointSet s;
  s.train = sampleTrainingX(count, random, seed);
  // The held-out x's and the noise from streams of their own: the training x's stay as they were.
  s.test = sampleTrainingX(heldOutCount(count, trainPercent), true, seed ^ 0x9e3779b97f4a7c15ULL);
  SeededNormal noise(seed ^ 0x5851f42d4c957f2dULL);
  for (auto* set : {&s.train, &s.test})
    for (TrainingPoint& pt : *set) pt.noise = noiseStd * noise();
  return s;
}

void refreshLineTargets(std::vector<TrainingPoint>& points, TargetPreset preset, const Eigen::VectorXd& drawnTarget)
{
  for (TrainingPoint& pt : points)
    if (pt.onTarget)
      pt.y = (preset == TargetPreset::UserDrawn ? interpolateOnTestGrid(drawnTarget, pt.x) : presetTargetValue(preset, pt.x)) +
             pt.noise;
}

PointSet samplePlaneData(PlaygroundDataset dataset, int count, int trainPercent, double noiseStd, std::uint64_t seed)
{
  const int total = count + heldOutCount(count, trainPercent);
  // The share that gives exactly `count` training points; a single point cannot be a data set of TF's.
  const PlaygroundSample s = samplePlaygroundData(dataset, std::max(total, 2), noiseStd,
                                                  std::min(double(count) / std::max(total, 2), std::nextafter(1.0, 0.0)), seed);
  PointSet out;
  auto convert = [](const Eigen::MatrixXd& X, const Eigen::VectorXd& Y, const Eigen::VectorXd& C) {
    std::vector<TrainingPoint> v(size_t(X.rows()));
    for (Eigen::Index i = 0; i < X.rows(); ++i) {
      TrainingPoint& pt = v[size_t(i)];
      pt.x = X(i, 0);
      pt.x2 = X(i, 1);
      pt.label = C(i);
      pt.y = Y(i);
      pt.noise = Y(i) - C(i);
      pt.onTarget = false;
    }
    return v;
  };
  out.train = convert(s.trainX, s.trainY, s.trainLabel);
  out.test = convert(s.testX, s.testY, s.testLabel);
  return out;
}

QString networkRequirementReason(const Network& net, int inputDim)
{
  if (net.inputDim != inputDim) {
    return inputDim == 2
               ? QObject::tr("The 2-D data sets need a network with input_dim 2; this network has input_dim %1.\n"
                             "Set input_dim to 2 in the Network dock (or choose a 1-D data set).")
                     .arg(net.inputDim)
               : QObject::tr("The 1-D targets need a network with input_dim 1; this network has input_dim %1.\n"
                             "Set input_dim to 1 in the Network dock (or choose a 2-D data set).")
                     .arg(net.inputDim);
  }
  try {
    net.validate();
  } catch (const NtkError& e) {
    return QObject::tr("The network cannot be trained: %1").arg(QString::fromStdString(e.what()));
  }
  return {};
}

namespace {

Eigen::MatrixXd inputsOf(const std::vector<TrainingPoint>& points, int inputDim)
{
  Eigen::MatrixXd X(Eigen::Index(points.size()), inputDim);
  for (size_t i = 0; i < points.size(); ++i) {
    X(Eigen::Index(i), 0) = points[i].x;
    if (inputDim == 2) X(Eigen::Index(i), 1) = points[i].x2;
  }
  return X;
}

Eigen::VectorXd targetsOf(const std::vector<TrainingPoint>& points)
{
  Eigen::VectorXd Y(Eigen::Index(points.size()));
  for (size_t i = 0; i < points.size(); ++i) Y(Eigen::Index(i)) = points[i].y;
  return Y;
}

/// Per mode of a 1-D build: sign changes of its eigenvector along x (points sorted), halved — a cos/sin
/// pair of frequency ν changes sign 2ν times on [0, 1).
Eigen::VectorXd eigenvectorCycles(const KernelDynamics& d, const Eigen::MatrixXd& X)
{
  const Eigen::Index m = X.rows();
  std::vector<Eigen::Index> order(static_cast<size_t>(m));
  std::iota(order.begin(), order.end(), Eigen::Index(0));
  std::sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) { return X(a, 0) < X(b, 0); });
  const Eigen::MatrixXd& V = d.modeVectors();
  Eigen::VectorXd cycles = Eigen::VectorXd::Zero(V.cols());
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
    cycles(k) = std::ceil(changes / 2.0);
  }
  return cycles;
}

/// The plotting grid's rows of a prediction on [held-out points; grid].
Prediction gridPart(const Prediction& all, Eigen::Index heldOut)
{
  Prediction out;
  out.mean = all.mean.tail(all.mean.size() - heldOut);
  if (all.variance.size()) out.variance = all.variance.tail(all.variance.size() - heldOut);
  return out;
}

/// Steps of GD at t; t = ∞ (an unstable step: shown at the slider's largest finite time).
long long stepsAt(double t, double eta) { return gradientDescentSteps(std::isinf(t) ? std::pow(10.0, kLogTimeMax) : t, eta); }

/// Θ(X,X) + ridge = m·V diag(λ) Vᵀ from the decomposition the dynamics keep (no second Gram).
Eigen::MatrixXd trainingGram(const KernelDynamics& d)
{
  const Eigen::MatrixXd& V = d.modeVectors();
  return double(d.trainSize()) * V * d.modeEigenvalues().asDiagonal() * V.transpose();
}

} // namespace

DynamicsBuild buildDynamics(const Network& net, KernelKind kind, const PointSet& points, int inputDim, double ridge,
                            const JobControl& job)
{
  DynamicsBuild r;
  r.inputDim = inputDim;
  const auto t0 = std::chrono::steady_clock::now();
  catchJobErrors([&] {
    if (points.train.empty()) throw InputError("no training points");
    const Eigen::MatrixXd X = inputsOf(points.train, inputDim);
    const Eigen::MatrixXd grid = inputDim == 2 ? planeTestGrid() : Eigen::MatrixXd(dynamicsTestGrid());
    Eigen::MatrixXd Xtest(Eigen::Index(points.test.size()) + grid.rows(), inputDim);
    Xtest.topRows(Eigen::Index(points.test.size())) = inputsOf(points.test, inputDim);
    Xtest.bottomRows(grid.rows()) = grid;
    auto dyn = std::make_shared<KernelDynamics>(net, kind, X, targetsOf(points.train), Xtest, ridge, job);
    job.checkCancelled();
    r.heldOut = Eigen::Index(points.test.size());
    r.testTargets = targetsOf(points.test);
    if (inputDim == 1) {
      r.limit = gridPart(dyn->test(kTimeInfinity), r.heldOut);
      r.cycles = eigenvectorCycles(*dyn, X);
    }
    r.conditionNumber = dyn->conditionNumber();
    r.maxStableRate = dyn->maxStableLearningRate();
    r.lambdaMax = dyn->modeEigenvalues().size() ? dyn->modeEigenvalues()(0) : 0.0;
    r.theory = kernelTheoryReadouts(trainingGram(*dyn), targetsOf(points.train));
    r.hasTheory = true;
    r.dynamics = std::move(dyn);
  }, &r.cancelled, &r.error);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

DynamicsBuild buildDynamics(const Network& net, KernelKind kind, const std::vector<TrainingPoint>& points, double ridge,
                            const JobControl& job)
{
  return buildDynamics(net, kind, PointSet{points, {}}, 1, ridge, job);
}

Prediction evaluateDynamics(const DynamicsBuild& b, double t, bool gd, double eta, QString* failure)
{
  if (failure) failure->clear();
  if (!b.dynamics) return {};
  const KernelDynamics& d = *b.dynamics;
  const Eigen::Index gridRows = d.testSize() - b.heldOut;
  // A stable step converges to the same limit as the flow; an unstable one diverges — shown at the
  // largest finite time of the slider.
  const bool flow = !gd || !(eta > 0.0) || (std::isinf(t) && eta < d.maxStableLearningRate());
  try {
    if (b.inputDim == 2) {
      Prediction p;
      p.mean = flow ? d.testMeanRows(t, b.heldOut, gridRows) : d.testMeanRowsGd(eta, stepsAt(t, eta), b.heldOut, gridRows);
      return p;
    }
    return gridPart(flow ? d.test(t) : d.testGd(eta, stepsAt(t, eta)), b.heldOut);
  } catch (const NtkError& e) {
    if (failure) *failure = QString::fromStdString(e.what());
    return {};
  }
}

namespace {

/// Mode residuals at t (flow) or after round(t/η) GD steps; ±∞ where gradient descent has overflowed.
Eigen::VectorXd residualsAt(const KernelDynamics& d, double t, bool gd, double eta)
{
  try {
    if (!gd || (std::isinf(t) && eta < d.maxStableLearningRate())) return d.modeResiduals(t);
    return d.modeResidualsGd(eta, stepsAt(t, eta));
  } catch (const NumericalError&) {
    // The engine refuses outputs that overflow (η > 2/λ_max). For the plot, each mode's own factor
    // still says which modes blow up (±∞ there) — the engine's factor (KernelDynamics::modeResidualsGd):
    // r_k = (d_k + ridge·g_k) r_k(0), with d_k = (1 − ηλ_k)^s, g_k = (1 − d_k)/θ_k, θ_k = m·λ_k the
    // eigenvalue of Θ(X,X) + ridge. It is written d_k(1 − ρ_k) + ρ_k, ρ_k = ridge/θ_k < 1, so an
    // overflowed d_k gives ±∞ and not ∞ − ∞; the modes that do not overflow agree with the engine's
    // values to rounding.
    const Eigen::VectorXd r0 = d.initialModeResiduals();
    const Eigen::VectorXd& lambda = d.modeEigenvalues();
    const double s = double(stepsAt(t, eta));
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

/// The leading modes the data excite: a mode with r_k(0) = 0 (e.g. the cosine of a pair when the
/// target is a sum of sines) has nothing to show.
std::vector<int> excitedModes(const Eigen::VectorXd& r0)
{
  std::vector<int> shown;
  const double r0max = r0.size() ? r0.cwiseAbs().maxCoeff() : 0.0;
  for (Eigen::Index k = 0; k < r0.size() && int(shown.size()) < kShownModes; ++k)
    if (std::abs(r0(k)) > 1e-6 * r0max) shown.push_back(int(k));
  for (Eigen::Index k = 0; shown.empty() && k < std::min<Eigen::Index>(kShownModes, r0.size()); ++k) shown.push_back(int(k));
  return shown;
}

} // namespace

ModeResidualData modeResidualData(const DynamicsBuild& build, double t, bool gd, double eta)
{
  ModeResidualData out;
  out.currentTime = t;
  if (!build.dynamics) return out;
  const KernelDynamics& d = *build.dynamics;
  const Eigen::VectorXd r0 = d.initialModeResiduals();
  const double r0max = r0.size() ? r0.cwiseAbs().maxCoeff() : 0.0;
  out.modeIndex = excitedModes(r0);
  const int shown = int(out.modeIndex.size());
  out.times = logTimeGrid(kLogTimeMin, kLogTimeMax, kCurveSamples);
  out.residuals.assign(size_t(shown), Eigen::VectorXd::Zero(kCurveSamples));
  const bool useGd = gd && eta > 0.0;
  for (int i = 0; i < kCurveSamples; ++i) {
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

LossPlotData lossPlotData(const DynamicsBuild& build, double t, bool gd, double eta)
{
  LossPlotData out;
  out.currentTime = t;
  if (!build.dynamics) return out;
  const KernelDynamics& d = *build.dynamics;
  const bool useGd = gd && eta > 0.0;
  const LossCurve c = lossCurve(d, logTimeGrid(kLogTimeMin, kLogTimeMax, kCurveSamples), build.testTargets, useGd, eta);
  out.times = c.times;
  out.train = c.train;
  out.test = c.test;
  setLossTime(out, build, t, gd, eta);
  out.title = build.heldOut > 0 ? QObject::tr("Loss (1/2m) Σ (f − y)²: %1 train, %2 test points")
                                      .arg(d.trainSize())
                                      .arg(build.heldOut)
                                : QObject::tr("Loss (1/2m) Σ (f − y)² on %1 train points").arg(d.trainSize());
  return out;
}

void setLossTime(LossPlotData& out, const DynamicsBuild& build, double t, bool gd, double eta)
{
  out.currentTime = t;
  if (!build.dynamics) return;
  const KernelDynamics& d = *build.dynamics;
  const bool useGd = gd && eta > 0.0;
  // An unstable step at t = ∞ is shown at the largest finite time, as the prediction is.
  const double tNow = useGd && std::isinf(t) && !(eta < d.maxStableLearningRate()) ? std::pow(10.0, kLogTimeMax) : t;
  out.currentTrain = trainLoss(d, tNow, useGd, eta);
  out.currentTest = build.heldOut > 0 ? testLoss(d, build.testTargets, tNow, useGd, eta) : NAN;
}

QString formatTime(double t)
{
  if (std::isinf(t)) return QStringLiteral("∞");
  if (t >= 1e4 || t < 1e-2) return QString::number(t, 'e', 2);
  return QString::number(t, 'g', 3);
}

QString timeDescription(double t, bool gd, double eta)
{
  if (gd && eta > 0.0 && !std::isinf(t))
    return QObject::tr("after s = %1 GD steps (η = %2, t = ηs = %3)")
        .arg(qlonglong(gradientDescentSteps(t, eta)))
        .arg(eta, 0, 'g', 3)
        .arg(formatTime(t));
  return QObject::tr("of gradient %1 at t = %2").arg(gd ? QObject::tr("descent") : QObject::tr("flow"), formatTime(t));
}

namespace {

std::vector<QPointF> positions(const std::vector<TrainingPoint>& points)
{
  std::vector<QPointF> out;
  out.reserve(points.size());
  for (const TrainingPoint& pt : points) out.emplace_back(pt.x, pt.y);
  return out;
}

std::vector<PlanePoint> planePoints(const std::vector<TrainingPoint>& points)
{
  std::vector<PlanePoint> out;
  out.reserve(points.size());
  for (const TrainingPoint& pt : points) out.push_back({QPointF(pt.x, pt.x2), pt.label});
  return out;
}

} // namespace

RegressionPlotData regressionPlotData(const Eigen::VectorXd& target, const PointSet& points, const DynamicsBuild* build,
                                      const Prediction* now, KernelKind kind, double t, bool gd, double eta)
{
  RegressionPlotData d;
  d.x = dynamicsTestGrid();
  d.target = target;
  d.points = positions(points.train);
  d.testPoints = positions(points.test);
  double lo = target.size() ? target.minCoeff() : -1.0, hi = target.size() ? target.maxCoeff() : 1.0;
  for (const auto* set : {&d.points, &d.testPoints})
    for (const QPointF& pt : *set) {
      lo = std::min(lo, pt.y());
      hi = std::max(hi, pt.y());
    }
  // Fixed from target and points only, so the axes stay put while t changes.
  // More room on top: the legend sits there.
  d.yMin = lo - std::max(0.5, 0.3 * (hi - lo));
  d.yMax = hi + std::max(0.7, 0.5 * (hi - lo));
  const QString gp = kind == KernelKind::Ntk ? QStringLiteral("NTK-GP") : QStringLiteral("NNGP");
  const bool useGd = gd && eta > 0.0;
  d.title = QObject::tr("%1 posterior %2").arg(gp, timeDescription(t, useGd, eta));
  d.meanName = QObject::tr("mean μ_t");
  d.bandName = QObject::tr("μ_t ± 2σ_t (%1)").arg(gp);
  d.limitName = QObject::tr("t = ∞ (kernel regression)");
  if (build && build->dynamics && build->limit.mean.size() == d.x.size()) d.limitMean = build->limit.mean;
  if (now && now->mean.size() == d.x.size()) {
    d.mean = now->mean;
    d.variance = now->variance;
  }
  return d;
}

PlanePlotData planePlotData(const PointSet& points, const Prediction* now, KernelKind kind, double t, bool gd, double eta)
{
  PlanePlotData d;
  d.train = planePoints(points.train);
  d.test = planePoints(points.test);
  if (now && now->mean.size() == Eigen::Index(kPlaneGrid) * kPlaneGrid) {
    d.grid = kPlaneGrid;
    d.values = now->mean;
  }
  const QString gp = kind == KernelKind::Ntk ? QStringLiteral("NTK-GP") : QStringLiteral("NNGP");
  d.title = QObject::tr("%1 mean f_t(x) %2").arg(gp, timeDescription(t, gd && eta > 0.0, eta));
  return d;
}

void paintDynamicsFigure(QPainter& p, const QRectF& rect, const DynamicsFigure& figure)
{
  const double em = std::max(10.0, rect.height() / 40.0);
  const double leftW = rect.width() * 0.5;
  const QRectF left(rect.left(), rect.top(), leftW, rect.height());
  const QRectF loss(rect.left() + leftW, rect.top(), rect.width() - leftW, rect.height() * 0.42);
  const QRectF residuals(loss.left(), loss.bottom(), loss.width(), rect.height() - loss.height());
  if (figure.inputDim == 2)
    paintPlaneFigure(p, left, figure.plane, em);
  else
    paintRegressionFigure(p, left, figure.regression, em);
  paintLossFigure(p, loss, figure.loss, em);
  paintModeResidualFigure(p, residuals, figure.residuals, em);
}

bool computeDynamicsFigure(const Network& net, const DynamicsFigureOptions& o, DynamicsFigure* figure, QString* error)
{
  *figure = DynamicsFigure{};
  auto fail = [&](const QString& why) {
    figure->regression.message = why;
    figure->loss.message = why;
    figure->residuals.message = why;
    if (error) *error = why;
    return false;
  };
  if (const QString reason = networkRequirementReason(net, 1); !reason.isEmpty()) return fail(reason);
  const Eigen::VectorXd grid = dynamicsTestGrid();
  Eigen::VectorXd target(grid.size());
  for (Eigen::Index i = 0; i < grid.size(); ++i) target(i) = presetTargetValue(o.preset, grid(i));
  PointSet points = sampleLineData(o.points, o.random, o.trainPercent, o.noise, o.seed);
  refreshLineTargets(points.train, o.preset, target);
  refreshLineTargets(points.test, o.preset, target);
  const DynamicsBuild build = buildDynamics(net, o.kind, points, 1, o.ridge);
  figure->points = points;
  figure->maxStableRate = build.maxStableRate;
  if (!build.dynamics) {
    const QString why = build.error.isEmpty() ? QStringLiteral("cancelled") : build.error;
    fail(why);
    figure->regression = regressionPlotData(target, points, nullptr, nullptr, o.kind, o.time, false, 0.0);
    figure->regression.warning = why;
    return false;
  }
  const Prediction now = evaluateDynamics(build, o.time, false, 0.0);
  figure->regression = regressionPlotData(target, points, &build, &now, o.kind, o.time, false, 0.0);
  figure->loss = lossPlotData(build, o.time, false, 0.0);
  figure->residuals = modeResidualData(build, o.time, false, 0.0);
  return true;
}

} // namespace ntk::gui
