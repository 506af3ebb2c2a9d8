#include "widgets/image/ImageTile.h"

#include <algorithm>

#include <QFontMetricsF>
#include <QPainter>

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

void paintImageTile(QPainter& p, const QRectF& rect, const QImage& image, const QString& title, const QString& caption,
                    const QString& message, double em)
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
  const QRectF area(rect.left(), titleRect.bottom() + 0.2 * em, rect.width(),
                    std::max(1.0, captionRect.top() - titleRect.bottom() - 0.4 * em));
  if (image.isNull()) {
    paintFigureMessage(p, area, message, em);
  } else {
    const double scale = std::min(area.width() / image.width(), area.height() / image.height());
    const QSizeF size(image.width() * scale, image.height() * scale);
    const QRectF target(area.center().x() - size.width() / 2, area.center().y() - size.height() / 2, size.width(), size.height());
    p.setRenderHint(QPainter::SmoothPixmapTransform, scale < 1.0);
    p.drawImage(target, image);
    p.setPen(QPen(QColor(160, 160, 160), 0));
    p.setBrush(Qt::NoBrush);
    p.drawRect(target);
  }
  p.restore();
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

void ImageTile::paintTo(QPainter& p, const QRectF& rect, double em) const
{
  paintImageTile(p, rect, m_image, m_title, m_caption, m_message, em);
}

void ImageTile::paintEvent(QPaintEvent*)
{
  QPainter p(this);
  p.setRenderHint(QPainter::Antialiasing);
  paintTo(p, QRectF(rect()).adjusted(2, 2, -2, -2), fontInfo().pixelSize());
}

} // namespace ntk::gui
