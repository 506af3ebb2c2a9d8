// RegressionPlayground — the interactive 1-D regression plot of the dynamics view, drawn with QPainter
// (crisp at any device pixel ratio, same look as FigurePainter's figures).
// Held-out (test) points are drawn as rings and are not editable.
// In: RegressionPlotData — the test grid x (n), the target curve, the prediction at time t (mean,
// variance → ±2σ band), the t = ∞ mean (dashed), the training points, a fixed y range.
// Out: the painted plot; edit requests from mouse and keyboard as signals (the owner changes its
// points and calls setData again):
//   left click on empty space      → addPointRequested(x, y, atClickY = Shift held)
//   left drag of a point           → pointDragged(index, x, y, free = Shift held), then pointDragFinished
//   right click on a point, Delete → removePointRequested(index)
//   left drag on empty space while drawing is enabled → targetStrokeFinished(stroke, data coordinates)
// (the press/drag/release handling, the point pick and pointDragFinished/removePointRequested are
// PointEditView's).
// paintRegressionFigure paints the same plot into any QPainter (export, headless demo).
#pragma once
#include <vector>

#include <Eigen/Dense>
#include <QColor>
#include <QFont>
#include <QPointF>
#include <QRectF>
#include <QString>

#include "widgets/dynamics/PointEditView.h"

class QPainter;

namespace ntk::gui {

/// A further curve on the test grid (e.g. a trained finite network): drawn over the band, under the points.
struct RegressionCurve {
  QString name;              ///< legend text (empty: not in the legend)
  Eigen::VectorXd y;         ///< on the test grid, n
  QColor color;
  bool dashed = false;
  double width = 1.0;        ///< relative to the mean's line width
  double opacity = 1.0;
};

struct RegressionPlotData {
  Eigen::VectorXd x;         ///< test grid, n (ascending)
  Eigen::VectorXd target;    ///< target on the grid, n (empty: none)
  Eigen::VectorXd mean;      ///< μ_t on the grid, n (empty: not computed)
  Eigen::VectorXd variance;  ///< σ²_t on the grid, n (empty: no band)
  Eigen::VectorXd limitMean; ///< μ_∞ on the grid, n (empty: not drawn)
  std::vector<RegressionCurve> curves; ///< further curves (finite networks), drawn in order
  std::vector<QPointF> points; ///< training points (x, y)
  std::vector<QPointF> testPoints; ///< held-out points (x, y), drawn as rings
  double yMin = -2.0, yMax = 2.0; ///< fixed y range (stable while t changes)
  QString title;
  QString meanName = QStringLiteral("mean f_t"), bandName = QStringLiteral("±2σ_t"),
          limitName = QStringLiteral("t = ∞"), targetName = QStringLiteral("target");
  QString warning;           ///< drawn in red inside the plot (e.g. GD diverges)
  QString message;           ///< non-empty: drawn instead of the plot
  int selectedPoint = -1;
  std::vector<QPointF> stroke; ///< a target stroke being drawn (data coordinates)
};

/// The plot area inside `rect` when the font size is `em` pixels and the title is `title` (it wraps
/// when narrow, taking more height): painting and hit tests agree on it.
QRectF regressionPlotArea(const QRectF& rect, double em, const QFont& font, const QString& title);
/// Paints title, axes, band, curves, points and legend into `rect`.
void paintRegressionFigure(QPainter& p, const QRectF& rect, const RegressionPlotData& data, double em);

class RegressionPlayground : public PointEditView {
  Q_OBJECT

public:
  explicit RegressionPlayground(QWidget* parent = nullptr);

  void setData(RegressionPlotData data);
  const RegressionPlotData& data() const { return m_data; }
  /// Left drags on empty space draw the target (the "user-drawn" preset).
  void setDrawingEnabled(bool on) { m_drawing = on; }
  bool drawingEnabled() const { return m_drawing; }

  /// Widget pixel of a data point, and back (for tests and hit testing).
  QPointF dataToPixel(double x, double y) const;
  QPointF pixelToData(const QPointF& pixel) const;
  QRectF plotArea() const override;
  int selectedPoint() const override { return m_data.selectedPoint; }

  QSize sizeHint() const override { return {600, 380}; }
  QSize minimumSizeHint() const override { return {240, 180}; }

signals:
  void addPointRequested(double x, double y, bool atClickY);
  void pointDragged(int index, double x, double y, bool free);
  void targetStrokeFinished(const std::vector<QPointF>& stroke);

protected:
  void paintFigure(QPainter& p, const QRectF& rect, double em) const override;
  int pointCount() const override { return int(m_data.points.size()); }
  QPointF pointPixel(int index) const override;
  QPointF clampedData(const QPointF& pixel) const override;
  void selectPoint(int index) override { m_data.selectedPoint = index; }
  bool acceptsEdits() const override { return m_data.message.isEmpty(); }
  void dragPointTo(int index, const QPointF& data, Qt::KeyboardModifiers modifiers) override;
  void emptyPressed(const QPointF& pixel) override;
  void emptyDragged(const QPointF& pixel) override;
  void emptyReleased(const QPointF& pixel, bool moved, Qt::KeyboardModifiers modifiers) override;
  void leaveEvent(QEvent* event) override;

private:
  RegressionPlotData m_data;
  bool m_drawing = false;
};

} // namespace ntk::gui
