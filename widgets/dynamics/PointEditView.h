// PointEditView — the point editing both playgrounds share (the 1-D regression plot and the 2-D plane):
// the drag state, the nearest-point pick and the mouse/keyboard handling. A subclass supplies the
// data↔pixel mapping of its points and turns the edit hooks into its own signals.
// In: mouse and key events; from the subclass: plotArea(), pointCount(), pointPixel(i), clampedData(pixel),
// the selection (selectedPoint / selectPoint).
// Out, for every subclass:
//   left press on a point selects it; dragging it (≥ 4 px) → dragPointTo(index, data, modifiers) for
//   each move, then pointDragFinished(index) on release
//   right click on a point, or Delete/Backspace with one selected → removePointRequested(index)
//   press in the plot area on empty space → emptyPressed, emptyDragged (moved), emptyReleased
// GUI thread only.
#pragma once
#include <QPointF>
#include <QRectF>

#include "widgets/dynamics/DynamicsFigureWidget.h"

namespace ntk::gui {

class PointEditView : public DynamicsFigureWidget {
  Q_OBJECT

public:
  explicit PointEditView(QWidget* parent = nullptr);

  /// The data area inside the widget (painting and hit tests agree on it).
  virtual QRectF plotArea() const = 0;
  /// Index of the training point within grab distance of `pixel` (the nearest one), or −1.
  int pointAt(const QPointF& pixel) const;
  virtual int selectedPoint() const = 0;

signals:
  void pointDragFinished(int index);
  void removePointRequested(int index);

protected:
  /// The editable points: how many, and where each is drawn (widget pixels).
  virtual int pointCount() const = 0;
  virtual QPointF pointPixel(int index) const = 0;
  /// The data coordinates of `pixel`, clamped to the editable domain.
  virtual QPointF clampedData(const QPointF& pixel) const = 0;
  /// Stores the selection where the painting reads it (−1: none); the view repaints itself.
  virtual void selectPoint(int index) = 0;
  /// False: mouse presses are ignored (e.g. while a message replaces the plot).
  virtual bool acceptsEdits() const { return true; }

  /// Point `index` dragged to `data` (clamped).
  virtual void dragPointTo(int index, const QPointF& data, Qt::KeyboardModifiers modifiers) = 0;
  /// A left press on empty space inside the plot area, a move of it (past the click tolerance), and
  /// its release (`moved`: it was a drag, not a click).
  virtual void emptyPressed(const QPointF& /*pixel*/) {}
  virtual void emptyDragged(const QPointF& /*pixel*/) {}
  virtual void emptyReleased(const QPointF& pixel, bool moved, Qt::KeyboardModifiers modifiers) = 0;

  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;

private:
  int m_dragIndex = -1;
  bool m_pressedOnEmpty = false;
  bool m_moved = false;
  QPointF m_pressPixel;
};

} // namespace ntk::gui
