// RegimesModel.cpp — both parameterisations trained (core trainFiniteNetworks), tabulated and painted.
#include "widgets/finite/RegimesModel.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <QObject>
#include <QPainter>
#include <QStringList>

#include "core/finite/KernelTheoryReadouts.h"
#include "core/kernels/NtkGram.h"
#include "core/util/Errors.h"
#include "widgets/common/FigurePainter.h"
#include "widgets/dynamics/DynamicsModel.h"
#include "widgets/finite/FiniteOverlay.h"

namespace ntk::gui {

namespace {

Network withParameterization(Network net, Parameterization p)
{
  net.parameterization = p;
  return net;
}

double quantityOf(const TrainingRecord& r, RegimesQuantity q)
{
  return q == RegimesQuantity::KernelDistance ? r.kernelDistance : r.weightChange;
}

/// Mean of `q` over the runs of `width` that recorded `step` (NaN when none did).
double meanAt(const std::vector<TrainingRun>& runs, int width, long long step, RegimesQuantity q)
{
  double sum = 0.0;
  int count = 0;
  for (const TrainingRun& r : runs) {
    if (r.width != width || r.linearised) continue;
    for (const TrainingRecord& rec : r.records)
      if (rec.step == step) {
        sum += quantityOf(rec, q);
        ++count;
      }
  }
  return count ? sum / count : std::numeric_limits<double>::quiet_NaN();
}

} // namespace

RegimesResult computeRegimes(const Network& net, const RegimesSettings& s, const JobFlags& flags)
{
  if (net.inputDim != 1)
    throw InputError("the regimes view trains on the 1-D target: the network needs input_dim 1 (it has " +
                     std::to_string(net.inputDim) + ")");
  if (!(s.etaFraction > 0.0) || !std::isfinite(s.etaFraction)) throw InputError("the learning-rate fraction must be > 0");
  if (s.points < 2) throw InputError("at least 2 training points");
  RegimesResult r;
  r.settings = s;
  Eigen::MatrixXd X(s.points, 1);
  Eigen::VectorXd Y(s.points);
  for (int i = 0; i < s.points; ++i) {
    X(i, 0) = double(i) / s.points;
    Y(i) = presetTargetValue(TargetPreset::SumOfSines, X(i, 0));
  }
  const Network ntkNet = withParameterization(net, Parameterization::Ntk);
  const Eigen::MatrixXd theta = kernelMatrix(ntkNet, X, nullptr, KernelKind::Ntk, flags.control(0.0, 0.02));
  const KernelTheoryReadouts readouts = kernelTheoryReadouts(theta, Y);
  r.lambdaMax = readouts.lambdaMax;
  r.ntkLearningRate = s.etaFraction * readouts.maxStableLearningRate;
  TrainingRunsOptions o;
  o.widths = s.widths;
  o.seeds = s.seeds;
  o.learningRate = r.ntkLearningRate;
  o.steps = s.steps;
  o.recordEvery = s.recordEvery;
  r.ntk = trainFiniteNetworks(ntkNet, X, Y, X, o, flags.control(0.02, 0.49));
  o.learningRateOverWidth = true; // η/n: the same η·n in the standard parameterisation
  r.standard = trainFiniteNetworks(withParameterization(net, Parameterization::Standard), X, Y, X, o, flags.control(0.51, 0.49));
  return r;
}

std::vector<long long> regimesRecordSteps(const RegimesSettings& s)
{
  std::vector<long long> steps;
  for (long long step = 0; step < s.steps; step += std::max(1LL, s.recordEvery)) steps.push_back(step);
  steps.push_back(s.steps);
  return steps;
}

Eigen::MatrixXd regimesTable(const std::vector<TrainingRun>& runs, const std::vector<int>& widths, RegimesQuantity q,
                             const std::vector<long long>& steps)
{
  Eigen::MatrixXd table(Eigen::Index(steps.size()), Eigen::Index(widths.size()) + 1);
  for (size_t i = 0; i < steps.size(); ++i) {
    table(Eigen::Index(i), 0) = double(steps[i]);
    for (size_t j = 0; j < widths.size(); ++j)
      table(Eigen::Index(i), Eigen::Index(j) + 1) = meanAt(runs, widths[j], steps[i], q);
  }
  return table;
}

namespace {

/// The finite, positive entries of column `col` (a log axis) with their steps.
PlotSeries widthSeries(const Eigen::MatrixXd& table, Eigen::Index col, const QString& name, const QColor& color)
{
  std::vector<double> xs, ys;
  // From the first step on: at step 0 both quantities are 0 by definition (any other value is rounding).
  for (Eigen::Index i = 0; i < table.rows(); ++i)
    if (table(i, 0) > 0.0 && std::isfinite(table(i, col)) && table(i, col) > 0.0) {
      xs.push_back(table(i, 0));
      ys.push_back(table(i, col));
    }
  PlotSeries s;
  s.name = name;
  s.color = color;
  s.x = Eigen::Map<Eigen::VectorXd>(xs.data(), Eigen::Index(xs.size()));
  s.y = Eigen::Map<Eigen::VectorXd>(ys.data(), Eigen::Index(ys.size()));
  s.lineWidth = 1.4;
  return s;
}

/// A red marker at the last value of `width`'s curve when one of its runs diverged.
std::optional<PlotSeries> divergenceMarker(const std::vector<TrainingRun>& runs, int width, const PlotSeries& curve)
{
  long long at = -1;
  for (const TrainingRun& r : runs)
    if (r.width == width && r.diverged) at = at < 0 ? r.divergedAtStep : std::min(at, r.divergedAtStep);
  if (at < 0) return std::nullopt;
  PlotSeries m;
  m.name = QObject::tr("diverged (η > 2/λ_max)");
  m.color = QColor(200, 0, 0);
  m.style = SeriesStyle::Markers;
  m.marker = MarkerShape::TriangleUp;
  m.lineWidth = 2.0;
  const double y = curve.y.size() ? curve.y(curve.y.size() - 1) : 1.0;
  m.x = Eigen::VectorXd::Constant(1, double(at));
  m.y = Eigen::VectorXd::Constant(1, y);
  return m;
}

/// The data's view with room below the lowest curve (log10 units): the legend sits there, off the curves.
std::optional<AxisRange> regimesCellRange(const std::vector<PlotSeries>& series)
{
  double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
  for (const PlotSeries& s : series)
    for (Eigen::Index i = 0; i < s.y.size(); ++i) {
      xlo = std::min(xlo, s.x(i));
      xhi = std::max(xhi, s.x(i));
      ylo = std::min(ylo, std::log10(s.y(i)));
      yhi = std::max(yhi, std::log10(s.y(i)));
    }
  if (!(xhi > xlo) || !std::isfinite(ylo)) return std::nullopt;
  const double span = std::max(0.3, yhi - ylo);
  return AxisRange{xlo, xhi, ylo - 0.6 * span, yhi + 0.05 * span};
}

/// One cell's curves: a curve per width, and a ▲ where a run diverged (named in the legend once).
std::vector<PlotSeries> regimesSeries(const RegimesResult& r, bool standard, RegimesQuantity q)
{
  const std::vector<int>& widths = r.settings.widths;
  const std::vector<TrainingRun>& runs = standard ? r.standard : r.ntk;
  const Eigen::MatrixXd table = regimesTable(runs, widths, q, regimesRecordSteps(r.settings));
  std::vector<PlotSeries> series;
  bool markerNamed = false;
  for (size_t j = 0; j < widths.size(); ++j) {
    PlotSeries curve = widthSeries(table, Eigen::Index(j) + 1, QObject::tr("n = %1").arg(widths[j]), widthColor(int(j)));
    std::optional<PlotSeries> marker = divergenceMarker(runs, widths[j], curve);
    series.push_back(std::move(curve));
    if (marker) {
      marker->inLegend = !markerNamed;
      markerNamed = true;
      series.push_back(std::move(*marker));
    }
  }
  return series;
}

void paintRegimesCell(QPainter& p, const QRectF& rect, const RegimesResult& r, bool standard, RegimesQuantity q,
                      const std::vector<PlotSeries>& series, const std::optional<AxisRange>& range, double em)
{
  PlotOptions o;
  o.title = standard ? QObject::tr("standard parameterisation, η/n (the same η·n)")
                     : QObject::tr("NTK parameterisation, η = %1").arg(r.ntkLearningRate, 0, 'g', 3);
  o.xTitle = QObject::tr("GD step s (t = s·η)");
  o.yTitle = q == RegimesQuantity::KernelDistance ? QObject::tr("kernel distance ρ(Θ₀, Θ_t)") : QObject::tr("‖θ_t − θ₀‖ / ‖θ₀‖");
  o.logY = true;
  o.em = em;
  o.range = range;
  paintPlot(p, rect, series, o);
}

} // namespace

void paintRegimesFigure(QPainter& p, const QRectF& rect, const RegimesResult& r, double em, const QString& message)
{
  p.save();
  p.fillRect(rect, Qt::white);
  if (!message.isEmpty() || r.ntk.empty()) {
    paintFigureMessage(p, rect.adjusted(em, em, -em, -em), message.isEmpty() ? QObject::tr("computing…") : message, em);
    p.restore();
    return;
  }
  const double w = rect.width() / 2, h = rect.height() / 2;
  for (int row = 0; row < 2; ++row) {
    // The two parameterisations of a row share one axis range, so their curves compare at a glance.
    const RegimesQuantity q = row == 0 ? RegimesQuantity::KernelDistance : RegimesQuantity::WeightChange;
    const std::vector<PlotSeries> ntk = regimesSeries(r, false, q), standard = regimesSeries(r, true, q);
    std::vector<PlotSeries> both = ntk;
    both.insert(both.end(), standard.begin(), standard.end());
    const std::optional<AxisRange> range = regimesCellRange(both);
    paintRegimesCell(p, QRectF(rect.left(), rect.top() + row * h, w, h), r, false, q, ntk, range, em);
    paintRegimesCell(p, QRectF(rect.left() + w, rect.top() + row * h, w, h), r, true, q, standard, range, em);
  }
  p.restore();
}

QString regimesDivergenceText(const RegimesResult& r)
{
  QStringList parts;
  if (const QString t = divergedWidthsText(r.ntk); !t.isEmpty()) parts << QObject::tr("NTK: width %1").arg(t);
  if (const QString t = divergedWidthsText(r.standard); !t.isEmpty()) parts << QObject::tr("standard: width %1").arg(t);
  return parts.isEmpty() ? QString() : QObject::tr("Diverged (loss blew up; curves end there, ▲ marks it): %1").arg(parts.join(QStringLiteral("; ")));
}

} // namespace ntk::gui
