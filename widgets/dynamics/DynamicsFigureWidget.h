// DynamicsFigureWidget — the widget half every dynamics plot shares: an opaque QWidget that paints its
// whole rectangle with one figure function (the same function export and the headless demo call).
// In: the widget's font (its pixel size, at least 9, is the figure's em). Out: paintEvent calls
// paintFigure(p, rect(), em()) on a painter with the widget's font. GUI thread only.
#pragma once
#include <QRectF>
#include <QWidget>

class QPainter;

namespace ntk::gui {

class DynamicsFigureWidget : public QWidget {
  Q_OBJECT

public:
  explicit DynamicsFigureWidget(QWidget* parent = nullptr);

protected:
  /// The figure's font size in pixels: the widget font's, at least 9.
  double em() const;
  /// Paints the figure into `rect` (the whole widget) with font size `em`.
  virtual void paintFigure(QPainter& p, const QRectF& rect, double em) const = 0;
  void paintEvent(QPaintEvent* event) override;
};

} // namespace ntk::gui
