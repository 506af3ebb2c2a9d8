// FigureText — text that fits in QPainter figures: wrapped, or set smaller, instead of elided, and
// tick labels thinned so that no two overlap.
// In: a painter (its current font), a box, the text; or the rectangles tick labels would take.
// Out: the text drawn inside the box (never elided: an elided caption hid the number the user
// looked for); which tick labels to draw. Pure painting; any thread with a QImage device.
#pragma once
#include <vector>

#include <QFont>
#include <QRectF>
#include <QString>

class QPainter;

namespace ntk::gui {

/// Height `text` takes in `font`, word-wrapped at `width` pixels.
double wrappedTextHeight(const QFont& font, const QString& text, double width);

/// `font`, or a smaller one down to `minScale` of its size, at which `text` word-wrapped at
/// `box.width()` fits in `box` (the smallest tried when none fits).
QFont fittingFont(const QFont& font, const QString& text, const QSizeF& box, double minScale = 0.7);

/// Draws `text` word-wrapped in `rect` (alignment `align`, Qt::AlignmentFlag), with the painter's font
/// made smaller (down to `minScale`) when it does not fit otherwise. Nothing is elided or clipped.
void drawFittedText(QPainter& p, const QRectF& rect, int align, const QString& text, double minScale = 0.7);

/// Which tick labels to draw so that no two of `rects` come closer than `gap` pixels: labels of
/// priority 0 (decades, the ticks of a linear axis) at the smallest regular stride that keeps them
/// apart, then labels of priority 1 (2 and 5 inside a decade) wherever they collide with none kept.
/// `priority` may be empty (all 0). Same length as `rects`.
std::vector<bool> labelsThatFit(const std::vector<QRectF>& rects, const std::vector<int>& priority, double gap);

} // namespace ntk::gui
