// TopoptGridView.cpp — painting through paintTopoptDesign, hit tests, the tools' mouse handling.
#include "widgets/topopt/TopoptGridView.h"

#include <algorithm>
#include <cmath>

#include <QMouseEvent>
#include <QPainter>

namespace ntk::gui {

TopoptGridView::TopoptGridView(QWidget* parent) : PointEditView(parent)
{
  setMinimumSize(minimumSizeHint());
}

void TopoptGridView::setData(TopoptDesignData data)
{
  m_data = std::move(data);
  if (m_selected >= int(m_data.problem.loads.size())) m_selected = -1;
  update();
}

void TopoptGridView::setTool(TopoptTool tool)
{
  m_tool = tool;
  m_strokeNodes.clear();
  m_strokeElements.clear();
  update();
}

TopoptDesignLayout TopoptGridView::layout() const { return layoutTopoptDesign(QRectF(rect()), m_data, em()); }

QRectF TopoptGridView::plotArea() const
{
  const TopoptDesignLayout L = layout();
  const double m = std::max(0.5 * L.element, 6.0);
  return L.domain.adjusted(-m, -m, m, m);
}

QPointF TopoptGridView::nodePosition(int ix, int iy) const { return layout().node(ix, iy); }

QPointF TopoptGridView::elementPosition(int ex, int ey) const { return layout().elementCentre(ex, ey); }

QPointF TopoptGridView::loadTipPosition(int index) const
{
  if (index < 0 || index >= int(m_data.problem.loads.size())) return {NAN, NAN};
  return topoptLoadTip(layout(), m_data.problem.loads[size_t(index)]);
}

std::pair<int, int> TopoptGridView::nodeAt(const QPointF& pixel) const
{
  if (!plotArea().contains(pixel)) return {-1, -1};
  const TopoptDesignLayout L = layout();
  const int ix = int(std::lround((pixel.x() - L.domain.left()) / L.element));
  const int iy = int(std::lround((pixel.y() - L.domain.top()) / L.element));
  return {std::clamp(ix, 0, m_data.problem.nelx), std::clamp(iy, 0, m_data.problem.nely)};
}

std::pair<int, int> TopoptGridView::elementAt(const QPointF& pixel) const
{
  if (!plotArea().contains(pixel) || m_data.problem.nelx < 1 || m_data.problem.nely < 1) return {-1, -1};
  const TopoptDesignLayout L = layout();
  const int ex = int(std::floor((pixel.x() - L.domain.left()) / L.element));
  const int ey = int(std::floor((pixel.y() - L.domain.top()) / L.element));
  return {std::clamp(ex, 0, m_data.problem.nelx - 1), std::clamp(ey, 0, m_data.problem.nely - 1)};
}

std::vector<int> TopoptGridView::brushElements(const QPointF& pixel) const
{
  std::vector<int> out;
  const auto [cx, cy] = elementAt(pixel);
  if (cx < 0) return out;
  const TopoptDesignLayout L = layout();
  const double px = (pixel.x() - L.domain.left()) / L.element, py = (pixel.y() - L.domain.top()) / L.element;
  const int reach = int(std::ceil(m_brush)) + 1;
  for (int ex = std::max(0, cx - reach); ex <= std::min(m_data.problem.nelx - 1, cx + reach); ++ex)
    for (int ey = std::max(0, cy - reach); ey <= std::min(m_data.problem.nely - 1, cy + reach); ++ey) {
      const bool under = ex == cx && ey == cy;
      if (under || std::hypot(ex + 0.5 - px, ey + 0.5 - py) <= m_brush) out.push_back(m_data.problem.elementIndex(ex, ey));
    }
  return out;
}

void TopoptGridView::paintFigure(QPainter& p, const QRectF& rect, double em) const
{
  ++m_paints;
  TopoptDesignData shown = m_data;
  shown.selectedLoad = m_selected;
  paintTopoptDesign(p, rect, shown, em);
  const TopoptDesignLayout L = layoutTopoptDesign(rect, m_data, em);
  // A stroke in progress: the elements and nodes it will change.
  if (!m_strokeElements.empty()) {
    const QColor c = m_tool == TopoptTool::Solid  ? QColor(220, 40, 40, 150)
                     : m_tool == TopoptTool::Void ? QColor(90, 160, 235, 150)
                                                  : QColor(255, 255, 255, 170);
    for (int e : m_strokeElements) {
      const int ex = e / m_data.problem.nely, ey = e % m_data.problem.nely;
      p.fillRect(QRectF(L.node(ex, ey), QSizeF(L.element, L.element)), c);
    }
  }
  p.save();
  p.setRenderHint(QPainter::Antialiasing, true);
  p.setPen(QPen(QColor(20, 90, 200), 1.5));
  p.setBrush(QColor(20, 90, 200, 90));
  for (const auto& [ix, iy] : m_strokeNodes) p.drawEllipse(L.node(ix, iy), 0.3 * em, 0.3 * em);
  // Where a click would act: the node (load, fix tools), the brush, or the element (filter).
  if (underMouse() && m_hover.x() >= 0 && plotArea().contains(m_hover)) {
    p.setBrush(Qt::NoBrush);
    p.setPen(QPen(QColor(0, 0, 0, 150), 1.0, Qt::DashLine));
    if (isBrush()) {
      const double r = (m_brush + 0.5) * L.element;
      p.drawEllipse(m_hover, r, r);
    } else if (m_tool == TopoptTool::Filter) {
      const auto [ex, ey] = elementAt(m_hover);
      if (ex >= 0) p.drawRect(QRectF(L.node(ex, ey), QSizeF(L.element, L.element)).adjusted(-1, -1, 1, 1));
    } else {
      const auto [ix, iy] = nodeAt(m_hover);
      if (ix >= 0) p.drawEllipse(L.node(ix, iy), 0.35 * em, 0.35 * em);
    }
  }
  p.restore();
}

int TopoptGridView::pointCount() const { return int(m_data.problem.loads.size()); }

QPointF TopoptGridView::pointPixel(int index) const { return loadTipPosition(index); }

QPointF TopoptGridView::clampedData(const QPointF& pixel) const
{
  return {std::clamp(pixel.x(), 0.0, double(width())), std::clamp(pixel.y(), 0.0, double(height()))};
}

void TopoptGridView::selectPoint(int index)
{
  m_selected = index;
  update();
}

void TopoptGridView::dragPointTo(int index, const QPointF& tip, Qt::KeyboardModifiers modifiers)
{
  if (index < 0 || index >= int(m_data.problem.loads.size())) return;
  PointLoad& l = m_data.problem.loads[size_t(index)];
  const TopoptDesignLayout L = layout();
  const QPointF d = (L.node(l.ix, l.iy) - tip) / L.arrow; // the tail is dragged
  double fx = d.x(), fy = -d.y();
  if (modifiers & Qt::ShiftModifier) { // along the nearer axis
    if (std::abs(fx) > std::abs(fy))
      fy = 0.0;
    else
      fx = 0.0;
  }
  // Magnitudes between 0.1 and 10, to two decimals (what the undo text and the file show).
  double mag = std::hypot(fx, fy);
  if (mag < 1e-9) {
    fx = 0.0;
    fy = -0.1;
    mag = 0.1;
  }
  const double target = std::clamp(std::round(mag * 20.0) / 20.0, 0.1, 10.0);
  l.fx = std::round(fx / mag * target * 100.0) / 100.0;
  l.fy = std::round(fy / mag * target * 100.0) / 100.0;
  update();
  emit loadDragged(index, l.fx, l.fy);
}

void TopoptGridView::collectAt(const QPointF& pixel)
{
  if (isBrush()) {
    for (int e : brushElements(pixel)) m_strokeElements.insert(e);
  } else if (isFix()) {
    const auto node = nodeAt(pixel);
    if (node.first >= 0) m_strokeNodes.insert(node);
  }
}

void TopoptGridView::emptyPressed(const QPointF& pixel)
{
  m_strokeNodes.clear();
  m_strokeElements.clear();
  collectAt(pixel);
  update();
}

void TopoptGridView::emptyDragged(const QPointF& pixel)
{
  // Fill in between mouse events, so a quick sweep leaves no gaps.
  const double step = std::max(1.0, 0.4 * layout().element);
  const QPointF from = m_hover.x() >= 0 ? m_hover : pixel;
  const double len = std::hypot(pixel.x() - from.x(), pixel.y() - from.y());
  const int n = std::max(1, int(std::ceil(len / step)));
  for (int i = 1; i <= n; ++i) collectAt(from + (pixel - from) * (double(i) / n));
  m_hover = pixel;
  update();
}

void TopoptGridView::emptyReleased(const QPointF& pixel, bool moved, Qt::KeyboardModifiers modifiers)
{
  const std::set<std::pair<int, int>> nodes = std::move(m_strokeNodes);
  const std::set<int> elements = std::move(m_strokeElements);
  m_strokeNodes.clear();
  m_strokeElements.clear();
  update();
  if (m_tool == TopoptTool::Filter || (modifiers & Qt::ControlModifier)) {
    const auto [ex, ey] = elementAt(pixel);
    if (ex >= 0 && !moved) emit filterRequested(ex, ey);
    return;
  }
  if (m_tool == TopoptTool::Load) {
    const auto [ix, iy] = nodeAt(pixel);
    if (ix >= 0 && !moved) emit loadPlaced(ix, iy);
    return;
  }
  if (isFix() && !nodes.empty()) {
    emit nodesFixed(std::vector<std::pair<int, int>>(nodes.begin(), nodes.end()), m_tool != TopoptTool::FixY,
                    m_tool != TopoptTool::FixX);
    return;
  }
  if (isBrush() && !elements.empty()) {
    const PassiveKind kind = m_tool == TopoptTool::Solid  ? PassiveKind::Solid
                             : m_tool == TopoptTool::Void ? PassiveKind::Void
                                                          : PassiveKind::None;
    emit elementsPainted(std::vector<int>(elements.begin(), elements.end()), kind);
  }
}

void TopoptGridView::mousePressEvent(QMouseEvent* event)
{
  const QPointF pos = event->position();
  m_hover = pos;
  if (event->button() == Qt::RightButton && pointAt(pos) < 0 && plotArea().contains(pos)) {
    if (isFix()) {
      const auto [ix, iy] = nodeAt(pos);
      if (ix >= 0) emit supportRemoved(ix, iy);
      return;
    }
    if (isBrush()) {
      emit elementsPainted(brushElements(pos), PassiveKind::None);
      return;
    }
  }
  PointEditView::mousePressEvent(event);
}

void TopoptGridView::mouseMoveEvent(QMouseEvent* event)
{
  PointEditView::mouseMoveEvent(event);
  m_hover = event->position();
  if (!(event->buttons() & Qt::LeftButton)) update();
}

void TopoptGridView::leaveEvent(QEvent* event)
{
  m_hover = QPointF(-1, -1);
  update();
  PointEditView::leaveEvent(event);
}

} // namespace ntk::gui
