#include "widgets/image/ImageTile.h"

#include <algorithm>

#include <QFontMetricsF>
#include <QPainter>

#include "widgets/common/FigurePainter.h"

namespace ntk::gui {

void paintImageTile(QPainter& p, const QRectF& rect, const QImage& image, const QString& title, const QString& caption,
                    const QString& message, double em)
{
  p.save();
  QFont font = p.font();
  font.setPixelSize(std::max(6, int(em)));
  font.setBold(true);
  p.setFont(font);
  p.setPen(Qt::black);
  const double line = 1.5 * em;
  const QRectF titleRect(rect.left(), rect.top(), rect.width(), line);
  p.drawText(titleRect, Qt::AlignCenter | Qt::TextSingleLine,
             QFontMetricsF(font).elidedText(title, Qt::ElideRight, rect.width()));
  font.setBold(false);
  p.setFont(font);
  // The caption wraps onto a second line when it is wider than the tile (narrow tiles, large fonts);
  // what does not fit on two lines is elided.
  const QFontMetricsF fm(font);
  const bool twoLines = fm.horizontalAdvance(caption) > rect.width();
  const QRectF captionRect(rect.left(), rect.bottom() - (twoLines ? 2.0 : 1.0) * line, rect.width(), (twoLines ? 2.0 : 1.0) * line);
  if (twoLines) {
    QString first = caption, rest;
    // Break at the last space (or " · ") that keeps the first line within the width.
    for (qsizetype i = caption.size(); i > 0; --i) {
      if (caption.at(i - 1) != QLatin1Char(' ')) continue;
      const QString head = caption.left(i).trimmed();
      if (fm.horizontalAdvance(head) <= rect.width()) {
        first = head.endsWith(QStringLiteral(" ·")) ? head.chopped(2) : head;
        rest = caption.mid(i).trimmed();
        break;
      }
    }
    if (rest.startsWith(QStringLiteral("· "))) rest = rest.mid(2);
    const QRectF top(captionRect.left(), captionRect.top(), captionRect.width(), line);
    p.drawText(top, Qt::AlignCenter | Qt::TextSingleLine, fm.elidedText(first, Qt::ElideRight, rect.width()));
    p.drawText(top.translated(0, line), Qt::AlignCenter | Qt::TextSingleLine, fm.elidedText(rest, Qt::ElideRight, rect.width()));
  } else {
    p.drawText(captionRect, Qt::AlignCenter | Qt::TextSingleLine, caption);
  }
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
