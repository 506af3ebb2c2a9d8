// WidthModel.cpp — inputs, the sweep (core runWidthSweep), the plot series and the heatmap grid.
#include "widgets/finite/WidthModel.h"

#include <algorithm>
#include <cmath>

#include <QObject>
#include <QPainter>

#include "widgets/common/FigurePainter.h"

namespace ntk::gui {

std::vector<int> WidthViewSettings::widths() const
{
  std::vector<int> w;
  for (int a = log2Min; a <= log2Max; ++a) w.push_back(1 << a);
  return w;
}

Eigen::MatrixXd widthSweepInputs(int inputDim, int m)
{
  if (inputDim == 1) {
    Eigen::MatrixXd X(m, 1);
    for (int i = 0; i < m; ++i) X(i, 0) = double(i) / m;
    return X;
  }
  Eigen::MatrixXd X = Eigen::MatrixXd::Zero(m, inputDim);
  X.leftCols(2) = circlePoints(m);
  return X;
}

QString widthSweepInputsText(int inputDim, int m)
{
  if (inputDim == 1) return QObject::tr("%1 inputs x_i = i/m on [0, 1)").arg(m);
  if (inputDim == 2) return QObject::tr("%1 points on the unit circle").arg(m);
  return QObject::tr("%1 points on the unit circle in (x₁, x₂), the other %2 coordinates 0").arg(m).arg(inputDim - 2);
}

WidthSweepResult computeWidthView(const Network& net, const WidthViewSettings& s, const JobFlags& flags)
{
  WidthSweepOptions o;
  o.widths = s.widths();
  o.seeds = s.seeds;
  o.kind = s.kind;
  return runWidthSweep(net, widthSweepInputs(net.inputDim, s.points), o, flags.control());
}

Eigen::MatrixXd widthTable(const WidthSweepResult& r)
{
  Eigen::MatrixXd t(Eigen::Index(r.rows.size()), 4);
  for (size_t i = 0; i < r.rows.size(); ++i)
    t.row(Eigen::Index(i)) << r.rows[i].width, r.rows[i].meanRelError, r.rows[i].stdRelError, r.rows[i].meanScale;
  return t;
}

namespace {

PlotSeries lineSeries(const QString& name, const Eigen::VectorXd& x, const Eigen::VectorXd& y, const QColor& color, bool dashed)
{
  PlotSeries s;
  s.name = name;
  s.x = x;
  s.y = y;
  s.color = color;
  s.dashed = dashed;
  s.pickable = false;
  return s;
}

/// ±1 s.d. bars, one two-point series per width (the lower end left out where it is ≤ 0 on the log axis).
void addErrorBars(std::vector<PlotSeries>& series, const WidthSweepResult& r, const QColor& color)
{
  for (const WidthSweepRow& row : r.rows) {
    const double hi = row.meanRelError + row.stdRelError;
    const double lo = row.meanRelError - row.stdRelError > 0.0 ? row.meanRelError - row.stdRelError : row.meanRelError;
    PlotSeries bar = lineSeries(QString(), Eigen::Vector2d(row.width, row.width), Eigen::Vector2d(lo, hi), color, false);
    bar.inLegend = false;
    series.push_back(std::move(bar));
  }
}

/// The fitted view with headroom above the bars (log10 units): the legend sits there, off the data.
AxisRange errorPlotRange(const WidthSweepResult& r)
{
  double lo = INFINITY, hi = 0.0;
  for (const WidthSweepRow& row : r.rows) {
    lo = std::min(lo, row.meanRelError - row.stdRelError > 0.0 ? row.meanRelError - row.stdRelError : row.meanRelError);
    hi = std::max(hi, row.meanRelError + row.stdRelError);
  }
  const double ylo = std::log10(lo), yhi = std::log10(hi), span = std::max(0.1, yhi - ylo);
  const double xlo = std::log10(r.rows.front().width), xhi = std::log10(r.rows.back().width);
  return {xlo - 0.04 * (xhi - xlo), xhi + 0.04 * (xhi - xlo), ylo - 0.05 * span, yhi + 0.45 * span};
}

/// Heatmaps beside the plot: 2 × 2 (with largest − analytic) or, where cells would be small, the three
/// kernels in one column or one row — whichever gives the largest image.
struct HeatmapGrid {
  int rows = 2, cols = 2;
  int count() const { return rows * cols >= 4 ? 4 : 3; }
};

HeatmapGrid heatmapGrid(const QRectF& area, double em)
{
  const auto side = [&](int rows, int cols) {
    return std::min(area.height() / rows - 5.5 * em, area.width() / cols - 10.0 * em);
  };
  HeatmapGrid best;
  for (HeatmapGrid g : {HeatmapGrid{3, 1}, HeatmapGrid{1, 3}})
    if (side(g.rows, g.cols) > 1.15 * side(best.rows, best.cols)) best = g;
  return best;
}

void paintErrorPlot(QPainter& p, const QRectF& rect, const WidthSweepResult& r, const WidthViewSettings& s, double em)
{
  const Eigen::Index n = Eigen::Index(r.rows.size());
  const Eigen::MatrixXd t = widthTable(r);
  const Eigen::VectorXd w = t.col(0), mean = t.col(1);
  std::vector<PlotSeries> series;
  PlotSeries data = lineSeries(QObject::tr("mean ± 1 s.d. over %1 seeds").arg(s.seeds), w, mean, seriesColor(0), false);
  data.style = SeriesStyle::LineAndMarkers;
  data.pickable = true;
  series.push_back(data);
  addErrorBars(series, r, seriesColor(0));
  const Eigen::Vector2d ends(w(0), w(n - 1));
  const Eigen::Vector2d fit = (r.intercept + r.slope * ends.array().log()).exp();
  series.push_back(lineSeries(QObject::tr("fit: slope %1").arg(r.slope, 0, 'f', 3), ends, fit, seriesColor(1), false));
  // The reference n^{-1/2} through the data's geometric centre.
  const double logC = mean.array().log().mean() + 0.5 * w.array().log().mean();
  const Eigen::Vector2d ref = (logC - 0.5 * ends.array().log()).exp();
  series.push_back(lineSeries(QObject::tr("reference ∝ n^(−1/2)"), ends, ref, QColor(120, 120, 120), true));
  PlotOptions o;
  o.title = QObject::tr("Empirical %1 Θ_n against the analytic Θ: ‖Θ_n − Θ‖_F / ‖Θ‖_F")
                .arg(s.kind == KernelKind::Ntk ? QObject::tr("NTK") : QObject::tr("NNGP"));
  o.xTitle = QObject::tr("hidden width n");
  o.yTitle = QObject::tr("relative Frobenius error");
  o.logX = o.logY = true;
  o.em = em;
  o.xTicks = std::vector<double>(w.data(), w.data() + n);
  o.range = errorPlotRange(r);
  if (r.normalised) o.notes << QObject::tr("standard parameterisation: both kernels divided by their mean diagonal");
  paintPlot(p, rect, series, o);
}

} // namespace

void paintWidthFigure(QPainter& p, const QRectF& rect, const WidthSweepResult& r, const WidthViewSettings& s, int inputDim,
                      double em, const QString& message)
{
  p.save();
  p.fillRect(rect, Qt::white);
  if (!message.isEmpty() || r.rows.empty()) {
    paintFigureMessage(p, rect.adjusted(em, em, -em, -em), message.isEmpty() ? QObject::tr("computing…") : message, em);
    p.restore();
    return;
  }
  const double leftW = rect.width() * 0.5;
  paintErrorPlot(p, QRectF(rect.left(), rect.top(), leftW, rect.height()), r, s, em);
  const QRectF right(rect.left() + leftW, rect.top(), rect.width() - leftW, rect.height());
  const HeatmapGrid grid = heatmapGrid(right, em);
  const double cw = right.width() / grid.cols, ch = right.height() / grid.rows;
  const double x1 = inputDim == 1 ? double(s.points - 1) / s.points : 2 * M_PI * double(s.points - 1) / s.points;
  const QString axis = inputDim == 1 ? QStringLiteral("x") : QObject::tr("angle");
  const int small = r.rows.front().width, large = r.rows.back().width;
  const auto cell = [&](int i) { return QRectF(right.left() + (i % grid.cols) * cw, right.top() + (i / grid.cols) * ch, cw, ch); };
  paintHeatmapFigure(p, cell(0), r.smallest, 0.0, x1, QObject::tr("empirical, width %1").arg(small), axis);
  paintHeatmapFigure(p, cell(1), r.largest, 0.0, x1, QObject::tr("empirical, width %1").arg(large), axis);
  paintHeatmapFigure(p, cell(2), r.analytic, 0.0, x1, QObject::tr("analytic (infinite width)"), axis);
  // Standard parameterisation: the empirical kernel grows with n, a difference would only show the scale.
  if (grid.count() == 4 && !r.normalised && r.largest.rows() == r.analytic.rows() && r.largest.cols() == r.analytic.cols())
    paintHeatmapFigure(p, cell(3), r.largest - r.analytic, 0.0, x1, QObject::tr("width %1 − analytic").arg(large), axis);
  p.restore();
}

} // namespace ntk::gui
