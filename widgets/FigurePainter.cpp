#include "FigurePainter.h"

#include <algorithm>
#include <cmath>

#include <QFileInfo>
#include <QImage>
#include <QPainter>
#include <QPainterPath>
#include <QSvgGenerator>

#include "Colormap.h"
#include "NiceTicks.h"

namespace ntk::gui {

namespace {

QString tickLabel(double v)
{
  if (v == 0.0) return QStringLiteral("0");
  const double a = std::abs(v);
  if (a >= 1e4 || a < 1e-3) return QString::number(v, 'e', 1);
  return QString::number(v, 'g', 4);
}

QImage matrixImage(const Eigen::MatrixXd& m, double lo, double hi)
{
  QImage img(int(m.cols()), int(m.rows()), QImage::Format_RGB32);
  const auto& table = viridisTable();
  const double span = hi > lo ? hi - lo : 1.0;
  for (int r = 0; r < img.height(); ++r) {
    auto* line = reinterpret_cast<QRgb*>(img.scanLine(r));
    for (int c = 0; c < img.width(); ++c) {
      const double t = std::clamp((m(r, c) - lo) / span, 0.0, 1.0);
      const Rgb8& rgb = table[size_t(std::lround(t * 255.0))];
      line[c] = qRgb(rgb[0], rgb[1], rgb[2]);
    }
  }
  return img;
}

/// Common start of a figure: white background, a font scaled to the figure, the bold title on top.
/// Returns the font size (px) that every other measure is a multiple of. Pair with p.restore().
double beginFigure(QPainter& p, const QRectF& rect, const QString& title)
{
  p.save();
  p.setRenderHint(QPainter::Antialiasing, true);
  p.fillRect(rect, Qt::white);
  const double em = std::max(10.0, rect.height() / 40.0);
  QFont f = p.font();
  f.setPixelSize(int(em));
  QFont tf = f;
  tf.setBold(true);
  p.setFont(tf);
  p.setPen(Qt::black);
  p.drawText(QRectF(rect.left(), rect.top(), rect.width(), 2.0 * em), Qt::AlignCenter, title);
  p.setFont(f);
  return em;
}

} // namespace

QColor seriesColor(int index)
{
  static const QColor palette[] = {QColor(0, 114, 178), QColor(213, 94, 0), QColor(0, 158, 115),
                                   QColor(204, 121, 167), QColor(230, 159, 0), QColor(86, 180, 233),
                                   QColor(0, 0, 0)};
  return palette[index % 7];
}

void paintHeatmapFigure(QPainter& p, const QRectF& rect, const Eigen::MatrixXd& m, double x0, double x1,
                        const QString& title, const QString& axisLabel)
{
  const double em = beginFigure(p, rect, title);
  const double top = rect.top() + 2.2 * em, bottom = rect.bottom() - 3.2 * em;
  const double left = rect.left() + 4.5 * em, barW = 1.2 * em, barGap = 1.2 * em, barLabels = 4.5 * em;
  const double side = std::max(10.0, std::min(bottom - top, rect.right() - left - barGap - barW - barLabels));
  const QRectF plot(left, top, side, side);
  if (m.size() == 0) {
    p.drawText(plot, Qt::AlignCenter, QStringLiteral("no data"));
    p.restore();
    return;
  }
  const double lo = m.minCoeff(), hi = m.maxCoeff();
  p.drawImage(plot, matrixImage(m, lo, hi));
  p.setPen(QPen(Qt::black, 1.0));
  p.drawRect(plot);
  // Axes: x along the bottom (columns), x' down the left (rows).
  for (double t : niceTicks(x0, x1, 6)) {
    const double fx = (t - x0) / (x1 - x0);
    const double px = plot.left() + fx * plot.width(), py = plot.top() + fx * plot.height();
    p.drawLine(QPointF(px, plot.bottom()), QPointF(px, plot.bottom() + 0.4 * em));
    p.drawText(QRectF(px - 3 * em, plot.bottom() + 0.5 * em, 6 * em, em * 1.2), Qt::AlignHCenter | Qt::AlignTop, tickLabel(t));
    p.drawLine(QPointF(plot.left() - 0.4 * em, py), QPointF(plot.left(), py));
    p.drawText(QRectF(plot.left() - 4.3 * em, py - 0.6 * em, 3.8 * em, 1.2 * em), Qt::AlignRight | Qt::AlignVCenter, tickLabel(t));
  }
  p.drawText(QRectF(plot.left(), plot.bottom() + 1.7 * em, plot.width(), 1.3 * em), Qt::AlignCenter, axisLabel);
  p.save();
  p.translate(rect.left() + 0.8 * em, plot.center().y());
  p.rotate(-90);
  p.drawText(QRectF(-plot.height() / 2, -0.7 * em, plot.height(), 1.4 * em), Qt::AlignCenter, axisLabel + QStringLiteral("′"));
  p.restore();
  // Colour bar.
  const QRectF bar(plot.right() + barGap, plot.top(), barW, plot.height());
  QImage grad(1, 256, QImage::Format_RGB32);
  const auto& table = viridisTable();
  for (int i = 0; i < 256; ++i) grad.setPixel(0, 255 - i, qRgb(table[size_t(i)][0], table[size_t(i)][1], table[size_t(i)][2]));
  p.drawImage(bar, grad);
  p.drawRect(bar);
  for (double t : niceTicks(lo, hi, 6)) {
    const double fy = hi > lo ? (t - lo) / (hi - lo) : 0.5;
    const double py = bar.bottom() - fy * bar.height();
    p.drawLine(QPointF(bar.right(), py), QPointF(bar.right() + 0.4 * em, py));
    p.drawText(QRectF(bar.right() + 0.5 * em, py - 0.6 * em, barLabels, 1.2 * em), Qt::AlignLeft | Qt::AlignVCenter, tickLabel(t));
  }
  p.restore();
}

void paintLinePlotFigure(QPainter& p, const QRectF& rect, const Eigen::VectorXd& x, const std::vector<PlotSeries>& series,
                         const QString& xTitle, const QString& yTitle, const QString& title, bool logY)
{
  const double em = beginFigure(p, rect, title);
  const QFont f = p.font();
  const QRectF plot(rect.left() + 5.5 * em, rect.top() + 2.4 * em, rect.width() - 7.0 * em, rect.height() - 6.0 * em);
  auto ty = [logY](double v) { return logY ? std::log10(std::max(v, 1e-300)) : v; };
  double xlo = x.size() ? x.minCoeff() : 0.0, xhi = x.size() ? x.maxCoeff() : 1.0;
  double ylo = INFINITY, yhi = -INFINITY;
  for (const PlotSeries& s : series)
    for (Eigen::Index i = 0; i < s.y.size(); ++i)
      if (std::isfinite(s.y(i)) && (!logY || s.y(i) > 0)) {
        ylo = std::min(ylo, ty(s.y(i)));
        yhi = std::max(yhi, ty(s.y(i)));
      }
  if (!std::isfinite(ylo)) ylo = 0.0, yhi = 1.0;
  if (yhi - ylo < 1e-12 * std::max(1.0, std::abs(yhi))) ylo -= 0.5, yhi += 0.5;
  const double pad = 0.05 * (yhi - ylo);
  ylo -= pad;
  yhi += pad;
  if (xhi <= xlo) xhi = xlo + 1.0;
  auto px = [&](double v) { return plot.left() + (v - xlo) / (xhi - xlo) * plot.width(); };
  auto py = [&](double v) { return plot.bottom() - (v - ylo) / (yhi - ylo) * plot.height(); };
  p.setPen(QPen(QColor(225, 225, 225), 1.0));
  const auto xt = niceTicks(xlo, xhi, 7), yt = niceTicks(ylo, yhi, 6);
  for (double t : xt) p.drawLine(QPointF(px(t), plot.top()), QPointF(px(t), plot.bottom()));
  for (double t : yt) p.drawLine(QPointF(plot.left(), py(t)), QPointF(plot.right(), py(t)));
  p.setPen(QPen(Qt::black, 1.0));
  p.drawRect(plot);
  for (double t : xt)
    p.drawText(QRectF(px(t) - 3 * em, plot.bottom() + 0.3 * em, 6 * em, 1.2 * em), Qt::AlignHCenter | Qt::AlignTop, tickLabel(t));
  for (double t : yt)
    p.drawText(QRectF(rect.left(), py(t) - 0.6 * em, 5.2 * em, 1.2 * em), Qt::AlignRight | Qt::AlignVCenter,
               logY ? tickLabel(std::pow(10.0, t)) : tickLabel(t));
  p.drawText(QRectF(plot.left(), plot.bottom() + 1.6 * em, plot.width(), 1.3 * em), Qt::AlignCenter, xTitle);
  p.save();
  p.translate(rect.left() + 0.8 * em, plot.center().y());
  p.rotate(-90);
  p.drawText(QRectF(-plot.height() / 2, -0.7 * em, plot.height(), 1.4 * em), Qt::AlignCenter, yTitle);
  p.restore();
  p.setClipRect(plot);
  for (size_t k = 0; k < series.size(); ++k) {
    const PlotSeries& s = series[k];
    QPainterPath path;
    bool pen = false;
    for (Eigen::Index i = 0; i < std::min(s.y.size(), x.size()); ++i) {
      if (!std::isfinite(s.y(i)) || (logY && s.y(i) <= 0)) {
        pen = false;
        continue;
      }
      const QPointF pt(px(x(i)), py(ty(s.y(i))));
      if (pen)
        path.lineTo(pt);
      else
        path.moveTo(pt);
      pen = true;
    }
    QPen sp(s.color.isValid() ? s.color : seriesColor(int(k)), std::max(1.5, em / 6.0));
    if (s.dashed) sp.setStyle(Qt::DashLine);
    p.setPen(sp);
    p.drawPath(path);
  }
  p.setClipping(false);
  // Legend, top right inside the plot.
  double ly = plot.top() + 0.6 * em;
  double lw = 0;
  for (const PlotSeries& s : series) lw = std::max(lw, QFontMetricsF(f).horizontalAdvance(s.name));
  if (!series.empty()) {
    const QRectF box(plot.right() - lw - 4.2 * em, plot.top() + 0.3 * em, lw + 3.8 * em, (series.size() + 0.4) * 1.4 * em);
    p.setPen(QPen(QColor(180, 180, 180), 1.0));
    p.setBrush(QColor(255, 255, 255, 230));
    p.drawRect(box);
    p.setBrush(Qt::NoBrush);
    for (size_t k = 0; k < series.size(); ++k) {
      QPen sp(series[k].color.isValid() ? series[k].color : seriesColor(int(k)), std::max(1.5, em / 6.0));
      if (series[k].dashed) sp.setStyle(Qt::DashLine);
      p.setPen(sp);
      const double yy = ly + 0.7 * em;
      p.drawLine(QPointF(box.left() + 0.4 * em, yy), QPointF(box.left() + 2.4 * em, yy));
      p.setPen(Qt::black);
      p.drawText(QRectF(box.left() + 2.9 * em, ly, lw + em, 1.4 * em), Qt::AlignLeft | Qt::AlignVCenter, series[k].name);
      ly += 1.4 * em;
    }
  }
  p.restore();
}

bool saveFigure(const QString& path, QSize size, const std::function<void(QPainter&, const QRectF&)>& paint)
{
  if (QFileInfo(path).suffix().compare(QStringLiteral("svg"), Qt::CaseInsensitive) == 0) {
    QSvgGenerator gen;
    gen.setFileName(path);
    gen.setSize(size);
    gen.setViewBox(QRect(QPoint(0, 0), size));
    gen.setTitle(QStringLiteral("NTK Studio figure"));
    QPainter p;
    if (!p.begin(&gen)) return false;
    paint(p, QRectF(QPointF(0, 0), QSizeF(size)));
    return p.end();
  }
  QImage img(size, QImage::Format_ARGB32_Premultiplied);
  img.fill(Qt::white);
  {
    QPainter p(&img);
    paint(p, QRectF(QPointF(0, 0), QSizeF(size)));
  }
  return img.save(path);
}

} // namespace ntk::gui
