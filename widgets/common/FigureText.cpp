#include "widgets/common/FigureText.h"

#include <algorithm>
#include <cmath>

#include <QFontMetricsF>
#include <QPainter>

namespace ntk::gui {

namespace {

bool collides(const QRectF& a, const QRectF& b, double gap)
{
  return a.adjusted(-gap / 2, -gap / 2, gap / 2, gap / 2).intersects(b.adjusted(-gap / 2, -gap / 2, gap / 2, gap / 2));
}

QFont scaled(const QFont& font, double scale)
{
  QFont f = font;
  if (font.pixelSize() > 0)
    f.setPixelSize(std::max(1, int(std::lround(font.pixelSize() * scale))));
  else
    f.setPointSizeF(std::max(1.0, font.pointSizeF() * scale));
  return f;
}

/// The size `text` takes word-wrapped at `width` (wider than `width` when one word is).
QSizeF wrappedSize(const QFont& font, const QString& text, double width)
{
  const QFontMetricsF fm(font);
  return fm.boundingRect(QRectF(0, 0, std::max(1.0, width), 1e6), Qt::TextWordWrap, text).size();
}

} // namespace

double wrappedTextHeight(const QFont& font, const QString& text, double width)
{
  return text.isEmpty() ? 0.0 : wrappedSize(font, text, width).height();
}

QFont fittingFont(const QFont& font, const QString& text, const QSizeF& box, double minScale)
{
  for (double scale = 1.0;; scale -= 0.05) {
    const QFont f = scaled(font, std::max(scale, minScale));
    const QSizeF need = wrappedSize(f, text, box.width());
    if ((need.width() <= box.width() + 0.5 && need.height() <= box.height() + 0.5) || scale <= minScale) return f;
  }
}

void drawFittedText(QPainter& p, const QRectF& rect, int align, const QString& text, double minScale)
{
  if (text.isEmpty()) return;
  const QFont before = p.font();
  p.setFont(fittingFont(before, text, rect.size(), minScale));
  p.drawText(rect, align | Qt::TextWordWrap | Qt::TextDontClip, text);
  p.setFont(before);
}

std::vector<bool> labelsThatFit(const std::vector<QRectF>& rects, const std::vector<int>& priority, double gap)
{
  const size_t n = rects.size();
  auto prio = [&](size_t i) { return i < priority.size() ? priority[i] : 0; };
  std::vector<size_t> major;
  for (size_t i = 0; i < n; ++i)
    if (prio(i) == 0) major.push_back(i);
  std::vector<bool> keep(n, false);
  // The smallest stride at which every kept major label is clear of the next kept one.
  for (size_t stride = 1; stride <= std::max<size_t>(1, major.size()); ++stride) {
    bool clear = true;
    for (size_t j = 0; j + stride < major.size() && clear; j += stride)
      clear = !collides(rects[major[j]], rects[major[j + stride]], gap);
    if (!clear) continue;
    for (size_t j = 0; j < major.size(); j += stride) keep[major[j]] = true;
    break;
  }
  for (size_t i = 0; i < n; ++i) {
    if (prio(i) == 0) continue;
    bool clear = true;
    for (size_t j = 0; j < n && clear; ++j)
      if (keep[j]) clear = !collides(rects[i], rects[j], gap);
    keep[i] = clear;
  }
  return keep;
}

} // namespace ntk::gui
