#include "widgets/dynamics/LossCurvePlot.h"

#include <algorithm>
#include <cmath>

#include <QPainter>
#include <QPainterPath>

#include "widgets/common/FigurePainter.h"
#include "widgets/dynamics/DynamicsFigureParts.h"

namespace ntk::gui {

namespace {

/// Decades of the loss axis: from the smallest finite positive loss (at most 8 decades below the
/// largest) to the largest at t = 0, so a diverging curve leaves through the top.
std::pair<double, double> lossDecades(const LossPlotData& d)
{
  double hi = -INFINITY, lo = INFINITY;
  for (const Eigen::VectorXd* c : {&d.train, &d.test}) {
    if (c->size() == 0) continue;
    if (std::isfinite((*c)(0)) && (*c)(0) > 0) hi = std::max(hi, std::log10((*c)(0)));
    for (Eigen::Index i = 0; i < c->size(); ++i)
      if (std::isfinite((*c)(i)) && (*c)(i) > 0) lo = std::min(lo, std::log10((*c)(i)));
  }
  if (!std::isfinite(hi)) hi = 0.0;
  if (!std::isfinite(lo)) lo = hi - 1.0;
  const double top = std::ceil(hi + 0.1);
  return {std::max(std::floor(lo - 0.1), top - 8.0), top};
}

struct LossAxes {
  LogTimeAxis time;
  LogValueAxis loss; ///< on the same area as `time`
};

void paintLossCurve(QPainter& p, const LossAxes& ax, const Eigen::VectorXd& times, const Eigen::VectorXd& loss,
                    const QColor& colour, double lineW, Qt::PenStyle style)
{
  QPainterPath path;
  bool pen = false;
  for (Eigen::Index i = 0; i < std::min(times.size(), loss.size()); ++i) {
    if (std::isnan(loss(i)) || loss(i) <= 0) {
      pen = false;
      continue;
    }
    const double ly = std::isinf(loss(i)) ? ax.loss.ly1 + 2.0 : std::clamp(std::log10(loss(i)), ax.loss.ly0 - 1.0, ax.loss.ly1 + 2.0);
    const QPointF pt(ax.time.px(std::log10(times(i))), ax.loss.py(ly));
    if (pen)
      path.lineTo(pt);
    else
      path.moveTo(pt);
    pen = true;
  }
  p.setPen(QPen(colour, lineW, style, Qt::RoundCap, Qt::RoundJoin));
  p.drawPath(path);
}

/// A dot on each curve at the current t (where the loss is finite and inside the axis).
void paintCurrentLossDots(QPainter& p, const LossAxes& ax, const LossPlotData& d, double em)
{
  const double x = ax.time.pxTime(d.currentTime), r = std::max(3.0, 0.3 * em);
  p.save();
  for (const auto& [value, colour] : {std::pair{d.currentTrain, trainLossColor()}, std::pair{d.currentTest, testLossColor()}}) {
    if (!std::isfinite(value) || value <= 0) continue;
    const double ly = std::log10(value);
    if (ly < ax.loss.ly0 || ly > ax.loss.ly1) continue;
    p.setPen(QPen(Qt::white, 1.0));
    p.setBrush(colour);
    p.drawEllipse(QPointF(x, ax.loss.py(ly)), r, r);
  }
  p.restore();
}

QString lossText(double v)
{
  if (std::isnan(v)) return QStringLiteral("–");
  if (std::isinf(v)) return QStringLiteral("∞");
  return QString::number(v, 'g', 3);
}

std::vector<LegendEntry> lossLegend(const LossPlotData& d, double lineW)
{
  auto line = [lineW](QColor c, Qt::PenStyle s) {
    return [c, s, lineW](QPainter& p, const QRectF& r) {
      p.setPen(QPen(c, lineW, s));
      p.drawLine(QPointF(r.left(), r.center().y()), QPointF(r.right(), r.center().y()));
    };
  };
  std::vector<LegendEntry> entries{{QStringLiteral("train %1").arg(lossText(d.currentTrain)), line(trainLossColor(), Qt::SolidLine)}};
  if (d.test.size()) entries.push_back({QStringLiteral("test %1").arg(lossText(d.currentTest)), line(testLossColor(), Qt::DashLine)});
  return entries;
}

} // namespace

QColor trainLossColor() { return seriesColor(0); }
QColor testLossColor() { return seriesColor(1); }

void paintLossFigure(QPainter& p, const QRectF& rect, const LossPlotData& d, double em)
{
  const double titleH = beginDynamicsFigure(p, rect, d.title, em);
  const QRectF area(rect.left() + 4.4 * em, rect.top() + titleH, std::max(10.0, rect.width() - 5.2 * em),
                    std::max(10.0, rect.height() - titleH - 3.2 * em));
  if (!d.message.isEmpty() || d.times.size() < 2 || d.train.size() != d.times.size()) {
    paintFigureMessage(p, area, d.message.isEmpty() ? QStringLiteral("no loss yet") : d.message, em);
    p.restore();
    return;
  }
  const auto [ly0, ly1] = lossDecades(d);
  const LossAxes ax{LogTimeAxis{area, std::log10(d.times(0)), std::log10(d.times(d.times.size() - 1))}, LogValueAxis{area, ly0, ly1}};
  paintLogValueAxis(p, ax.loss, area, rect, em, QStringLiteral("loss"));
  paintLogTimeAxis(p, ax.time, em, QStringLiteral("training time t"));
  const double lineW = std::max(1.5, em / 6.0);
  p.save();
  p.setClipRect(area);
  if (d.test.size() == d.times.size()) paintLossCurve(p, ax, d.times, d.test, testLossColor(), lineW, Qt::DashLine);
  paintLossCurve(p, ax, d.times, d.train, trainLossColor(), lineW, Qt::SolidLine);
  p.restore();
  paintCurrentTimeMarker(p, ax.time, d.currentTime, em);
  paintCurrentLossDots(p, ax, d, em);
  p.setPen(QPen(Qt::black, 1.0));
  p.setBrush(Qt::NoBrush);
  p.drawRect(area);
  // Legend at the bottom left: the losses fall from the top left, so that corner stays free longest.
  const std::vector<LegendEntry> legend = lossLegend(d, lineW);
  const QSizeF size = legendSize(p.font(), em, legend, 0.6 * area.width());
  paintLegend(p, QPointF(area.left() + 0.3 * em + size.width(), area.bottom() - 0.3 * em - size.height()), em, legend,
              0.6 * area.width());
  p.restore();
}

LossCurvePlot::LossCurvePlot(QWidget* parent) : DynamicsFigureWidget(parent) {}

void LossCurvePlot::setData(LossPlotData data)
{
  m_data = std::move(data);
  update();
}

void LossCurvePlot::paintFigure(QPainter& p, const QRectF& rect, double em) const { paintLossFigure(p, rect, m_data, em); }

} // namespace ntk::gui
