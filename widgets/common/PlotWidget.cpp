#include "widgets/common/PlotWidget.h"

#include <cmath>

#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>
#include <QWheelEvent>

namespace ntk::gui {

PlotWidget::PlotWidget(QWidget* parent) : QWidget(parent)
{
  setMouseTracking(true);
  setAttribute(Qt::WA_OpaquePaintEvent);
  setFocusPolicy(Qt::ClickFocus);
  setToolTip(tr("Wheel: zoom · drag: pan · double click on empty space: reset the view · click a point to select it"));
}

void PlotWidget::setPlot(std::vector<PlotSeries> series, PlotOptions options, bool keepZoom)
{
  const bool sameAxes = options.logX == m_options.logX && options.logY == m_options.logY;
  m_series = std::move(series);
  m_options = std::move(options);
  if (!keepZoom || !sameAxes) m_zoom.reset();
  m_frameStale = true;
  update();
}

void PlotWidget::clear()
{
  m_series.clear();
  m_zoom.reset();
  update();
}

void PlotWidget::setHighlight(int series, int index)
{
  m_options.highlightSeries = series;
  m_options.highlightPoint = index;
  m_frameStale = true;
  update();
}

void PlotWidget::resetZoom()
{
  m_zoom.reset();
  m_frameStale = true;
  update();
}

double PlotWidget::fontEm() const { return std::max(11.0, QFontInfo(font()).pixelSize() * 1.05); }

PlotOptions PlotWidget::screenOptions() const
{
  PlotOptions o = m_options;
  o.em = fontEm();
  if (m_zoom) o.range = m_zoom; // else the options' own fixed range, if any
  return o;
}

void PlotWidget::paintFigure(QPainter& p, const QRectF& rect, bool keepZoom) const
{
  PlotOptions o = m_options;
  if (keepZoom && m_zoom) o.range = m_zoom;
  paintPlot(p, rect, m_series, o);
}

void PlotWidget::paintEvent(QPaintEvent*)
{
  QPainter p(this);
  p.setFont(font());
  m_frame = paintPlot(p, QRectF(rect()), m_series, screenOptions());
  m_frameSize = size();
  m_frameStale = false;
}

void PlotWidget::ensureFrame() const
{
  if (!m_frameStale && m_frameSize == size()) return;
  QImage scratch(size().expandedTo(QSize(1, 1)), QImage::Format_RGB32);
  QPainter p(&scratch);
  p.setFont(font());
  m_frame = paintPlot(p, QRectF(rect()), m_series, screenOptions());
  m_frameSize = size();
  m_frameStale = false;
}

std::pair<int, int> PlotWidget::pointNear(const QPointF& pos, double maxDistance) const
{
  ensureFrame();
  std::pair<int, int> best{-1, -1};
  double bestD = maxDistance * maxDistance;
  for (size_t s = 0; s < m_series.size(); ++s) {
    const PlotSeries& series = m_series[s];
    if (!series.pickable) continue;
    for (Eigen::Index i = 0; i < std::min(series.x.size(), series.y.size()); ++i) {
      if (m_frame.logY && series.y(i) == 0.0 && !series.exactZeros) continue;
      const QPointF c = m_frame.toPixel(series.x(i), series.y(i));
      if (!std::isfinite(c.x()) || !std::isfinite(c.y())) continue;
      const double d = (c.x() - pos.x()) * (c.x() - pos.x()) + (c.y() - pos.y()) * (c.y() - pos.y());
      if (d < bestD) bestD = d, best = {int(s), int(i)};
    }
  }
  return best;
}

QPointF PlotWidget::pointPosition(int series, int index) const
{
  ensureFrame();
  if (series < 0 || series >= int(m_series.size()) || index < 0 || index >= m_series[size_t(series)].y.size() ||
      index >= m_series[size_t(series)].x.size())
    return {NAN, NAN};
  return m_frame.toPixel(m_series[size_t(series)].x(index), m_series[size_t(series)].y(index));
}

void PlotWidget::mousePressEvent(QMouseEvent* event)
{
  if (event->button() != Qt::LeftButton) return;
  m_pressPos = event->position();
  m_panStart = m_zoom.value_or(m_frame.range);
  m_dragging = false;
}

void PlotWidget::mouseMoveEvent(QMouseEvent* event)
{
  if ((event->buttons() & Qt::LeftButton) && m_panStart && m_frame.valid) {
    const QPointF delta = event->position() - m_pressPos;
    if (!m_dragging && std::hypot(delta.x(), delta.y()) < 4.0) return;
    m_dragging = true;
    AxisRange r = *m_panStart;
    const double dx = -delta.x() / m_frame.plot.width() * (r.xhi - r.xlo);
    const double dy = delta.y() / m_frame.plot.height() * (r.yhi - r.ylo);
    r.xlo += dx, r.xhi += dx, r.ylo += dy, r.yhi += dy;
    m_zoom = r;
    m_frameStale = true;
    update();
    return;
  }
  const auto [s, i] = pointNear(event->position(), 1.2 * fontEm());
  if (s < 0) {
    QToolTip::hideText();
    return;
  }
  const PlotSeries& series = m_series[size_t(s)];
  const QString xName = m_options.xTitle.isEmpty() ? QStringLiteral("x") : m_options.xTitle;
  const QString yName = m_options.yTitle.isEmpty() ? QStringLiteral("y") : m_options.yTitle;
  QString text = QStringLiteral("%1\n%2 = %3\n%4 = %5")
                     .arg(series.name, xName, QString::number(series.x(i), 'g', 6), yName, QString::number(series.y(i), 'g', 6));
  if (series.exactZeros && series.y(i) == 0.0) text += QStringLiteral("  (exact zero)");
  QToolTip::showText(event->globalPosition().toPoint(), text, this);
}

void PlotWidget::mouseReleaseEvent(QMouseEvent* event)
{
  if (event->button() != Qt::LeftButton) return;
  const bool wasDrag = m_dragging;
  m_dragging = false;
  m_panStart.reset();
  if (wasDrag) return;
  const auto [s, i] = pointNear(event->position(), 1.5 * fontEm());
  if (s >= 0) emit pointClicked(s, i);
}

void PlotWidget::mouseDoubleClickEvent(QMouseEvent* event)
{
  if (event->button() == Qt::LeftButton) {
    const auto [s, i] = pointNear(event->position(), 1.5 * fontEm());
    if (s >= 0) {
      emit pointDoubleClicked(s, i);
      return;
    }
  }
  resetZoom();
}

void PlotWidget::wheelEvent(QWheelEvent* event)
{
  if (!m_frame.valid) return;
  const double steps = event->angleDelta().y() / 120.0;
  if (steps == 0) return;
  const double factor = std::pow(0.85, steps);
  const QPointF c = m_frame.toAxis(event->position());
  AxisRange r = m_zoom.value_or(m_frame.range);
  r.xlo = c.x() + (r.xlo - c.x()) * factor, r.xhi = c.x() + (r.xhi - c.x()) * factor;
  r.ylo = c.y() + (r.ylo - c.y()) * factor, r.yhi = c.y() + (r.yhi - c.y()) * factor;
  m_zoom = r;
  m_frameStale = true;
  update();
  event->accept();
}

} // namespace ntk::gui
