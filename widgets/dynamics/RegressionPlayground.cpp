// RegressionPlayground.cpp — the 1-D plot: axes, ±2σ band, curves, points, legend (each a function
// below), and the widget's mouse and keyboard editing.
#include "widgets/dynamics/RegressionPlayground.h"

#include <algorithm>
#include <cmath>

#include <QPainter>
#include <QPainterPath>

#include "widgets/common/FigurePainter.h"
#include "widgets/common/NiceTicks.h"
#include "widgets/dynamics/DynamicsFigureParts.h"

namespace ntk::gui {

namespace {

const QColor kTargetColor(150, 150, 150);
const QColor kPointColor(20, 20, 20);
const QColor kTestPointColor(200, 90, 0);

/// Maps data to pixels inside the plot area: x ∈ [0, 1], y ∈ [yMin, yMax].
struct Mapping {
  QRectF area;
  double yMin, yMax;
  QPointF operator()(double x, double y) const
  {
    return {area.left() + x * area.width(), area.bottom() - (y - yMin) / (yMax - yMin) * area.height()};
  }
};

/// Line widths and colours of one painting (they scale with the font).
struct RegressionStyle {
  double lineW, pointR;
  QColor mean, limit, band;
  explicit RegressionStyle(double em)
      : lineW(std::max(1.5, em / 6.0)), pointR(std::max(3.0, 0.32 * em)), mean(seriesColor(0)), limit(seriesColor(1)),
        band(seriesColor(0))
  {
    band.setAlpha(45);
  }
};

/// A polyline of finite values; non-finite entries break it.
QPainterPath curvePath(const Mapping& map, const Eigen::VectorXd& x, const Eigen::VectorXd& y)
{
  QPainterPath path;
  bool pen = false;
  const double span = map.yMax - map.yMin;
  for (Eigen::Index i = 0; i < std::min(x.size(), y.size()); ++i) {
    if (!std::isfinite(y(i))) {
      pen = false;
      continue;
    }
    // Keep far-off values near the plot so clipping draws them as leaving the frame (no huge coordinates).
    const double yy = std::clamp(y(i), map.yMin - 10 * span, map.yMax + 10 * span);
    const QPointF pt = map(x(i), yy);
    if (pen)
      path.lineTo(pt);
    else
      path.moveTo(pt);
    pen = true;
  }
  return path;
}

bool hasBand(const RegressionPlotData& d)
{
  return d.variance.size() == d.x.size() && d.mean.size() == d.x.size() && d.x.size() > 1;
}

void paintRegressionAxes(QPainter& p, const QRectF& rect, const Mapping& map, double em)
{
  const QRectF& area = map.area;
  const auto xt = niceTicks(0.0, 1.0, 6), yt = niceTicks(map.yMin, map.yMax, 7);
  p.save();
  p.setPen(QPen(QColor(225, 225, 225), 1.0));
  for (double t : xt) p.drawLine(map(t, map.yMin), map(t, map.yMax));
  for (double t : yt) p.drawLine(map(0.0, t), map(1.0, t));
  if (map.yMin < 0.0 && map.yMax > 0.0) {
    p.setPen(QPen(QColor(190, 190, 190), 1.0));
    p.drawLine(map(0.0, 0.0), map(1.0, 0.0));
  }
  p.setPen(QPen(Qt::black, 1.0));
  for (double t : xt) {
    const QPointF at = map(t, map.yMin);
    p.drawLine(at, at + QPointF(0, 0.35 * em));
    p.drawText(QRectF(at.x() - 3 * em, at.y() + 0.4 * em, 6 * em, 1.2 * em), Qt::AlignHCenter | Qt::AlignTop, tickLabel(t));
  }
  for (double t : yt) {
    const QPointF at = map(0.0, t);
    p.drawLine(at, at - QPointF(0.35 * em, 0));
    p.drawText(QRectF(rect.left(), at.y() - 0.6 * em, 4.1 * em, 1.2 * em), Qt::AlignRight | Qt::AlignVCenter, tickLabel(t));
  }
  p.drawText(QRectF(area.left(), area.bottom() + 1.7 * em, area.width(), 1.3 * em), Qt::AlignCenter, QStringLiteral("x"));
  paintRotatedText(p, rect.left() + 0.8 * em, area.center().y(), area.height(), em, QStringLiteral("f(x)"));
  p.restore();
}

/// The ±2σ band: upper edge left to right, lower edge back.
void paintPredictionBand(QPainter& p, const Mapping& map, const RegressionPlotData& d, const RegressionStyle& s)
{
  QPainterPath band;
  const double span = map.yMax - map.yMin;
  auto edge = [&](Eigen::Index i, double sign) {
    const double sd = 2.0 * std::sqrt(std::max(0.0, d.variance(i)));
    const double v = std::isfinite(d.mean(i)) && std::isfinite(sd) ? d.mean(i) + sign * sd : sign * 1e300;
    return map(d.x(i), std::clamp(v, map.yMin - 10 * span, map.yMax + 10 * span));
  };
  band.moveTo(edge(0, +1));
  for (Eigen::Index i = 1; i < d.x.size(); ++i) band.lineTo(edge(i, +1));
  for (Eigen::Index i = d.x.size() - 1; i >= 0; --i) band.lineTo(edge(i, -1));
  band.closeSubpath();
  p.fillPath(band, s.band);
}

/// Target (faint), t = ∞ (dashed), μ_t (solid) and a target stroke being drawn.
void paintRegressionCurves(QPainter& p, const Mapping& map, const RegressionPlotData& d, const RegressionStyle& s)
{
  p.save();
  if (d.target.size() == d.x.size()) {
    p.setPen(QPen(kTargetColor, s.lineW * 1.6, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
    p.setOpacity(0.55);
    p.drawPath(curvePath(map, d.x, d.target));
    p.setOpacity(1.0);
  }
  if (d.limitMean.size() == d.x.size()) {
    p.setPen(QPen(s.limit, s.lineW, Qt::DashLine, Qt::FlatCap, Qt::RoundJoin));
    p.drawPath(curvePath(map, d.x, d.limitMean));
  }
  for (const RegressionCurve& c : d.curves) {
    if (c.y.size() != d.x.size()) continue;
    p.setOpacity(c.opacity);
    p.setPen(QPen(c.color, s.lineW * c.width, c.dashed ? Qt::DashLine : Qt::SolidLine, Qt::FlatCap, Qt::RoundJoin));
    p.drawPath(curvePath(map, d.x, c.y));
  }
  p.setOpacity(1.0);
  if (d.mean.size() == d.x.size()) {
    p.setPen(QPen(s.mean, s.lineW * 1.3, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
    p.drawPath(curvePath(map, d.x, d.mean));
  }
  if (d.stroke.size() > 1) {
    QPainterPath stroke;
    stroke.moveTo(map(d.stroke[0].x(), d.stroke[0].y()));
    for (size_t i = 1; i < d.stroke.size(); ++i) stroke.lineTo(map(d.stroke[i].x(), d.stroke[i].y()));
    p.setPen(QPen(seriesColor(2), s.lineW * 1.3, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
    p.drawPath(stroke);
  }
  p.restore();
}

void paintTrainingPoint(QPainter& p, const QPointF& c, double r, double em)
{
  p.setPen(QPen(Qt::white, std::max(1.0, em / 10.0)));
  p.setBrush(kPointColor);
  p.drawEllipse(c, r, r);
}

void paintTestPoint(QPainter& p, const QPointF& c, double r, double em)
{
  p.setPen(QPen(kTestPointColor, std::max(1.5, em / 6.0)));
  p.setBrush(QColor(255, 255, 255, 200));
  p.drawEllipse(c, r, r);
}

/// Held-out points as rings, training points filled on top, the selected one circled; unclipped (a
/// point at the frame stays visible).
void paintRegressionPoints(QPainter& p, const Mapping& map, const RegressionPlotData& d, const RegressionStyle& s, double em)
{
  p.save();
  for (const QPointF& pt : d.testPoints) paintTestPoint(p, map(pt.x(), std::clamp(pt.y(), map.yMin, map.yMax)), s.pointR, em);
  for (size_t i = 0; i < d.points.size(); ++i) {
    const QPointF c = map(d.points[i].x(), std::clamp(d.points[i].y(), map.yMin, map.yMax));
    paintTrainingPoint(p, c, s.pointR, em);
    if (int(i) == d.selectedPoint) {
      p.setBrush(Qt::NoBrush);
      p.setPen(QPen(seriesColor(4), std::max(1.5, em / 7.0)));
      p.drawEllipse(c, 1.9 * s.pointR, 1.9 * s.pointR);
    }
  }
  p.restore();
}

/// `essentialOnly`: the prediction and the further curves, not the data (target, t = ∞, points).
std::vector<LegendEntry> regressionLegend(const RegressionPlotData& d, const RegressionStyle& s, double em, bool essentialOnly)
{
  auto line = [](QColor c, double w, Qt::PenStyle style, double opacity = 1.0) {
    return [c, w, style, opacity](QPainter& p, const QRectF& r) {
      p.setOpacity(opacity);
      p.setPen(QPen(c, w, style, Qt::RoundCap));
      p.drawLine(QPointF(r.left(), r.center().y()), QPointF(r.right(), r.center().y()));
      p.setOpacity(1.0);
    };
  };
  std::vector<LegendEntry> entries;
  if (d.target.size() == d.x.size() && !essentialOnly) entries.push_back({d.targetName, line(kTargetColor, s.lineW * 1.6, Qt::SolidLine, 0.55)});
  if (d.mean.size() == d.x.size()) entries.push_back({d.meanName, line(s.mean, s.lineW * 1.3, Qt::SolidLine)});
  if (hasBand(d))
    entries.push_back({d.bandName, [band = s.band, em](QPainter& p, const QRectF& r) {
                         p.fillRect(QRectF(r.left(), r.center().y() - 0.4 * em, r.width(), 0.8 * em), band);
                       }});
  if (d.limitMean.size() == d.x.size() && !essentialOnly) entries.push_back({d.limitName, line(s.limit, s.lineW, Qt::DashLine)});
  for (const RegressionCurve& c : d.curves)
    if (!c.name.isEmpty() && c.y.size() == d.x.size())
      entries.push_back({c.name, line(c.color, s.lineW * c.width, c.dashed ? Qt::DashLine : Qt::SolidLine, c.opacity)});
  const double r = s.pointR;
  if (essentialOnly) return entries;
  if (!d.points.empty())
    entries.push_back({QObject::tr("training points (%1)").arg(d.points.size()),
                       [r, em](QPainter& p, const QRectF& box) { paintTrainingPoint(p, box.center(), r, em); }});
  if (!d.testPoints.empty())
    entries.push_back({QObject::tr("test points (%1)").arg(d.testPoints.size()),
                       [r, em](QPainter& p, const QRectF& box) { paintTestPoint(p, box.center(), r, em); }});
  return entries;
}

/// The legend in the top right, at most half the plot's height: many entries (finite networks beside the
/// kernel) take two columns; where it still does not fit, the entries of the data (points, target, t = ∞)
/// are left out, and when even that does not fit a note says the plot is too small for its legend.
void paintFittedLegend(QPainter& p, const QRectF& area, const RegressionPlotData& d, const RegressionStyle& s, double em)
{
  for (const bool essentialOnly : {false, true}) {
    const std::vector<LegendEntry> legend = regressionLegend(d, s, em, essentialOnly);
    const int columns = legend.size() > 7 ? 2 : 1;
    const double textW = std::max(4 * em, (columns == 2 ? 0.3 : 0.5) * area.width());
    if (legendSize(p.font(), em, legend, textW, columns).height() > 0.5 * area.height()) continue;
    if (!legend.empty()) paintLegend(p, QPointF(area.right() - 0.3 * em, area.top() + 0.3 * em), em, legend, textW, columns);
    return;
  }
  paintFigureWarning(p, area, QObject::tr("enlarge the plot to see its legend"), em);
}

} // namespace

QRectF regressionPlotArea(const QRectF& rect, double em, const QFont& font, const QString& title)
{
  const double titleH = dynamicsTitleHeight(font, em, title, rect);
  return QRectF(rect.left() + 4.6 * em, rect.top() + titleH, std::max(10.0, rect.width() - 5.8 * em),
                std::max(10.0, rect.height() - titleH - 3.4 * em));
}

void paintRegressionFigure(QPainter& p, const QRectF& rect, const RegressionPlotData& d, double em)
{
  const QRectF area = regressionPlotArea(rect, em, p.font(), d.title);
  if (!beginDynamicsPlot(p, rect, area, d.title, d.message, em)) return;
  const Mapping map{area, d.yMin, d.yMax > d.yMin ? d.yMax : d.yMin + 1.0};
  const RegressionStyle style(em);
  paintRegressionAxes(p, rect, map, em);
  p.save();
  p.setClipRect(area);
  if (hasBand(d)) paintPredictionBand(p, map, d, style);
  paintRegressionCurves(p, map, d, style);
  p.restore();
  paintRegressionPoints(p, map, d, style, em);
  p.setBrush(Qt::NoBrush);
  p.setPen(QPen(Qt::black, 1.0));
  p.drawRect(area);
  if (!d.warning.isEmpty()) paintFigureWarning(p, area, d.warning, em);
  paintFittedLegend(p, area, d, style, em);
  p.restore();
}

RegressionPlayground::RegressionPlayground(QWidget* parent) : PointEditView(parent) {}

void RegressionPlayground::setData(RegressionPlotData data)
{
  const int selected = m_data.selectedPoint;
  const std::vector<QPointF> stroke = std::move(m_data.stroke);
  m_data = std::move(data);
  // The selection and a stroke in progress belong to the widget, not to the caller's data.
  m_data.selectedPoint = selected < int(m_data.points.size()) ? selected : -1;
  if (m_data.stroke.empty()) m_data.stroke = stroke;
  update();
}

QRectF RegressionPlayground::plotArea() const { return regressionPlotArea(QRectF(rect()), em(), font(), m_data.title); }

QPointF RegressionPlayground::dataToPixel(double x, double y) const
{
  const Mapping map{plotArea(), m_data.yMin, m_data.yMax > m_data.yMin ? m_data.yMax : m_data.yMin + 1.0};
  return map(x, y);
}

QPointF RegressionPlayground::pixelToData(const QPointF& pixel) const
{
  const QRectF a = plotArea();
  const double yMax = m_data.yMax > m_data.yMin ? m_data.yMax : m_data.yMin + 1.0;
  return {(pixel.x() - a.left()) / a.width(), m_data.yMin + (a.bottom() - pixel.y()) / a.height() * (yMax - m_data.yMin)};
}

QPointF RegressionPlayground::clampedData(const QPointF& pixel) const
{
  const QPointF d = pixelToData(pixel);
  const double yMax = m_data.yMax > m_data.yMin ? m_data.yMax : m_data.yMin + 1.0;
  // x ∈ [0, 1): the domain is half-open (x = 1 is x = 0 for periodic encodings).
  return {std::clamp(d.x(), 0.0, std::nextafter(1.0, 0.0)), std::clamp(d.y(), m_data.yMin, yMax)};
}

QPointF RegressionPlayground::pointPixel(int index) const
{
  const QPointF& pt = m_data.points[size_t(index)];
  return dataToPixel(pt.x(), std::clamp(pt.y(), m_data.yMin, m_data.yMax));
}

void RegressionPlayground::paintFigure(QPainter& p, const QRectF& rect, double em) const
{
  paintRegressionFigure(p, rect, m_data, em);
}

void RegressionPlayground::dragPointTo(int index, const QPointF& data, Qt::KeyboardModifiers modifiers)
{
  emit pointDragged(index, data.x(), data.y(), modifiers & Qt::ShiftModifier);
}

void RegressionPlayground::emptyPressed(const QPointF& pixel)
{
  if (m_drawing) m_data.stroke = {clampedData(pixel)};
}

void RegressionPlayground::emptyDragged(const QPointF& pixel)
{
  if (!m_drawing) return;
  m_data.stroke.push_back(clampedData(pixel));
  update();
}

void RegressionPlayground::emptyReleased(const QPointF& pixel, bool moved, Qt::KeyboardModifiers modifiers)
{
  std::vector<QPointF> stroke = std::move(m_data.stroke);
  m_data.stroke.clear();
  if (!moved) {
    const QPointF d = clampedData(pixel);
    emit addPointRequested(d.x(), d.y(), modifiers & Qt::ShiftModifier);
  } else if (m_drawing && stroke.size() > 1) {
    stroke.push_back(clampedData(pixel));
    emit targetStrokeFinished(stroke);
  }
  update();
}

void RegressionPlayground::leaveEvent(QEvent* event)
{
  setCursor(Qt::CrossCursor);
  QWidget::leaveEvent(event);
}

} // namespace ntk::gui
