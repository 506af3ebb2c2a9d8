#include "ImageTile.h"

#include <algorithm>

#include <QFontMetricsF>
#include <QPainter>

#include "FigurePainter.h"

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
  const QRectF captionRect(rect.left(), rect.bottom() - line, rect.width(), line);
  p.drawText(captionRect, Qt::AlignCenter | Qt::TextSingleLine,
             QFontMetricsF(font).elidedText(caption, Qt::ElideRight, rect.width()));
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
