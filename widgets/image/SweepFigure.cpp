// SweepFigure.cpp — the sweep's series: one line per σ-dependent encoding, the rest as levels.
#include "widgets/image/SweepFigure.h"

#include <algorithm>
#include <cmath>

#include <QObject>
#include <QPainter>

#include "widgets/common/NiceTicks.h"

namespace ntk::gui {

QString sweepEncodingName(EncodingKind kind)
{
  switch (kind) {
  case EncodingKind::None: return QObject::tr("none");
  case EncodingKind::Basic: return QObject::tr("basic");
  case EncodingKind::Positional: return QObject::tr("positional");
  case EncodingKind::Gaussian: return QObject::tr("Gaussian");
  default: return QString::fromStdString(Encoding::kindName(kind));
  }
}

QColor sweepEncodingColor(EncodingKind kind)
{
  switch (kind) {
  case EncodingKind::Positional: return seriesColor(0);
  case EncodingKind::Gaussian: return seriesColor(1);
  case EncodingKind::Basic: return seriesColor(2);
  default: return seriesColor(3);
  }
}

namespace {

/// The σ range of the computed rows (1 … 32 when there is none).
std::pair<double, double> sigmaRange(const std::vector<EncodingSweepRow>& rows)
{
  double lo = INFINITY, hi = -INFINITY;
  for (const EncodingSweepRow& r : rows)
    if (std::isfinite(r.sigma) && r.computed) {
      lo = std::min(lo, r.sigma);
      hi = std::max(hi, r.sigma);
    }
  if (!std::isfinite(lo)) lo = 1.0, hi = 32.0;
  if (hi <= lo) hi = lo * 2.0;
  return {lo, hi};
}

} // namespace

SweepChart sweepChart(const EncodingSweepResult& result, bool train, bool stale)
{
  const auto& rows = result.rows;
  const auto [lo, hi] = sigmaRange(rows);
  auto value = [train](const EncodingSweepRow& r) { return train ? r.psnrTrain : r.psnrHeldOut; };
  SweepChart chart;
  auto curves = [&](bool mlp) {
    auto y = [&](const EncodingSweepRow& r) { return mlp ? r.mlp.psnrHeldOut : value(r); };
    auto has = [&](const EncodingSweepRow& r) { return (mlp ? r.mlp.computed : r.computed) && std::isfinite(y(r)); };
    for (EncodingKind kind : {EncodingKind::Positional, EncodingKind::Gaussian}) {
      std::vector<int> idx;
      for (std::size_t i = 0; i < rows.size(); ++i)
        if (rows[i].encoding == kind && std::isfinite(rows[i].sigma) && has(rows[i])) idx.push_back(int(i));
      if (idx.empty()) continue;
      PlotSeries s;
      s.x.resize(Eigen::Index(idx.size()));
      s.y.resize(Eigen::Index(idx.size()));
      for (std::size_t k = 0; k < idx.size(); ++k) {
        s.x(Eigen::Index(k)) = rows[std::size_t(idx[k])].sigma;
        s.y(Eigen::Index(k)) = y(rows[std::size_t(idx[k])]);
      }
      s.name = mlp ? QObject::tr("MLP %1").arg(sweepEncodingName(kind)) : sweepEncodingName(kind);
      s.color = sweepEncodingColor(kind);
      s.style = SeriesStyle::LineAndMarkers;
      s.marker = kind == EncodingKind::Positional ? (mlp ? MarkerShape::Diamond : MarkerShape::Square)
                                                  : (mlp ? MarkerShape::TriangleUp : MarkerShape::Circle);
      s.dashed = mlp;
      s.lineWidth = 1.6;
      chart.series.push_back(s);
      chart.rows.push_back(idx);
      chart.mlp.push_back(mlp);
    }
  };
  auto level = [&](const QString& name, double v, QColor color, int row, bool mlp) {
    if (!std::isfinite(v)) return;
    PlotSeries s;
    s.name = name;
    s.x = Eigen::Vector2d(lo, hi);
    s.y = Eigen::Vector2d(v, v);
    s.color = color;
    s.dashed = true;
    s.lineWidth = mlp ? 2.4 : 1.0; // the MLP's level is the thick dashed line (its legend entry says so)
    s.pickable = row >= 0;
    chart.series.push_back(s);
    chart.rows.push_back(row >= 0 ? std::vector<int>{row, row} : std::vector<int>{});
    chart.mlp.push_back(mlp);
  };
  curves(false);
  for (std::size_t i = 0; i < rows.size(); ++i)
    if ((rows[i].encoding == EncodingKind::Basic || rows[i].encoding == EncodingKind::None) && rows[i].computed)
      level(sweepEncodingName(rows[i].encoding), value(rows[i]), sweepEncodingColor(rows[i].encoding), int(i), false);
  level(QObject::tr("bicubic"), train ? result.bicubicPsnrTrain : result.bicubicPsnrHeldOut, QColor(110, 110, 110), -1, false);
  if (!train) { // the MLP's held-out PSNR (its train PSNR is far below the kernel's near-interpolation: not drawn there)
    curves(true);
    for (std::size_t i = 0; i < rows.size(); ++i)
      if ((rows[i].encoding == EncodingKind::Basic || rows[i].encoding == EncodingKind::None) && rows[i].mlp.computed)
        level(QObject::tr("MLP %1").arg(sweepEncodingName(rows[i].encoding)), rows[i].mlp.psnrHeldOut,
              sweepEncodingColor(rows[i].encoding), int(i), true);
  }

  PlotOptions& o = chart.options;
  o.logX = true;
  o.xTitle = QObject::tr("σ");
  o.yTitle = QObject::tr("PSNR (dB)");
  o.title = train ? QObject::tr("Train PSNR") : QObject::tr("Held-out PSNR");
  if (stale) o.title += QObject::tr(" — stale");
  // A few labelled ticks over the values (a 1 dB range would otherwise get one label).
  double ylo = INFINITY, yhi = -INFINITY;
  for (const PlotSeries& ps : chart.series)
    for (Eigen::Index k = 0; k < ps.y.size(); ++k) ylo = std::min(ylo, ps.y(k)), yhi = std::max(yhi, ps.y(k));
  if (std::isfinite(ylo) && yhi > ylo) o.yTicks = niceTicks(ylo, yhi, 4);
  for (const EncodingSweepRow& r : rows) // label the σ values swept (a log axis over one decade has one label)
    if (std::isfinite(r.sigma) && r.computed && std::find(o.xTicks.begin(), o.xTicks.end(), r.sigma) == o.xTicks.end())
      o.xTicks.push_back(r.sigma);
  std::sort(o.xTicks.begin(), o.xTicks.end());
  return chart;
}

void paintSweepCharts(QPainter& p, const QRectF& rect, const EncodingSweepResult& result, bool stale)
{
  const double gap = 0.02 * rect.width();
  const QRectF left(rect.left(), rect.top(), rect.width() * 0.55 - gap / 2, rect.height());
  const QRectF right(left.right() + gap, rect.top(), rect.right() - left.right() - gap, rect.height());
  for (const auto& [train, r] : {std::pair{false, left}, std::pair{true, right}}) {
    SweepChart chart = sweepChart(result, train, stale);
    for (PlotSeries& s : chart.series) s.inLegend = true; // a file has no table beside it
    chart.options.em = std::clamp(0.04 * rect.height(), 9.0, 0.03 * rect.width());
    paintPlot(p, r, chart.series, chart.options);
  }
}

} // namespace ntk::gui
