#include "widgets/dynamics/DynamicsFigureParts.h"

#include <algorithm>
#include <cmath>

#include <QFontMetricsF>
#include <QPainter>

#include "widgets/common/FigurePainter.h"

namespace ntk::gui {

namespace {

constexpr int kTitleFlags = Qt::AlignHCenter | Qt::AlignTop | Qt::TextWordWrap;

QFont titleFont(const QFont& base, double pixels)
{
  QFont f = base;
  f.setPixelSize(std::max(1, int(pixels)));
  f.setBold(true);
  return f;
}

/// The title's font size: em, or smaller until the wrapped title fits two lines of the width.
double titlePixels(const QFont& base, double em, const QString& title, double width)
{
  double pixels = em;
  for (; pixels > 0.6 * em; pixels -= 0.5) {
    const QFontMetricsF fm(titleFont(base, pixels));
    const QRectF r = fm.boundingRect(QRectF(0, 0, width, 1e6), kTitleFlags, title);
    if (r.width() <= width + 0.5 && r.height() <= 2.0 * fm.lineSpacing() + 0.5) break;
  }
  return pixels;
}

double legendRowHeight(const QFontMetricsF& fm, double em, const QString& text, double textWidth)
{
  const QRectF r = fm.boundingRect(QRectF(0, 0, textWidth, 1e6), Qt::AlignLeft | Qt::TextWordWrap, text);
  return std::max(1.35 * em, r.height() + 0.35 * em);
}

} // namespace

double dynamicsTitleHeight(const QFont& base, double em, const QString& title, double width)
{
  if (title.isEmpty()) return 2.0 * em;
  const QFont f = titleFont(base, titlePixels(base, em, title, width));
  const QRectF r = QFontMetricsF(f).boundingRect(QRectF(0, 0, width, 1e6), kTitleFlags, title);
  return std::max(2.0 * em, r.height() + 0.6 * em);
}

double beginDynamicsFigure(QPainter& p, const QRectF& rect, const QString& title, double em)
{
  p.save();
  p.setRenderHint(QPainter::Antialiasing, true);
  p.fillRect(rect, Qt::white);
  QFont f = p.font();
  f.setPixelSize(std::max(1, int(em)));
  const double width = std::max(10.0, rect.width() - 0.6 * em);
  const double height = dynamicsTitleHeight(f, em, title, width);
  p.setFont(titleFont(f, titlePixels(f, em, title, width)));
  p.setPen(Qt::black);
  p.save();
  p.setClipRect(rect); // never into the neighbouring plot
  p.drawText(QRectF(rect.left() + 0.3 * em, rect.top() + 0.3 * em, width, height), kTitleFlags, title);
  p.restore();
  p.setFont(f);
  return height;
}

double dynamicsTitleHeight(const QFont& font, double em, const QString& title, const QRectF& rect)
{
  QFont f = font;
  f.setPixelSize(std::max(1, int(em)));
  return dynamicsTitleHeight(f, em, title, std::max(10.0, rect.width() - 0.6 * em));
}

bool beginDynamicsPlot(QPainter& p, const QRectF& rect, const QRectF& area, const QString& title,
                       const QString& message, double em)
{
  beginDynamicsFigure(p, rect, title, em);
  if (message.isEmpty()) return true;
  paintFigureMessage(p, area, message, em);
  p.restore();
  return false;
}

void paintRotatedText(QPainter& p, double cx, double cy, double length, double em, const QString& text)
{
  p.save();
  p.translate(cx, cy);
  p.rotate(-90);
  p.drawText(QRectF(-length / 2, -0.7 * em, length, 1.4 * em), Qt::AlignCenter, text);
  p.restore();
}

double LogTimeAxis::pxTime(double t) const
{
  if (std::isinf(t)) return px(lxInf());
  return px(std::clamp(std::log10(std::max(t, 1e-300)), lx0, lx1));
}

void paintLogTimeAxis(QPainter& p, const LogTimeAxis& axis, double em, const QString& title)
{
  const QRectF& a = axis.area;
  const int first = int(std::ceil(axis.lx0)), last = int(std::floor(axis.lx1));
  // Label every decade when there is room, else every second or third.
  const double perDecade = a.width() / (axis.lxInf() - axis.lx0);
  const int step = perDecade > 3.2 * em ? 1 : (2 * perDecade > 3.2 * em ? 2 : 3);
  p.save();
  p.setPen(QPen(QColor(225, 225, 225), 1.0));
  for (int e = first; e <= last; ++e) p.drawLine(QPointF(axis.px(e), a.top()), QPointF(axis.px(e), a.bottom()));
  p.setPen(QPen(QColor(200, 200, 200), 1.0, Qt::DotLine));
  p.drawLine(QPointF(axis.px(axis.lx1), a.top()), QPointF(axis.px(axis.lx1), a.bottom()));
  p.setPen(QPen(Qt::black, 1.0));
  // The ∞ label at the right end keeps its place: a decade label that would touch it is left out.
  const QFontMetricsF fm(p.font());
  const double infLeft = axis.px(axis.lxInf()) - fm.horizontalAdvance(QStringLiteral("∞")) - 0.3 * em;
  for (int e = first; e <= last; e += step) {
    p.drawLine(QPointF(axis.px(e), a.bottom()), QPointF(axis.px(e), a.bottom() + 0.35 * em));
    if (axis.px(e) + fm.horizontalAdvance(decadeLabel(e)) / 2 > infLeft) continue;
    p.drawText(QRectF(axis.px(e) - 2.5 * em, a.bottom() + 0.4 * em, 5 * em, 1.2 * em), Qt::AlignHCenter | Qt::AlignTop,
               decadeLabel(e));
  }
  p.drawText(QRectF(axis.px(axis.lxInf()) - 1.5 * em, a.bottom() + 0.4 * em, 1.5 * em, 1.2 * em),
             Qt::AlignRight | Qt::AlignTop, QStringLiteral("∞"));
  p.drawText(QRectF(a.left(), a.bottom() + 1.6 * em, a.width(), 1.3 * em), Qt::AlignCenter, title);
  p.restore();
}

void paintCurrentTimeMarker(QPainter& p, const LogTimeAxis& axis, double t, double em)
{
  p.save();
  p.setPen(QPen(QColor(40, 40, 40), std::max(1.0, em / 8.0), Qt::DashLine));
  const double x = axis.pxTime(t);
  p.drawLine(QPointF(x, axis.area.top()), QPointF(x, axis.area.bottom()));
  p.restore();
}

namespace {

/// Where each entry of a legend goes: column widths (text only) and row heights.
struct LegendLayout {
  int rows = 0, columns = 1;
  std::vector<double> textWidth, rowHeight;
  double width(double em) const
  {
    double w = 0.0;
    for (double t : textWidth) w += t + 3.4 * em;
    return w;
  }
  double height(double em) const
  {
    double h = 0.3 * em;
    for (double r : rowHeight) h += r;
    return h;
  }
};

LegendLayout layoutLegend(const QFont& font, double em, const std::vector<LegendEntry>& entries, double maxTextWidth,
                          int columns)
{
  const QFontMetricsF fm(font);
  LegendLayout l;
  l.columns = std::max(1, columns);
  l.rows = int((entries.size() + size_t(l.columns) - 1) / size_t(l.columns));
  l.textWidth.assign(size_t(l.columns), 0.0);
  l.rowHeight.assign(size_t(l.rows), 0.0);
  for (size_t i = 0; i < entries.size(); ++i) {
    const size_t col = i / size_t(l.rows), row = i % size_t(l.rows);
    const QRectF r = fm.boundingRect(QRectF(0, 0, maxTextWidth, 1e6), Qt::AlignLeft | Qt::TextWordWrap, entries[i].text);
    l.textWidth[col] = std::max(l.textWidth[col], std::min(maxTextWidth, r.width()));
    l.rowHeight[row] = std::max(l.rowHeight[row], legendRowHeight(fm, em, entries[i].text, maxTextWidth));
  }
  return l;
}

} // namespace

QSizeF legendSize(const QFont& font, double em, const std::vector<LegendEntry>& entries, double maxTextWidth, int columns)
{
  if (entries.empty()) return {0, 0};
  const LegendLayout l = layoutLegend(font, em, entries, maxTextWidth, columns);
  return {l.width(em), l.height(em)};
}

QRectF paintLegend(QPainter& p, const QPointF& topRight, double em, const std::vector<LegendEntry>& entries,
                   double maxTextWidth, int columns)
{
  if (entries.empty()) return {};
  const LegendLayout l = layoutLegend(p.font(), em, entries, maxTextWidth, columns);
  const QRectF box(topRight.x() - l.width(em), topRight.y(), l.width(em), l.height(em));
  p.save();
  p.setPen(QPen(QColor(180, 180, 180), 1.0));
  p.setBrush(QColor(255, 255, 255, 230));
  p.drawRect(box);
  p.setBrush(Qt::NoBrush);
  double x = box.left();
  for (int col = 0; col < l.columns; ++col) {
    double y = box.top() + 0.15 * em;
    for (int row = 0; row < l.rows; ++row) {
      const size_t i = size_t(col) * size_t(l.rows) + size_t(row);
      if (i >= entries.size()) break;
      // The sample sits beside the first line of the text.
      const QRectF sample(x + 0.4 * em, y + 0.1 * em, 2.0 * em, 1.2 * em);
      if (entries[i].drawSample) entries[i].drawSample(p, sample);
      p.setPen(Qt::black);
      p.drawText(QRectF(x + 2.9 * em, y + 0.15 * em, l.textWidth[size_t(col)] + 0.3 * em, l.rowHeight[size_t(row)]),
                 Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap, entries[i].text);
      y += l.rowHeight[size_t(row)];
    }
    x += l.textWidth[size_t(col)] + 3.4 * em;
  }
  p.restore();
  return box;
}

void paintLogValueAxis(QPainter& p, const LogValueAxis& axis, const QRectF& frame, const QRectF& rect, double em,
                       const QString& title)
{
  const int step = axis.area.height() / (axis.ly1 - axis.ly0) > 1.6 * em ? 1 : 2;
  p.save();
  for (int e = int(axis.ly0); e <= int(axis.ly1); e += step) {
    p.setPen(QPen(QColor(225, 225, 225), 1.0));
    p.drawLine(QPointF(frame.left(), axis.py(e)), QPointF(frame.right(), axis.py(e)));
    p.setPen(Qt::black);
    p.drawText(QRectF(rect.left(), axis.py(e) - 0.6 * em, frame.left() - rect.left() - 0.4 * em, 1.2 * em),
               Qt::AlignRight | Qt::AlignVCenter, decadeLabel(e));
  }
  paintRotatedText(p, rect.left() + 0.8 * em, frame.center().y(), frame.height(), em, title);
  p.restore();
}

void paintFigureWarning(QPainter& p, const QRectF& area, const QString& warning, double em)
{
  const QRectF room = area.adjusted(0.6 * em, 0.6 * em, -0.6 * em, -0.6 * em);
  QRectF box = QFontMetricsF(p.font()).boundingRect(room, Qt::AlignLeft | Qt::AlignBottom | Qt::TextWordWrap, warning);
  box.adjust(-0.3 * em, -0.2 * em, 0.3 * em, 0.2 * em);
  p.save();
  p.fillRect(box, QColor(255, 255, 255, 230));
  p.setPen(QColor(200, 0, 0));
  p.drawText(room, Qt::AlignLeft | Qt::AlignBottom | Qt::TextWordWrap, warning);
  p.restore();
}

} // namespace ntk::gui
