// TopoptGridView — one design of the Topology panel on screen, and the editor of its problem.
// In: TopoptDesignData (density, problem, overlay, title, caption; painted by paintTopoptDesign), the
// current tool and the brush radius; mouse and keys.
// Out, by tool (PointEditView does the press/drag/release bookkeeping; the loads' arrow tips are its
// draggable points, in every tool):
//   drag an arrow tip → loadDragged(index, fx, fy) live, then pointDragFinished(index); right-click a
//     tip or Delete with one selected → removePointRequested(index)
//   Load: click a node → loadPlaced(ix, iy) (a unit load pointing down)
//   Fix x / Fix y / Fix x+y: click or sweep over nodes → nodesFixed(nodes, fixX, fixY) once on release;
//     right-click a node → supportRemoved(ix, iy)
//   Solid / Void / Erase brush: click or sweep → elementsPainted(elements, kind) once on release (Erase:
//     PassiveKind::None); right-click with a brush erases under it
//   Filter, or Ctrl+click with any tool → filterRequested(ex, ey)
// The view previews a drag or a stroke itself; the panel turns the signals into undoable edits and
// sets the data again. GUI thread only.
#pragma once
#include <set>
#include <vector>

#include "widgets/dynamics/PointEditView.h"
#include "widgets/topopt/TopoptFigure.h"

namespace ntk::gui {

enum class TopoptTool { Load, FixX, FixY, FixXY, Solid, Void, Erase, Filter };

class TopoptGridView : public PointEditView {
  Q_OBJECT

public:
  explicit TopoptGridView(QWidget* parent = nullptr);

  void setData(TopoptDesignData data);
  const TopoptDesignData& data() const { return m_data; }
  void setTool(TopoptTool tool);
  TopoptTool tool() const { return m_tool; }
  /// Brush radius in elements (a click paints the element under it and those within the radius).
  void setBrushRadius(double elements) { m_brush = elements; }
  /// Frames painted since construction (the fps counter).
  int paintCount() const { return m_paints; }

  QRectF plotArea() const override;
  int selectedPoint() const override { return m_selected; }
  /// Widget positions of a node, an element centre and a load's arrow tip (tests click there).
  QPointF nodePosition(int ix, int iy) const;
  QPointF elementPosition(int ex, int ey) const;
  QPointF loadTipPosition(int index) const;
  /// The nearest node / the element under `pixel`; (−1, −1) outside the domain (with a half-element margin).
  std::pair<int, int> nodeAt(const QPointF& pixel) const;
  std::pair<int, int> elementAt(const QPointF& pixel) const;

  QSize sizeHint() const override { return {560, 240}; }
  QSize minimumSizeHint() const override { return {240, 90}; }

signals:
  void loadPlaced(int ix, int iy);
  void loadDragged(int index, double fx, double fy);
  void nodesFixed(const std::vector<std::pair<int, int>>& nodes, bool fixX, bool fixY);
  void supportRemoved(int ix, int iy);
  void elementsPainted(const std::vector<int>& elements, PassiveKind kind);
  void filterRequested(int ex, int ey);

protected:
  void paintFigure(QPainter& p, const QRectF& rect, double em) const override;
  int pointCount() const override;
  QPointF pointPixel(int index) const override;
  QPointF clampedData(const QPointF& pixel) const override;
  void selectPoint(int index) override;
  void dragPointTo(int index, const QPointF& data, Qt::KeyboardModifiers modifiers) override;
  void emptyPressed(const QPointF& pixel) override;
  void emptyDragged(const QPointF& pixel) override;
  void emptyReleased(const QPointF& pixel, bool moved, Qt::KeyboardModifiers modifiers) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void leaveEvent(QEvent* event) override;

private:
  TopoptDesignLayout layout() const;
  void collectAt(const QPointF& pixel);
  std::vector<int> brushElements(const QPointF& pixel) const;
  bool isBrush() const { return m_tool == TopoptTool::Solid || m_tool == TopoptTool::Void || m_tool == TopoptTool::Erase; }
  bool isFix() const { return m_tool == TopoptTool::FixX || m_tool == TopoptTool::FixY || m_tool == TopoptTool::FixXY; }

  TopoptDesignData m_data;
  TopoptTool m_tool = TopoptTool::Load;
  double m_brush = 1.0;
  int m_selected = -1;
  std::set<std::pair<int, int>> m_strokeNodes; ///< nodes swept by a fix tool (preview)
  std::set<int> m_strokeElements;              ///< elements swept by a brush (preview)
  QPointF m_hover{-1, -1};
  mutable int m_paints = 0;
};

} // namespace ntk::gui
