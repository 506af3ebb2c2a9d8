#include "widgets/dynamics/DynamicsFigureWidget.h"

#include <algorithm>

#include <QFontInfo>
#include <QPainter>

namespace ntk::gui {

DynamicsFigureWidget::DynamicsFigureWidget(QWidget* parent) : QWidget(parent) { setAttribute(Qt::WA_OpaquePaintEvent); }

double DynamicsFigureWidget::em() const { return std::max(9, QFontInfo(font()).pixelSize()); }

void DynamicsFigureWidget::paintEvent(QPaintEvent*)
{
  QPainter p(this);
  p.setFont(font());
  paintFigure(p, QRectF(rect()), em());
}

} // namespace ntk::gui
