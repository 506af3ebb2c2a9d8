// FigureFunctionWidget — an opaque widget that paints a figure function (the same one export and the
// headless demo call) into its whole rectangle, with the widget font's size as em.
// In: setPainter(f) with f(p, rect, em). Out: the painted widget. GUI thread only.
#pragma once
#include <functional>

#include "widgets/dynamics/DynamicsFigureWidget.h"

namespace ntk::gui {

class FigureFunctionWidget : public DynamicsFigureWidget {
  Q_OBJECT

public:
  using Painter = std::function<void(QPainter&, const QRectF&, double)>;
  explicit FigureFunctionWidget(Painter painter, QWidget* parent = nullptr);
  QSize sizeHint() const override { return {900, 520}; }
  QSize minimumSizeHint() const override { return {400, 260}; }

protected:
  void paintFigure(QPainter& p, const QRectF& rect, double em) const override { m_painter(p, rect, em); }

private:
  Painter m_painter;
};

} // namespace ntk::gui
