#include "widgets/common/ResourceIcon.h"

#include <QPainter>
#include <QPixmap>
#include <QSvgRenderer>

namespace ntk::gui {

QIcon resourceIcon(const QString& name)
{
  QSvgRenderer svg(QStringLiteral(":/icons/%1.svg").arg(name));
  if (!svg.isValid()) return {};
  QIcon icon;
  for (int size : {16, 20, 24, 32, 48, 64}) {
    QPixmap pixmap(size, size);
    pixmap.fill(Qt::transparent);
    QPainter p(&pixmap);
    p.setRenderHint(QPainter::Antialiasing);
    svg.render(&p, QRectF(0, 0, size, size));
    p.end();
    icon.addPixmap(pixmap);
  }
  return icon;
}

} // namespace ntk::gui
