// FigureFunctionWidget.cpp
#include "widgets/finite/FigureFunctionWidget.h"

namespace ntk::gui {

FigureFunctionWidget::FigureFunctionWidget(Painter painter, QWidget* parent)
    : DynamicsFigureWidget(parent), m_painter(std::move(painter))
{
}

} // namespace ntk::gui
