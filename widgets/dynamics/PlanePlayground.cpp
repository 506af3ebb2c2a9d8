#include "widgets/dynamics/PlanePlayground.h"

#include <algorithm>
#include <cmath>

#include <QImage>
#include <QPainter>
#include <QPainterPath>

#include "widgets/common/FigurePainter.h"
#include "widgets/common/NiceTicks.h"
#include "widgets/dynamics/DynamicsFigureParts.h"

namespace ntk::gui {

namespace {

/// The colour scale of the map and the points: f = ±kColourLimit are the ends of the diverging map.
constexpr double kColourLimit = 1.0;

/// The points' colours: darker than the map's ends, so a point stays visible on its own class's colour.
QColor classColour(double label) { return label > 0 ? QColor(150, 0, 30) : QColor(25, 45, 160); }

/// The map's colour for f: the diverging map washed towards white (as TF Playground does), so the
/// points on top stand out.
QRgb mapColour(double f)
{
  const QColor c = divergingColor(f / kColourLimit);
  const double wash = 0.35;
  auto mix = [wash](int v) { return int(std::lround(v + wash * (255 - v))); };
  return qRgb(mix(c.red()), mix(c.green()), mix(c.blue()));
}

/// Maps [0, 1]² to the square area (v up).
struct PlaneMap {
  QRectF area;
  QPointF operator()(double u, double v) const { return {area.left() + u * area.width(), area.bottom() - v * area.height()}; }
};

/// f_t on the grid as an image, one pixel per grid cell (row 0 = top = largest v), drawn smoothed.
void paintHeatMap(QPainter& p, const QRectF& area, const PlanePlotData& d)
{
  const int g = d.grid;
  QImage img(g, g, QImage::Format_RGB32);
  for (int iy = 0; iy < g; ++iy)
    for (int ix = 0; ix < g; ++ix)
      img.setPixel(ix, g - 1 - iy, mapColour(d.values(iy * g + ix)));
  p.save();
  p.setRenderHint(QPainter::SmoothPixmapTransform, true);
  p.drawImage(area, img);
  p.restore();
}

/// The contour f = 0 (the decision boundary of sign f) by marching squares on the grid's cell centres.
void paintDecisionBoundary(QPainter& p, const QRectF& area, const PlanePlotData& d, double em)
{
  const int g = d.grid;
  const PlaneMap map{area};
  auto at = [&](int ix, int iy) { return d.values(iy * g + ix); };
  auto centre = [&](double ix, double iy) { return map((ix + 0.5) / g, (iy + 0.5) / g); };
  QPainterPath path;
  for (int iy = 0; iy + 1 < g; ++iy)
    for (int ix = 0; ix + 1 < g; ++ix) {
      // Corners in order around the cell; each edge whose ends differ in sign holds a crossing.
      const int cx[4] = {ix, ix + 1, ix + 1, ix}, cy[4] = {iy, iy, iy + 1, iy + 1};
      std::vector<QPointF> crossings;
      for (int e = 0; e < 4; ++e) {
        const double a = at(cx[e], cy[e]), b = at(cx[(e + 1) % 4], cy[(e + 1) % 4]);
        if (!std::isfinite(a) || !std::isfinite(b) || (a >= 0) == (b >= 0)) continue;
        const double w = a / (a - b);
        crossings.push_back(centre(cx[e] + w * (cx[(e + 1) % 4] - cx[e]), cy[e] + w * (cy[(e + 1) % 4] - cy[e])));
      }
      for (size_t k = 0; k + 1 < crossings.size(); k += 2) {
        path.moveTo(crossings[k]);
        path.lineTo(crossings[k + 1]);
      }
    }
  p.save();
  p.setPen(QPen(QColor(30, 30, 30), std::max(1.2, em / 7.0)));
  p.drawPath(path);
  p.restore();
}

/// Training points filled, held-out points as rings; the selected training point circled.
void paintPlanePoints(QPainter& p, const QRectF& area, const PlanePlotData& d, double em)
{
  const PlaneMap map{area};
  const double r = std::max(3.0, 0.3 * em);
  p.save();
  for (const PlanePoint& pt : d.test) {
    p.setPen(QPen(classColour(pt.label), std::max(1.8, em / 5.0)));
    p.setBrush(QColor(255, 255, 255, 230));
    p.drawEllipse(map(pt.position.x(), pt.position.y()), r, r);
  }
  for (size_t i = 0; i < d.train.size(); ++i) {
    const QPointF c = map(d.train[i].position.x(), d.train[i].position.y());
    p.setPen(QPen(Qt::white, std::max(1.2, em / 8.0)));
    p.setBrush(classColour(d.train[i].label));
    p.drawEllipse(c, r, r);
    if (int(i) == d.selectedPoint) {
      p.setBrush(Qt::NoBrush);
      p.setPen(QPen(Qt::black, std::max(1.5, em / 7.0)));
      p.drawEllipse(c, 1.9 * r, 1.9 * r);
    }
  }
  p.restore();
}

void paintPlaneAxes(QPainter& p, const QRectF& area, double em)
{
  const PlaneMap map{area};
  p.save();
  p.setPen(QPen(Qt::black, 1.0));
  for (double t : niceTicks(0.0, 1.0, 6)) {
    const QPointF bx = map(t, 0.0), ly = map(0.0, t);
    p.drawLine(bx, bx + QPointF(0, 0.35 * em));
    p.drawText(QRectF(bx.x() - 3 * em, bx.y() + 0.4 * em, 6 * em, 1.2 * em), Qt::AlignHCenter | Qt::AlignTop, tickLabel(t));
    p.drawLine(ly, ly - QPointF(0.35 * em, 0));
    p.drawText(QRectF(ly.x() - 3.4 * em, ly.y() - 0.6 * em, 3.0 * em, 1.2 * em), Qt::AlignRight | Qt::AlignVCenter, tickLabel(t));
  }
  p.drawText(QRectF(area.left(), area.bottom() + 1.6 * em, area.width(), 1.3 * em), Qt::AlignCenter, QStringLiteral("x₁"));
  paintRotatedText(p, area.left() - 3.6 * em, area.center().y(), area.height(), em, QStringLiteral("x₂"));
  p.setBrush(Qt::NoBrush);
  p.drawRect(area);
  p.restore();
}

/// The colour bar right of the square: f from −1 (blue) to +1 (red), and what the marks mean.
void paintPlaneColourBar(QPainter& p, const QRectF& area, const QRectF& rect, double em)
{
  const QRectF bar(area.right() + 0.8 * em, area.top() + 0.5 * em, 0.9 * em, std::max(10.0, area.height() * 0.55));
  QImage grad(1, 256, QImage::Format_RGB32);
  for (int i = 0; i < 256; ++i) grad.setPixel(0, 255 - i, mapColour((i / 127.5 - 1.0) * kColourLimit));
  p.save();
  p.drawImage(bar, grad);
  p.setPen(QPen(Qt::black, 1.0));
  p.drawRect(bar);
  const double labelW = std::max(2.0 * em, rect.right() - bar.right() - 0.4 * em);
  auto label = [&](double y, const QString& text) {
    p.drawText(QRectF(bar.right() + 0.3 * em, y - 0.6 * em, labelW, 1.2 * em), Qt::AlignLeft | Qt::AlignVCenter, text);
  };
  label(bar.top(), QStringLiteral("+1"));
  label(bar.center().y(), QStringLiteral("0"));
  label(bar.bottom(), QStringLiteral("−1"));
  p.drawText(QRectF(bar.left() - 0.2 * em, bar.bottom() + 1.0 * em, labelW + 1.2 * em, 1.3 * em), Qt::AlignLeft, QStringLiteral("f_t"));
  p.restore();
}

} // namespace

QRectF planePlotArea(const QRectF& rect, double em, const QFont& font, const QString& title)
{
  const double titleH = dynamicsTitleHeight(font, em, title, rect);
  const double side = std::max(10.0, std::min(rect.width() - 8.6 * em, rect.height() - titleH - 3.4 * em));
  // Centred horizontally in what is left after the axis labels (left) and the colour bar (right).
  const double left = rect.left() + 4.2 * em + std::max(0.0, (rect.width() - 8.6 * em - side) / 2);
  return QRectF(left, rect.top() + titleH, side, side);
}

void paintPlaneFigure(QPainter& p, const QRectF& rect, const PlanePlotData& d, double em)
{
  const QRectF area = planePlotArea(rect, em, p.font(), d.title);
  if (!beginDynamicsPlot(p, rect, area, d.title, d.message, em)) return;
  if (d.grid > 1 && d.values.size() == Eigen::Index(d.grid) * d.grid) {
    paintHeatMap(p, area, d);
    paintDecisionBoundary(p, area, d, em);
  } else {
    p.fillRect(area, QColor(238, 238, 238));
  }
  paintPlanePoints(p, area, d, em);
  paintPlaneAxes(p, area, em);
  paintPlaneColourBar(p, area, rect, em);
  if (!d.warning.isEmpty()) paintFigureWarning(p, area, d.warning, em);
  p.restore();
}

PlanePlayground::PlanePlayground(QWidget* parent) : PointEditView(parent) {}

void PlanePlayground::setData(PlanePlotData data)
{
  const int selected = m_data.selectedPoint;
  m_data = std::move(data);
  m_data.selectedPoint = selected < int(m_data.train.size()) ? selected : -1;
  update();
}

QRectF PlanePlayground::plotArea() const { return planePlotArea(QRectF(rect()), em(), font(), m_data.title); }

QPointF PlanePlayground::dataToPixel(double u, double v) const { return PlaneMap{plotArea()}(u, v); }

QPointF PlanePlayground::pixelToData(const QPointF& pixel) const
{
  const QRectF a = plotArea();
  return {(pixel.x() - a.left()) / a.width(), (a.bottom() - pixel.y()) / a.height()};
}

QPointF PlanePlayground::clampedData(const QPointF& pixel) const
{
  const QPointF d = pixelToData(pixel);
  const double below1 = std::nextafter(1.0, 0.0);
  return {std::clamp(d.x(), 0.0, below1), std::clamp(d.y(), 0.0, below1)};
}

QPointF PlanePlayground::pointPixel(int index) const
{
  const QPointF& u = m_data.train[size_t(index)].position;
  return dataToPixel(u.x(), u.y());
}

void PlanePlayground::paintFigure(QPainter& p, const QRectF& rect, double em) const { paintPlaneFigure(p, rect, m_data, em); }

void PlanePlayground::dragPointTo(int index, const QPointF& data, Qt::KeyboardModifiers)
{
  emit pointDragged(index, data.x(), data.y());
}

void PlanePlayground::emptyReleased(const QPointF& pixel, bool moved, Qt::KeyboardModifiers modifiers)
{
  if (moved) return;
  const QPointF d = clampedData(pixel);
  emit addPointRequested(d.x(), d.y(), modifiers & Qt::ShiftModifier ? -1.0 : 1.0);
}

} // namespace ntk::gui
