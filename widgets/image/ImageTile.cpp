#include "widgets/image/ImageTile.h"

#include <algorithm>

#include <QFontMetricsF>
#include <QContextMenuEvent>
#include <QMenu>
#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>
#include <cmath>

#include "widgets/common/Colormap.h"
#include "widgets/common/FigurePainter.h"

namespace ntk::gui {

namespace {

/// `text` broken at spaces into lines no wider than `width` (a " · " separator at a break is dropped).
/// A single word wider than `width` stays whole on its own line: fitFont shrinks the font for it.
QStringList wrapLines(const QString& text, const QFontMetricsF& fm, double width)
{
  QStringList lines;
  QString line;
  for (const QString& word : text.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
    const QString candidate = line.isEmpty() ? word : line + QLatin1Char(' ') + word;
    if (line.isEmpty() || fm.horizontalAdvance(candidate) <= width) {
      line = candidate;
    } else {
      lines << line;
      line = word;
    }
  }
  if (!line.isEmpty()) lines << line;
  for (QString& l : lines) {
    if (l.endsWith(QStringLiteral(" ·"))) l.chop(2);
    if (l.startsWith(QStringLiteral("· "))) l.remove(0, 2);
  }
  lines.removeAll(QStringLiteral("·"));
  return lines;
}

/// `font`, made smaller (down to 6 px) until every word of `text` fits `width`: numbers are never cut.
QFont fitFont(QFont font, const QString& text, double width)
{
  const QStringList words = text.split(QLatin1Char(' '), Qt::SkipEmptyParts);
  while (font.pixelSize() > 6) {
    const QFontMetricsF fm(font);
    if (std::all_of(words.begin(), words.end(), [&](const QString& w) { return fm.horizontalAdvance(w) <= width; })) break;
    font.setPixelSize(font.pixelSize() - 1);
  }
  return font;
}

/// Draws `lines` centred, one per `line` height, from `top`; returns the height used.
double drawLines(QPainter& p, const QStringList& lines, const QRectF& rect, double top, double line)
{
  for (int i = 0; i < lines.size(); ++i)
    p.drawText(QRectF(rect.left(), top + i * line, rect.width(), line), Qt::AlignCenter | Qt::TextSingleLine, lines[i]);
  return lines.size() * line;
}

} // namespace

QRect clampRegion(const QRect& region, const QSize& size)
{
  if (region.isEmpty() || size.isEmpty()) return {};
  const int w = std::clamp(region.width(), 1, size.width()), h = std::clamp(region.height(), 1, size.height());
  if (w == size.width() && h == size.height()) return {};
  const int x = std::clamp(region.x(), 0, size.width() - w), y = std::clamp(region.y(), 0, size.height() - h);
  return QRect(x, y, w, h);
}

QRectF paintImageTile(QPainter& p, const QRectF& rect, const QImage& image, const QString& title, const QString& caption,
                      const QString& message, double em, const QRect& region, const TileScale& scale)
{
  p.save();
  QFont base = p.font();
  base.setPixelSize(std::max(6, int(em)));
  const double line = 1.5 * em;
  // Title and caption wrap onto as many lines as the tile's width needs (a narrow tile at 1024 px, a large
  // font): nothing is elided, so PSNRs and widths are always whole; the picture gets what is left.
  QFont titleFont = base;
  titleFont.setBold(true);
  titleFont = fitFont(titleFont, title, rect.width());
  p.setFont(titleFont);
  p.setPen(Qt::black);
  const QStringList titleLines = wrapLines(title, QFontMetricsF(titleFont), rect.width());
  const double titleHeight = drawLines(p, titleLines, rect, rect.top(), line);
  const QRectF titleRect(rect.left(), rect.top(), rect.width(), std::max(line, titleHeight));
  const QFont captionFont = fitFont(base, caption, rect.width());
  p.setFont(captionFont);
  const QStringList captionLines = wrapLines(caption, QFontMetricsF(captionFont), rect.width());
  const double captionHeight = std::max(1, int(captionLines.size())) * line;
  const QRectF captionRect(rect.left(), rect.bottom() - captionHeight, rect.width(), captionHeight);
  drawLines(p, captionLines, rect, captionRect.top(), line);
  p.setFont(base);
  // The colour bar (difference images): a strip and its labels above the caption.
  const bool bar = scale.shown && !image.isNull();
  const double barHeight = bar ? 0.7 * em + line : 0.0;
  QRectF area(rect.left(), titleRect.bottom() + 0.2 * em, rect.width(),
              std::max(1.0, captionRect.top() - titleRect.bottom() - 0.4 * em - barHeight));
  QRectF target;
  if (image.isNull()) {
    paintFigureMessage(p, area, message, em);
  } else {
    const QRect shown = region.isEmpty() ? image.rect() : region.intersected(image.rect());
    const double s = std::min(area.width() / shown.width(), area.height() / shown.height());
    const QSizeF size(shown.width() * s, shown.height() * s);
    target = QRectF(area.center().x() - size.width() / 2, area.center().y() - size.height() / 2, size.width(), size.height());
    // Enlarged or zoomed: whole pixels, nearest neighbour (the held-out pixels stay visible); only a
    // reduction of the whole picture is smoothed.
    p.setRenderHint(QPainter::SmoothPixmapTransform, s < 1.0 && region.isEmpty());
    p.drawImage(target, image, QRectF(shown));
    p.setPen(QPen(QColor(160, 160, 160), 0));
    p.setBrush(Qt::NoBrush);
    p.drawRect(target);
    if (!region.isEmpty()) {
      p.setPen(QColor(60, 60, 60));
      p.drawText(QRectF(target.left(), target.top(), target.width(), line), Qt::AlignRight | Qt::AlignTop | Qt::TextSingleLine,
                 QStringLiteral("×%1").arg(s, 0, 'f', s < 10 ? 1 : 0));
    }
  }
  if (bar) {
    const QRectF strip(rect.left() + 1.5 * em, area.bottom() + 0.3 * em, std::max(1.0, rect.width() - 3.0 * em), 0.6 * em);
    QImage ramp(256, 1, QImage::Format_RGB888);
    const auto& table = viridisTable();
    for (int i = 0; i < 256; ++i) ramp.setPixelColor(i, 0, QColor(table[std::size_t(i)][0], table[std::size_t(i)][1], table[std::size_t(i)][2]));
    p.setRenderHint(QPainter::SmoothPixmapTransform, true);
    p.drawImage(strip, ramp);
    p.setPen(QPen(QColor(120, 120, 120), 0));
    p.drawRect(strip);
    QFont small = base;
    small.setPixelSize(std::max(6, int(0.85 * em)));
    p.setFont(small);
    p.setPen(Qt::black);
    const QRectF labels(rect.left(), strip.bottom(), rect.width(), line);
    p.drawText(labels, Qt::AlignLeft | Qt::AlignVCenter | Qt::TextSingleLine, QStringLiteral("0"));
    p.drawText(labels, Qt::AlignRight | Qt::AlignVCenter | Qt::TextSingleLine, QStringLiteral("≥%1").arg(scale.max, 0, 'g', 3));
    p.drawText(labels.adjusted(2 * em, 0, -2 * em, 0), Qt::AlignCenter | Qt::TextSingleLine,
               QFontMetricsF(small).elidedText(scale.label, Qt::ElideRight, std::max(1.0, labels.width() - 4 * em)));
  }
  p.restore();
  return target;
}

ImageTile::ImageTile(const QString& title, QWidget* parent) : QWidget(parent), m_title(title)
{
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void ImageTile::setImage(const QImage& image, const QString& caption)
{
  m_image = image;
  m_caption = caption;
  m_message.clear();
  if (!m_view.isEmpty()) m_view = clampRegion(m_view, image.size()); // another size: the same region if it still fits
  update();
}

void ImageTile::setMessage(const QString& message)
{
  m_image = QImage();
  m_caption.clear();
  m_message = message;
  update();
}

void ImageTile::setTitle(const QString& title)
{
  m_title = title;
  update();
}

void ImageTile::setView(const QRect& region)
{
  const QRect clamped = m_image.isNull() ? region : clampRegion(region, m_image.size());
  if (clamped == m_view) return;
  m_view = clamped;
  update();
}

void ImageTile::setScale(const TileScale& scale)
{
  m_scale = scale;
  update();
}

void ImageTile::setOverlay(const QImage& overlay)
{
  m_overlay = overlay;
  update();
}

void ImageTile::paintOverlay(QPainter& p, const QRectF& drawn) const
{
  if (m_overlay.isNull() || m_overlay.size() != m_image.size() || drawn.isEmpty()) return;
  p.save();
  p.setRenderHint(QPainter::SmoothPixmapTransform, false); // whole pixels, as the image
  p.drawImage(drawn, m_overlay, QRectF(shownRegion()));
  p.restore();
}

QRect ImageTile::shownRegion() const { return m_view.isEmpty() ? m_image.rect() : m_view.intersected(m_image.rect()); }

QPointF ImageTile::pixelAt(const QPointF& pos) const
{
  const QRect r = shownRegion();
  if (m_drawn.isEmpty() || r.isEmpty()) return {};
  return {r.x() + (pos.x() - m_drawn.left()) * r.width() / m_drawn.width(),
          r.y() + (pos.y() - m_drawn.top()) * r.height() / m_drawn.height()};
}

void ImageTile::paintTo(QPainter& p, const QRectF& rect, double em) const
{
  paintOverlay(p, paintImageTile(p, rect, m_image, m_title, m_caption, m_message, em, m_view, m_scale));
}

void ImageTile::paintEvent(QPaintEvent*)
{
  QPainter p(this);
  p.setRenderHint(QPainter::Antialiasing);
  m_drawn = paintImageTile(p, QRectF(rect()).adjusted(2, 2, -2, -2), m_image, m_title, m_caption, m_message,
                           fontInfo().pixelSize(), m_view, m_scale);
  paintOverlay(p, m_drawn);
  if (m_dragging) { // the rectangle being dragged out
    p.setPen(QPen(QColor(255, 200, 0), 1, Qt::DashLine));
    p.setBrush(QColor(255, 200, 0, 40));
    p.drawRect(QRectF(m_pressPos, m_dragPos).normalized());
  }
}

void ImageTile::wheelEvent(QWheelEvent* event)
{
  if (m_image.isNull() || m_drawn.isEmpty() || event->angleDelta().y() == 0) return event->ignore();
  // About the pixel under the cursor: it stays under the cursor.
  const QRect r = shownRegion();
  const QPointF c = pixelAt(event->position());
  const double factor = std::pow(0.8, event->angleDelta().y() / 120.0);
  const double w = std::clamp(r.width() * factor, 2.0, double(m_image.width()));
  const double h = std::clamp(r.height() * factor, 2.0, double(m_image.height()));
  const double fx = (c.x() - r.x()) / r.width(), fy = (c.y() - r.y()) / r.height();
  const QRect next(int(std::lround(c.x() - fx * w)), int(std::lround(c.y() - fy * h)), int(std::lround(w)), int(std::lround(h)));
  const QRect clamped = clampRegion(next, m_image.size());
  if (clamped.isEmpty())
    emit viewResetRequested();
  else
    emit viewRequested(clamped);
  event->accept();
}

void ImageTile::mousePressEvent(QMouseEvent* event)
{
  if (event->button() != Qt::LeftButton || m_image.isNull()) return QWidget::mousePressEvent(event);
  m_pressPos = m_dragPos = event->position();
  m_dragging = false;
}

void ImageTile::mouseMoveEvent(QMouseEvent* event)
{
  if (!(event->buttons() & Qt::LeftButton) || m_image.isNull()) return QWidget::mouseMoveEvent(event);
  m_dragPos = event->position();
  if (!m_dragging && (m_dragPos - m_pressPos).manhattanLength() > 4) m_dragging = true;
  if (m_dragging) update();
}

void ImageTile::mouseReleaseEvent(QMouseEvent* event)
{
  if (event->button() != Qt::LeftButton || !m_dragging) return QWidget::mouseReleaseEvent(event);
  m_dragging = false;
  update();
  // Whole pixels: every pixel the rectangle touches.
  const QPointF a = pixelAt(m_pressPos), b = pixelAt(event->position());
  const int x0 = int(std::floor(std::min(a.x(), b.x()))), x1 = int(std::ceil(std::max(a.x(), b.x())));
  const int y0 = int(std::floor(std::min(a.y(), b.y()))), y1 = int(std::ceil(std::max(a.y(), b.y())));
  const QRect region = clampRegion(QRect(x0, y0, std::max(2, x1 - x0), std::max(2, y1 - y0)).intersected(m_image.rect()), m_image.size());
  if (!region.isEmpty()) emit viewRequested(region);
}

void ImageTile::mouseDoubleClickEvent(QMouseEvent* event)
{
  if (event->button() == Qt::LeftButton) emit viewResetRequested();
}

void ImageTile::contextMenuEvent(QContextMenuEvent* event)
{
  if (m_image.isNull()) return;
  QMenu menu(this);
  menu.addAction(tr("View at full size (1:1)…"), this, &ImageTile::fullSizeRequested);
  menu.addAction(tr("Reset zoom (double click)"), this, &ImageTile::viewResetRequested)->setEnabled(!m_view.isEmpty());
  menu.exec(event->globalPos());
}

} // namespace ntk::gui
