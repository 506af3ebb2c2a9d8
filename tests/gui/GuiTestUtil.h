// GuiTestUtil.h — helpers shared by the GUI tests: is a view blank, did it change, wait for a panel.
// In: grabbed or rendered images; a panel. Out: a colour count (a blank view has one or two), the mean
// grey-level difference per pixel (1e9 when the sizes differ), and whether the panel went idle in time.
#pragma once
#include <cmath>

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QImage>
#include <QSet>
#include <QThread>

namespace ntktest {

/// Distinct colours on a grid of every `step`-th pixel.
inline int distinctColours(const QImage& img, int step = 3)
{
  QSet<QRgb> colours;
  const QImage rgb = img.convertToFormat(QImage::Format_RGB32);
  for (int y = 0; y < rgb.height(); y += step)
    for (int x = 0; x < rgb.width(); x += step) colours.insert(rgb.pixel(x, y));
  return int(colours.size());
}

inline double pixelDifference(const QImage& a, const QImage& b)
{
  if (a.size() != b.size()) return 1e9;
  const QImage x = a.convertToFormat(QImage::Format_RGB32), y = b.convertToFormat(QImage::Format_RGB32);
  double diff = 0;
  for (int r = 0; r < x.height(); ++r)
    for (int c = 0; c < x.width(); ++c) diff += std::abs(qGray(x.pixel(c, r)) - qGray(y.pixel(c, r)));
  return diff / (x.width() * x.height());
}

/// Spins the event loop until the panel's background work is done (isBusy() false twice in a row).
template <class Panel>
bool waitIdle(const Panel* panel, int timeoutMs)
{
  QDeadlineTimer deadline(timeoutMs);
  while (!deadline.hasExpired()) {
    QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    if (!panel->isBusy()) {
      QCoreApplication::processEvents();
      if (!panel->isBusy()) return true;
    }
    QThread::msleep(2);
  }
  return false;
}

} // namespace ntktest
