// PointEditView.cpp — press, drag, release and Delete for the playgrounds' points.
#include "widgets/dynamics/PointEditView.h"

#include <algorithm>
#include <cmath>

#include <QKeyEvent>
#include <QMouseEvent>

namespace ntk::gui {

PointEditView::PointEditView(QWidget* parent) : DynamicsFigureWidget(parent)
{
  setMouseTracking(true);
  setFocusPolicy(Qt::ClickFocus);
  setCursor(Qt::CrossCursor);
}

int PointEditView::pointAt(const QPointF& pixel) const
{
  const double grab = std::max(7.0, 0.7 * em());
  int best = -1;
  double bestD = grab * grab;
  for (int i = 0; i < pointCount(); ++i) {
    const QPointF dd = pointPixel(i) - pixel;
    const double d2 = dd.x() * dd.x() + dd.y() * dd.y();
    if (d2 <= bestD) {
      bestD = d2;
      best = i;
    }
  }
  return best;
}

void PointEditView::mousePressEvent(QMouseEvent* event)
{
  if (!acceptsEdits()) return;
  const QPointF pos = event->position();
  const int hit = pointAt(pos);
  if (event->button() == Qt::RightButton) {
    if (hit >= 0) emit removePointRequested(hit);
    return;
  }
  if (event->button() != Qt::LeftButton) return;
  m_pressPixel = pos;
  m_moved = false;
  if (hit >= 0) {
    m_dragIndex = hit;
    selectPoint(hit);
    setCursor(Qt::ClosedHandCursor);
    update();
    return;
  }
  m_pressedOnEmpty = plotArea().contains(pos);
  if (m_pressedOnEmpty) emptyPressed(pos);
}

void PointEditView::mouseMoveEvent(QMouseEvent* event)
{
  const QPointF pos = event->position();
  if (!(event->buttons() & Qt::LeftButton)) {
    setCursor(pointAt(pos) >= 0 ? Qt::OpenHandCursor : Qt::CrossCursor);
    return;
  }
  // A press that moves less than 4 px (Manhattan) is still a click.
  const QPointF delta = pos - m_pressPixel;
  if (std::abs(delta.x()) + std::abs(delta.y()) >= 4.0) m_moved = true;
  if (m_dragIndex >= 0 && m_moved)
    dragPointTo(m_dragIndex, clampedData(pos), event->modifiers());
  else if (m_pressedOnEmpty && m_moved)
    emptyDragged(pos);
}

void PointEditView::mouseReleaseEvent(QMouseEvent* event)
{
  if (event->button() != Qt::LeftButton) return;
  if (m_dragIndex >= 0) {
    const int index = m_dragIndex;
    m_dragIndex = -1;
    setCursor(Qt::OpenHandCursor);
    if (m_moved) emit pointDragFinished(index);
  } else if (m_pressedOnEmpty) {
    m_pressedOnEmpty = false;
    emptyReleased(event->position(), m_moved, event->modifiers());
  }
}

void PointEditView::keyPressEvent(QKeyEvent* event)
{
  if ((event->key() == Qt::Key_Delete || event->key() == Qt::Key_Backspace) && selectedPoint() >= 0) {
    const int index = selectedPoint();
    selectPoint(-1);
    emit removePointRequested(index);
    return;
  }
  QWidget::keyPressEvent(event);
}

} // namespace ntk::gui
