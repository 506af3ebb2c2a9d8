// MaskPainter.cpp — see MaskPainter.h.
#include "widgets/image/MaskPainter.h"

#include <algorithm>
#include <cmath>

#include <QMouseEvent>

#include "widgets/image/ImageTile.h"

namespace ntk::gui {

int paintDisc(std::vector<bool>& mask, int width, int height, int col, int row, int diameter, bool value)
{
  const double r2 = 0.25 * double(diameter) * double(diameter);
  const int reach = diameter / 2;
  int changed = 0;
  for (int r = std::max(0, row - reach); r <= std::min(height - 1, row + reach); ++r)
    for (int c = std::max(0, col - reach); c <= std::min(width - 1, col + reach); ++c) {
      if (double(r - row) * (r - row) + double(c - col) * (c - col) > r2) continue;
      auto bit = mask[std::size_t(r) * std::size_t(width) + std::size_t(c)];
      if (bit != value) {
        bit = value;
        ++changed;
      }
    }
  return changed;
}

QImage maskOverlayImage(const std::vector<bool>& mask, int width, int height, QColor training)
{
  if (width < 1 || height < 1 || mask.size() != std::size_t(width) * std::size_t(height)) return {};
  QImage out(width, height, QImage::Format_ARGB32_Premultiplied);
  out.fill(Qt::transparent);
  const QRgb on = qPremultiply(training.rgba());
  for (int r = 0; r < height; ++r) {
    auto* line = reinterpret_cast<QRgb*>(out.scanLine(r));
    for (int c = 0; c < width; ++c)
      if (mask[std::size_t(r) * std::size_t(width) + std::size_t(c)]) line[c] = on;
  }
  return out;
}

std::vector<bool> invertedMask(const std::vector<bool>& mask)
{
  std::vector<bool> out(mask);
  out.flip();
  return out;
}

MaskPainter::MaskPainter(QObject* parent) : QObject(parent) {}

void MaskPainter::setTile(ImageTile* tile)
{
  m_tile = tile;
  tile->installEventFilter(this);
}

void MaskPainter::setEnabled(bool on)
{
  if (!on && m_stroking) finishStroke();
  m_enabled = on;
  if (m_tile) m_tile->setCursor(on ? Qt::CrossCursor : Qt::ArrowCursor);
}

void MaskPainter::setMask(std::vector<bool> mask, int width, int height)
{
  m_mask = std::move(mask);
  m_width = width;
  m_height = height;
}

QPoint MaskPainter::pixelUnder(const QPointF& pos) const
{
  if (!m_tile || m_tile->image().isNull() || m_tile->imageRect().isEmpty() || !m_tile->imageRect().contains(pos)) return {-1, -1};
  const QPointF p = m_tile->pixelAt(pos);
  const QPoint pixel(int(std::floor(p.x())), int(std::floor(p.y())));
  return pixel.x() >= 0 && pixel.y() >= 0 && pixel.x() < m_width && pixel.y() < m_height ? pixel : QPoint(-1, -1);
}

void MaskPainter::stampTo(const QPoint& pixel)
{
  if (pixel.x() < 0) return;
  // Every pixel along the segment from the last stamp (one stamp per pixel step of the longer axis).
  const QPoint from = m_last.x() < 0 ? pixel : m_last;
  const int steps = std::max(std::abs(pixel.x() - from.x()), std::abs(pixel.y() - from.y()));
  int changed = 0;
  for (int i = 0; i <= steps; ++i) {
    const double f = steps == 0 ? 1.0 : double(i) / steps;
    const int c = int(std::lround(from.x() + f * (pixel.x() - from.x()))), r = int(std::lround(from.y() + f * (pixel.y() - from.y())));
    changed += paintDisc(m_mask, m_width, m_height, c, r, m_diameter, !m_erasing);
  }
  m_last = pixel;
  if (changed > 0) emit maskChanged();
}

void MaskPainter::finishStroke()
{
  m_stroking = false;
  m_last = {-1, -1};
  if (m_before != m_mask) emit strokeFinished(m_before, m_mask, m_erasing);
  m_before.clear();
}

bool MaskPainter::eventFilter(QObject* watched, QEvent* event)
{
  if (!m_tile || watched != m_tile || !m_enabled || m_mask.empty()) return QObject::eventFilter(watched, event);
  switch (event->type()) {
  case QEvent::MouseButtonPress:
  case QEvent::MouseButtonDblClick: {
    auto* e = static_cast<QMouseEvent*>(event);
    if (m_stroking || (e->button() != Qt::LeftButton && e->button() != Qt::RightButton)) return true;
    m_stroking = true;
    m_erasing = e->button() == Qt::RightButton || (e->modifiers() & Qt::ShiftModifier);
    m_before = m_mask;
    m_last = {-1, -1};
    stampTo(pixelUnder(e->position()));
    return true;
  }
  case QEvent::MouseMove: {
    auto* e = static_cast<QMouseEvent*>(event);
    if (m_stroking) stampTo(pixelUnder(e->position()));
    return m_stroking;
  }
  case QEvent::MouseButtonRelease: {
    auto* e = static_cast<QMouseEvent*>(event);
    if (m_stroking && e->buttons() == Qt::NoButton) finishStroke();
    return true;
  }
  case QEvent::ContextMenu: return true; // the right button erases
  default: return QObject::eventFilter(watched, event);
  }
}

} // namespace ntk::gui
