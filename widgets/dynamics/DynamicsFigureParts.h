// DynamicsFigureParts — drawing pieces the dynamics plots share (QPainter, any paint device).
// In: a figure rectangle, the font size em (pixels), titles, a log time axis (decades and an ∞ column),
// legend entries. Out: painted titles that wrap (never overflow into the neighbouring plot), the log
// time axis with its tick labels, the current-time marker, rotated axis titles, and legends whose text
// wraps at spaces instead of being elided (numbers stay readable at any width).
// Thread-safety: pure painting.
#pragma once
#include <functional>
#include <vector>

#include <QColor>
#include <QFont>
#include <QPointF>
#include <QSizeF>
#include <QRectF>
#include <QString>

class QPainter;

namespace ntk::gui {

/// Starts a dynamics figure: p.save(), white background, a font of `em` pixels, the bold title
/// word-wrapped (at most two lines, shrunk further when a line still does not fit) in the top of
/// `rect`. Returns the height the title took (≥ 2 em). Pair with p.restore().
double beginDynamicsFigure(QPainter& p, const QRectF& rect, const QString& title, double em);
/// The height beginDynamicsFigure gives `title` in a rectangle `width` wide (hit tests need it).
double dynamicsTitleHeight(const QFont& base, double em, const QString& title, double width);
/// The height beginDynamicsFigure returns for `title` at the top of `rect` when the painter's font is
/// `font` (a widget's plot area and hit tests need it before painting).
double dynamicsTitleHeight(const QFont& font, double em, const QString& title, const QRectF& rect);
/// beginDynamicsFigure, then: when `message` is non-empty it is drawn in `area` instead of a plot, the
/// figure is ended (p.restore()) and the result is false; else true (pair with p.restore()).
bool beginDynamicsPlot(QPainter& p, const QRectF& rect, const QRectF& area, const QString& title,
                       const QString& message, double em);

/// Text rotated by −90° centred at (cx, cy) in a box `length` long (a y-axis title).
void paintRotatedText(QPainter& p, double cx, double cy, double length, double em, const QString& text);

/// The log time axis of the loss and residual plots: decades from 10^lx0 to 10^lx1 and an ∞ column
/// at the right end, mapped onto the horizontal extent of `area`.
struct LogTimeAxis {
  QRectF area;
  double lx0 = -3.0, lx1 = 6.0;
  double lxInf() const { return lx1 + 0.06 * (lx1 - lx0); }
  /// Pixel column of log10 t.
  double px(double lx) const { return area.left() + (lx - lx0) / (lxInf() - lx0) * area.width(); }
  /// Pixel column of t (∞ → the ∞ column; t below the range → the left edge).
  double pxTime(double t) const;
};
/// Grid lines, ticks and decade labels under `axis.area`, the ∞ label and the x-axis title.
void paintLogTimeAxis(QPainter& p, const LogTimeAxis& axis, double em, const QString& title);
/// The dashed vertical line at the current t.
void paintCurrentTimeMarker(QPainter& p, const LogTimeAxis& axis, double t, double em);

/// A log10 value axis: decade 10^ly0 at the bottom of `area`, 10^ly1 at its top.
struct LogValueAxis {
  QRectF area;
  double ly0 = 0.0, ly1 = 1.0;
  /// Pixel row of log10 v.
  double py(double ly) const { return area.bottom() - (ly - ly0) / (ly1 - ly0) * area.height(); }
};
/// Grid lines across `frame` at the decades of `axis` (every other one when closer than 1.6 em), their
/// labels right-aligned between rect.left() and the frame, and `title` rotated, centred on the frame.
void paintLogValueAxis(QPainter& p, const LogValueAxis& axis, const QRectF& frame, const QRectF& rect, double em,
                       const QString& title);

/// A red message (e.g. "GD diverges") word-wrapped at the bottom left of `area`, on a white box.
void paintFigureWarning(QPainter& p, const QRectF& area, const QString& warning, double em);

/// One legend row: its text and how to draw its sample into the given rectangle.
struct LegendEntry {
  QString text;
  std::function<void(QPainter&, const QRectF&)> drawSample;
};
/// The size of a legend of `entries` in `columns` columns (filled top to bottom, then left to right)
/// whose text wraps within `maxTextWidth` per column.
QSizeF legendSize(const QFont& font, double em, const std::vector<LegendEntry>& entries, double maxTextWidth,
                  int columns = 1);
/// Paints that legend with its top-right corner at `topRight`.
QRectF paintLegend(QPainter& p, const QPointF& topRight, double em, const std::vector<LegendEntry>& entries,
                   double maxTextWidth, int columns = 1);

} // namespace ntk::gui
