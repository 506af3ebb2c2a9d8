// PlanePlayground — the interactive 2-D view of the dynamics panel (TensorFlow Playground's data
// view): the network's output f_t(u) over the input square [0, 1)² as a heat map (diverging colours,
// blue −1 … white 0 … red +1), the decision boundary f = 0 as a contour, the training points filled
// and the held-out points as rings, coloured by their class ±1.
// In: PlanePlotData (grid values of f_t on planeTestGrid's kPlaneGrid² points, the points).
// Out: the painted plot; edit requests as signals (the owner changes its points and calls setData):
//   left click on empty space → addPointRequested(u, v, label = +1, or −1 with Shift)
//   left drag of a training point → pointDragged(index, u, v), then pointDragFinished(index)
//   right click on a training point, or Delete on the selected one → removePointRequested(index)
// (the press/drag/release handling, the point pick and the last two signals are PointEditView's).
// paintPlaneFigure paints the same plot into any QPainter (export, headless demo).
#pragma once
#include <vector>

#include <Eigen/Dense>
#include <QFont>
#include <QPointF>
#include <QRectF>
#include <QString>

#include "widgets/dynamics/PointEditView.h"

class QPainter;

namespace ntk::gui {

struct PlanePoint {
  QPointF position; ///< input (u, v) ∈ [0, 1)²
  double label = 1.0; ///< class ±1 (the colour)
};

struct PlanePlotData {
  int grid = 0;                 ///< G: `values` is G² (row iy·G + ix at ((ix + ½)/G, (iy + ½)/G)); 0: no map
  Eigen::VectorXd values;       ///< f_t on the grid
  std::vector<PlanePoint> train, test;
  QString title;
  QString warning;              ///< drawn in red inside the plot (e.g. GD diverges)
  QString message;              ///< non-empty: drawn instead of the plot
  int selectedPoint = -1;
};

/// The square data area inside `rect` (painting and hit tests agree on it).
QRectF planePlotArea(const QRectF& rect, double em, const QFont& font, const QString& title);
void paintPlaneFigure(QPainter& p, const QRectF& rect, const PlanePlotData& data, double em);

class PlanePlayground : public PointEditView {
  Q_OBJECT

public:
  explicit PlanePlayground(QWidget* parent = nullptr);
  void setData(PlanePlotData data);
  const PlanePlotData& data() const { return m_data; }

  QPointF dataToPixel(double u, double v) const;
  QPointF pixelToData(const QPointF& pixel) const;
  QRectF plotArea() const override;
  int selectedPoint() const override { return m_data.selectedPoint; }

  QSize sizeHint() const override { return {520, 520}; }
  QSize minimumSizeHint() const override { return {220, 220}; }

signals:
  void addPointRequested(double u, double v, double label);
  void pointDragged(int index, double u, double v);

protected:
  void paintFigure(QPainter& p, const QRectF& rect, double em) const override;
  int pointCount() const override { return int(m_data.train.size()); }
  QPointF pointPixel(int index) const override;
  QPointF clampedData(const QPointF& pixel) const override;
  void selectPoint(int index) override { m_data.selectedPoint = index; }
  void dragPointTo(int index, const QPointF& data, Qt::KeyboardModifiers modifiers) override;
  void emptyReleased(const QPointF& pixel, bool moved, Qt::KeyboardModifiers modifiers) override;

private:
  PlanePlotData m_data;
};

} // namespace ntk::gui
