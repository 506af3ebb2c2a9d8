#include "widgets/common/FigurePainter.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <limits>

#include <QFileInfo>
#include <QImage>
#include <QPainter>
#include <QPaintDevice>
#include <QPainterPath>
#include <QSvgGenerator>

#include "widgets/common/Colormap.h"
#include "widgets/common/NiceTicks.h"

namespace ntk::gui {

namespace {

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

} // namespace

QString tickLabel(double v)
{
  if (v == 0.0) return QStringLiteral("0");
  const double a = std::abs(v);
  if (a >= 1e4 || a < 1e-3) return QString::number(v, 'e', 1);
  return QString::number(v, 'g', 4);
}

double beginFigure(QPainter& p, const QRectF& rect, const QString& title, double em)
{
  p.save();
  p.setRenderHint(QPainter::Antialiasing, true);
  p.fillRect(rect, Qt::white);
  if (em <= 0) em = std::max(10.0, rect.height() / 40.0);
  QFont f = p.font();
  f.setPixelSize(std::max(1, int(em)));
  QFont tf = f;
  tf.setBold(true);
  p.setFont(tf);
  p.setPen(Qt::black);
  p.drawText(QRectF(rect.left(), rect.top(), rect.width(), 2.0 * em), Qt::AlignCenter, title);
  p.setFont(f);
  return em;
}

void paintFigureMessage(QPainter& p, const QRectF& area, const QString& message, double em)
{
  p.save();
  p.setPen(QPen(QColor(180, 180, 180), 1.0));
  p.drawRect(area);
  p.setPen(Qt::black);
  p.drawText(area.adjusted(em, em, -em, -em), Qt::AlignCenter | Qt::TextWordWrap, message);
  p.restore();
}

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
  PlotOptions options;
  options.xTitle = xTitle;
  options.yTitle = yTitle;
  options.title = title;
  options.logY = logY;
  paintPlot(p, rect, series, options, x);
}

QString decadeLabel(int exponent)
{
  // Small decades read better as numbers (k axes: 1, 10, 100); the rest as 10ⁿ.
  switch (exponent) {
  case -1: return QStringLiteral("0.1");
  case 0: return QStringLiteral("1");
  case 1: return QStringLiteral("10");
  case 2: return QStringLiteral("100");
  case 3: return QStringLiteral("1000");
  default: break;
  }
  static const QChar digits[] = {QChar(0x2070), QChar(0x00B9), QChar(0x00B2), QChar(0x00B3), QChar(0x2074),
                                 QChar(0x2075), QChar(0x2076), QChar(0x2077), QChar(0x2078), QChar(0x2079)};
  QString s = QStringLiteral("10");
  if (exponent < 0) s += QChar(0x207B);
  for (QChar c : QString::number(std::abs(exponent))) s += digits[c.digitValue()];
  return s;
}

QColor divergingColor(double t)
{
  // Moreland's cool–warm map at five stops, interpolated in RGB.
  static const double stops[5][3] = {{59, 76, 192}, {141, 176, 254}, {221, 221, 221}, {244, 154, 123}, {180, 4, 38}};
  if (!std::isfinite(t)) return QColor(128, 128, 128);
  const double u = (std::clamp(t, -1.0, 1.0) + 1.0) * 2.0; // 0…4
  const int i = std::min(3, int(u));
  const double f = u - i;
  auto mix = [&](int c) { return int(std::lround(stops[i][c] + f * (stops[i + 1][c] - stops[i][c]))); };
  return QColor(mix(0), mix(1), mix(2));
}

namespace {

struct Ticks {
  std::vector<double> major; ///< axis units
  QStringList labels;
  std::vector<double> minor;
};

/// Ticks of an axis in axis units; log axes get decades (every `step`-th when many), with 2 and 5
/// labelled inside one or two decades, and unlabelled minor ticks 2…9 when the decades are few.
Ticks makeTicks(double lo, double hi, bool log, int maxTicks)
{
  Ticks t;
  maxTicks = std::max(2, maxTicks);
  if (!log) {
    for (double v : niceTicks(lo, hi, maxTicks)) {
      t.major.push_back(v);
      t.labels << tickLabel(v);
    }
    return t;
  }
  if (hi - lo < 0.9) {
    for (double v : niceTicks(std::pow(10.0, lo), std::pow(10.0, hi), maxTicks))
      if (v > 0) {
        t.major.push_back(std::log10(v));
        t.labels << tickLabel(v);
      }
    return t;
  }
  const int e0 = int(std::ceil(lo - 1e-9)), e1 = int(std::floor(hi + 1e-9));
  const int decades = e1 - e0 + 1;
  const int step = std::max(1, int(std::ceil(double(decades) / maxTicks)));
  for (int e = e0; e <= e1; ++e)
    if (((e % step) + step) % step == 0) {
      t.major.push_back(e);
      t.labels << decadeLabel(e);
    }
  if (step == 1) {
    const bool labelTwoFive = hi - lo <= 2.3 && maxTicks >= 6;
    for (int e = int(std::floor(lo)); e <= int(std::ceil(hi)); ++e)
      for (int m = 2; m <= 9; ++m) {
        const double v = e + std::log10(double(m));
        if (v <= lo || v >= hi) continue;
        if (labelTwoFive && (m == 2 || m == 5)) {
          t.major.push_back(v);
          t.labels << tickLabel(m * std::pow(10.0, e));
        } else if (hi - lo <= 6.0) {
          t.minor.push_back(v);
        }
      }
  }
  return t;
}

void drawMarker(QPainter& p, MarkerShape shape, const QPointF& c, double r)
{
  switch (shape) {
  case MarkerShape::Circle: p.drawEllipse(c, r, r); break;
  case MarkerShape::Square: p.drawRect(QRectF(c.x() - 0.85 * r, c.y() - 0.85 * r, 1.7 * r, 1.7 * r)); break;
  case MarkerShape::Diamond: {
    const QPointF pts[] = {{c.x(), c.y() - 1.2 * r}, {c.x() + 1.2 * r, c.y()}, {c.x(), c.y() + 1.2 * r}, {c.x() - 1.2 * r, c.y()}};
    p.drawPolygon(pts, 4);
    break;
  }
  case MarkerShape::TriangleUp: {
    const QPointF pts[] = {{c.x(), c.y() - 1.2 * r}, {c.x() + 1.1 * r, c.y() + 0.8 * r}, {c.x() - 1.1 * r, c.y() + 0.8 * r}};
    p.drawPolygon(pts, 3);
    break;
  }
  }
}

/// The open ▽ of an exact zero.
void drawZeroMarker(QPainter& p, const QPointF& c, double r)
{
  const QPointF pts[] = {{c.x() - 1.1 * r, c.y() - 0.8 * r}, {c.x() + 1.1 * r, c.y() - 0.8 * r}, {c.x(), c.y() + 1.0 * r}};
  p.drawPolygon(pts, 3);
}

bool hasLine(SeriesStyle s) { return s != SeriesStyle::Markers; }
bool hasMarkers(SeriesStyle s) { return s != SeriesStyle::Line; }

} // namespace

QPointF PlotFrame::toPixel(double x, double y) const
{
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (!valid) return {nan, nan};
  const double ax = logX ? (x > 0 ? std::log10(x) : nan) : x;
  if (!std::isfinite(ax)) return {nan, nan};
  const double px = plot.left() + (ax - range.xlo) / (range.xhi - range.xlo) * plot.width();
  if (logY && y == 0.0 && !zeroStrip.isEmpty()) return {px, zeroStrip.center().y()};
  const double ay = logY ? (y > 0 ? std::log10(y) : nan) : y;
  if (!std::isfinite(ay)) return {nan, nan};
  return {px, plot.bottom() - (ay - range.ylo) / (range.yhi - range.ylo) * plot.height()};
}

QPointF PlotFrame::toAxis(const QPointF& pixel) const
{
  return {range.xlo + (pixel.x() - plot.left()) / plot.width() * (range.xhi - range.xlo),
          range.ylo + (plot.bottom() - pixel.y()) / plot.height() * (range.yhi - range.ylo)};
}

PlotFrame paintPlot(QPainter& p, const QRectF& rect, const std::vector<PlotSeries>& series, const PlotOptions& o,
                    const Eigen::VectorXd& sharedX)
{
  PlotFrame frame;
  frame.logX = o.logX;
  frame.logY = o.logY;
  p.save();
  p.setRenderHint(QPainter::Antialiasing, true);
  p.fillRect(rect, Qt::white);
  const double em = o.em > 0 ? o.em : std::max(10.0, rect.height() / 40.0);
  QFont f = p.font();
  f.setPixelSize(std::max(6, int(std::lround(em))));
  QFont titleFont = f;
  titleFont.setBold(true);
  const QFontMetricsF fm(f);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto toAxis = [](double v, bool log) { return !std::isfinite(v) ? std::numeric_limits<double>::quiet_NaN() : log ? (v > 0 ? std::log10(v) : std::numeric_limits<double>::quiet_NaN()) : v; };
  auto xsOf = [&](const PlotSeries& s) -> const Eigen::VectorXd& { return s.x.size() ? s.x : sharedX; };

  // Data extent in axis units; exact zeros count for x only (they sit in their own strip).
  double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
  bool anyZero = false, anyMarkers = false;
  for (const PlotSeries& s : series) {
    const Eigen::VectorXd& xs = xsOf(s);
    anyMarkers = anyMarkers || hasMarkers(s.style);
    for (Eigen::Index i = 0; i < std::min(xs.size(), s.y.size()); ++i) {
      const double ax = toAxis(xs(i), o.logX);
      if (!std::isfinite(ax)) continue;
      if (o.logY && s.exactZeros && s.y(i) == 0.0) {
        anyZero = true;
        xlo = std::min(xlo, ax), xhi = std::max(xhi, ax);
        continue;
      }
      const double ay = toAxis(s.y(i), o.logY);
      if (!std::isfinite(ay)) continue;
      xlo = std::min(xlo, ax), xhi = std::max(xhi, ax);
      ylo = std::min(ylo, ay), yhi = std::max(yhi, ay);
    }
  }
  if (!std::isfinite(xlo)) xlo = 0.0, xhi = 1.0;
  if (!std::isfinite(ylo)) ylo = 0.0, yhi = 1.0;
  if (xhi - xlo < 1e-12 * std::max(1.0, std::abs(xhi))) xlo -= 0.5, xhi += 0.5;
  if (yhi - ylo < 1e-12 * std::max(1.0, std::abs(yhi))) ylo -= 0.5, yhi += 0.5;
  if (anyMarkers) { // markers at the ends must not be cut in half by the frame
    const double padX = 0.03 * (xhi - xlo);
    xlo -= padX, xhi += padX;
  }
  const double padY = 0.05 * (yhi - ylo);
  ylo -= padY, yhi += padY;
  frame.dataRange = {xlo, xhi, ylo, yhi};
  frame.range = o.range.value_or(frame.dataRange);
  const AxisRange& r = frame.range;

  // Layout: title, y tick labels measured, x tick labels and title below, the zero strip above them.
  const double titleH = o.title.isEmpty() ? 0.7 * em : 2.2 * em;
  const double stripH = anyZero ? 1.6 * em : 0.0, stripGap = anyZero ? 0.35 * em : 0.0;
  const double estimatedHeight = rect.height() - titleH - 3.0 * em - stripH - stripGap;
  const Ticks yt = makeTicks(r.ylo, r.yhi, o.logY, std::max(2, int(estimatedHeight / (2.4 * em))));
  double labelW = fm.horizontalAdvance(QStringLiteral("0"));
  for (const QString& l : yt.labels) labelW = std::max(labelW, fm.horizontalAdvance(l));
  const double left = rect.left() + 1.9 * em + labelW + 0.5 * em;
  const double right = rect.right() - 1.0 * em;
  const double bottomOfData = rect.bottom() - 3.0 * em;
  const QRectF plot(left, rect.top() + titleH, std::max(10.0, right - left),
                    std::max(10.0, bottomOfData - stripH - stripGap - rect.top() - titleH));
  frame.plot = plot;
  if (anyZero) frame.zeroStrip = QRectF(plot.left(), plot.bottom() + stripGap, plot.width(), stripH);
  frame.valid = r.xhi > r.xlo && r.yhi > r.ylo;
  const Ticks xt = makeTicks(r.xlo, r.xhi, o.logX, std::max(2, int(plot.width() / (5.0 * em))));
  auto px = [&](double ax) { return plot.left() + (ax - r.xlo) / (r.xhi - r.xlo) * plot.width(); };
  auto py = [&](double ay) { return plot.bottom() - (ay - r.ylo) / (r.yhi - r.ylo) * plot.height(); };

  p.setFont(titleFont);
  p.setPen(Qt::black);
  if (!o.title.isEmpty())
    p.drawText(QRectF(rect.left(), rect.top() + 0.2 * em, rect.width(), 1.8 * em), Qt::AlignCenter,
               QFontMetricsF(titleFont).elidedText(o.title, Qt::ElideRight, rect.width() - em));
  p.setFont(f);

  // Grid, frame, ticks.
  p.setPen(QPen(QColor(242, 242, 242), 1.0));
  for (double t : xt.minor) p.drawLine(QPointF(px(t), plot.top()), QPointF(px(t), plot.bottom()));
  for (double t : yt.minor) p.drawLine(QPointF(plot.left(), py(t)), QPointF(plot.right(), py(t)));
  p.setPen(QPen(QColor(222, 222, 222), 1.0));
  for (double t : xt.major) p.drawLine(QPointF(px(t), plot.top()), QPointF(px(t), plot.bottom()));
  for (double t : yt.major) p.drawLine(QPointF(plot.left(), py(t)), QPointF(plot.right(), py(t)));
  p.setPen(QPen(Qt::black, 1.0));
  p.drawRect(plot);
  const double labelsTop = anyZero ? frame.zeroStrip.bottom() : plot.bottom();
  for (size_t i = 0; i < xt.major.size(); ++i) {
    const double x = px(xt.major[i]);
    p.drawLine(QPointF(x, plot.bottom()), QPointF(x, plot.bottom() - 0.35 * em));
    p.drawText(QRectF(x - 3 * em, labelsTop + 0.25 * em, 6 * em, 1.2 * em), Qt::AlignHCenter | Qt::AlignTop, xt.labels[int(i)]);
  }
  for (size_t i = 0; i < yt.major.size(); ++i) {
    const double y = py(yt.major[i]);
    p.drawLine(QPointF(plot.left(), y), QPointF(plot.left() + 0.35 * em, y));
    p.drawText(QRectF(plot.left() - labelW - 0.9 * em, y - 0.6 * em, labelW + 0.5 * em, 1.2 * em),
               Qt::AlignRight | Qt::AlignVCenter, yt.labels[int(i)]);
  }
  if (anyZero) {
    const QRectF& s = frame.zeroStrip;
    p.fillRect(s, QColor(246, 246, 246));
    p.setPen(QPen(QColor(150, 150, 150), 1.0, Qt::DashLine));
    p.drawRect(s);
    p.setPen(Qt::black);
    p.drawText(QRectF(plot.left() - labelW - 0.9 * em, s.top(), labelW + 0.5 * em, s.height()),
               Qt::AlignRight | Qt::AlignVCenter, QStringLiteral("0"));
  }
  p.drawText(QRectF(plot.left(), rect.bottom() - 1.6 * em, plot.width(), 1.4 * em), Qt::AlignCenter, o.xTitle);
  p.save();
  p.translate(rect.left() + 0.9 * em, plot.center().y());
  p.rotate(-90);
  p.drawText(QRectF(-plot.height() / 2 - 2 * em, -0.8 * em, plot.height() + 4 * em, 1.6 * em), Qt::AlignCenter, o.yTitle);
  p.restore();

  // Series: lines first (all), then markers on top, so no line hides a point.
  std::vector<QPointF> drawnPoints; // for the legend placement
  const double basePen = std::max(1.5, em / 6.0);
  for (size_t k = 0; k < series.size(); ++k) {
    const PlotSeries& s = series[k];
    if (!hasLine(s.style)) continue;
    const Eigen::VectorXd& xs = xsOf(s);
    QPainterPath path;
    bool down = false;
    for (Eigen::Index i = 0; i < std::min(xs.size(), s.y.size()); ++i) {
      if (s.exactZeros && o.logY && s.y(i) == 0.0) continue; // joins across exact zeros (they have a strip)
      const double ax = toAxis(xs(i), o.logX), ay = toAxis(s.y(i), o.logY);
      if (!std::isfinite(ax) || !std::isfinite(ay)) {
        down = false;
        continue;
      }
      const QPointF pt(px(ax), py(ay));
      if (down)
        path.lineTo(pt);
      else
        path.moveTo(pt);
      down = true;
    }
    QPen pen(s.color.isValid() ? s.color : seriesColor(int(k)), basePen * s.lineWidth);
    if (s.dashed) pen.setStyle(Qt::DashLine);
    p.setPen(pen);
    p.setBrush(Qt::NoBrush);
    p.setClipRect(plot);
    p.drawPath(path);
    p.setClipping(false);
    for (int e = 0; e < path.elementCount(); e += std::max(1, path.elementCount() / 200)) drawnPoints.emplace_back(path.elementAt(e));
  }
  for (size_t k = 0; k < series.size(); ++k) {
    const PlotSeries& s = series[k];
    const Eigen::VectorXd& xs = xsOf(s);
    const Eigen::Index n = std::min(xs.size(), s.y.size());
    const QColor colour = s.color.isValid() ? s.color : seriesColor(int(k));
    const double radius = em * (n > 400 ? 0.16 : n > 150 ? 0.22 : 0.3);
    for (Eigen::Index i = 0; i < n; ++i) {
      const double ax = toAxis(xs(i), o.logX);
      if (!std::isfinite(ax)) continue;
      if (s.exactZeros && o.logY && s.y(i) == 0.0) {
        const QPointF c(px(ax), frame.zeroStrip.center().y());
        if (c.x() < plot.left() - 1 || c.x() > plot.right() + 1) continue;
        p.setPen(QPen(colour, 1.6));
        p.setBrush(Qt::white);
        drawZeroMarker(p, c, std::max(radius, 0.28 * em));
        continue;
      }
      if (!hasMarkers(s.style)) continue;
      const double ay = toAxis(s.y(i), o.logY);
      if (!std::isfinite(ay)) continue;
      const QPointF c(px(ax), py(ay));
      if (!plot.adjusted(-1, -1, 1, 1).contains(c)) continue;
      p.setPen(QPen(colour.darker(140), 0.8));
      p.setBrush(colour);
      drawMarker(p, s.marker, c, radius);
      if (drawnPoints.size() < 4000) drawnPoints.push_back(c);
    }
  }
  // The selection: a ring around one point.
  if (o.highlightSeries >= 0 && o.highlightSeries < int(series.size())) {
    const PlotSeries& s = series[size_t(o.highlightSeries)];
    const Eigen::VectorXd& xs = xsOf(s);
    if (o.highlightPoint >= 0 && o.highlightPoint < std::min(xs.size(), s.y.size())) {
      const QPointF c = frame.toPixel(xs(o.highlightPoint), s.y(o.highlightPoint));
      if (std::isfinite(c.x()) && std::isfinite(c.y())) {
        p.setBrush(Qt::NoBrush);
        p.setPen(QPen(Qt::black, 2.0));
        p.drawEllipse(c, 0.65 * em, 0.65 * em);
      }
    }
  }

  // Legend: the corner of the plot with the fewest drawn points under it.
  struct Entry {
    QString text;
    const PlotSeries* series = nullptr;
    QColor colour;
    bool zero = false;
  };
  std::vector<Entry> entries;
  for (size_t k = 0; k < series.size(); ++k)
    if (series[k].inLegend && !series[k].name.isEmpty())
      entries.push_back({series[k].name, &series[k], series[k].color.isValid() ? series[k].color : seriesColor(int(k)), false});
  if (anyZero) entries.push_back({o.zeroLabel, nullptr, QColor(60, 60, 60), true});
  const double lineH = 1.35 * em;
  double textW = 0;
  for (const Entry& e : entries) textW = std::max(textW, fm.horizontalAdvance(e.text));
  for (const QString& n : o.notes) textW = std::max(textW, fm.horizontalAdvance(n) - 2.9 * em);
  const int rows = int(entries.size() + o.notes.size());
  if (rows > 0) {
    const double w = std::min(plot.width() - 0.8 * em, textW + 3.6 * em), h = rows * lineH + 0.5 * em;
    const double m = 0.4 * em;
    const QRectF corners[] = {QRectF(plot.right() - m - w, plot.top() + m, w, h), QRectF(plot.left() + m, plot.top() + m, w, h),
                              QRectF(plot.right() - m - w, plot.bottom() - m - h, w, h), QRectF(plot.left() + m, plot.bottom() - m - h, w, h)};
    QRectF box = corners[0];
    int best = INT_MAX;
    for (const QRectF& c : corners) {
      int covered = 0;
      for (const QPointF& pt : drawnPoints) covered += c.contains(pt) ? 1 : 0;
      if (covered < best) best = covered, box = c;
    }
    p.setPen(QPen(QColor(180, 180, 180), 1.0));
    p.setBrush(QColor(255, 255, 255, 235));
    p.drawRect(box);
    double y = box.top() + 0.25 * em;
    for (const Entry& e : entries) {
      const double cy = y + 0.5 * lineH;
      const QPointF mid(box.left() + 1.4 * em, cy);
      if (e.zero) {
        p.setPen(QPen(e.colour, 1.6));
        p.setBrush(Qt::white);
        drawZeroMarker(p, mid, 0.3 * em);
      } else {
        if (hasLine(e.series->style)) {
          QPen pen(e.colour, basePen * e.series->lineWidth);
          if (e.series->dashed) pen.setStyle(Qt::DashLine);
          p.setPen(pen);
          p.drawLine(QPointF(box.left() + 0.4 * em, cy), QPointF(box.left() + 2.4 * em, cy));
        }
        if (hasMarkers(e.series->style)) {
          p.setPen(QPen(e.colour.darker(140), 0.8));
          p.setBrush(e.colour);
          drawMarker(p, e.series->marker, mid, 0.3 * em);
        }
      }
      p.setPen(Qt::black);
      p.drawText(QRectF(box.left() + 2.9 * em, y, w - 3.0 * em, lineH), Qt::AlignLeft | Qt::AlignVCenter,
                 fm.elidedText(e.text, Qt::ElideMiddle, w - 3.0 * em));
      y += lineH;
    }
    p.setPen(QColor(60, 60, 60));
    for (const QString& n : o.notes) {
      p.drawText(QRectF(box.left() + 0.5 * em, y, w - 0.6 * em, lineH), Qt::AlignLeft | Qt::AlignVCenter,
                 fm.elidedText(n, Qt::ElideRight, w - 0.6 * em));
      y += lineH;
    }
  }
  (void)nan;
  p.restore();
  return frame;
}

void paintSphereFigure(QPainter& p, const QRectF& rect, const Eigen::MatrixXd& values, const QString& title)
{
  const double em = beginFigure(p, rect, title);
  const double barW = 1.2 * em, barLabels = 4.5 * em;
  const double top = rect.top() + 2.4 * em, bottom = rect.bottom() - 1.0 * em;
  const double side = std::max(10.0, std::min(bottom - top, rect.width() - 2.0 * em - barW - barLabels - 2 * em));
  const QRectF disk(rect.left() + (rect.width() - barW - barLabels - 2 * em - side) / 2, top + (bottom - top - side) / 2, side, side);
  if (values.size() == 0) {
    p.drawText(disk, Qt::AlignCenter, QStringLiteral("no data"));
    p.restore();
    return;
  }
  const double vmax = std::max(1e-300, values.cwiseAbs().maxCoeff());
  const int nTheta = int(values.rows()), nPhi = int(values.cols());
  // Camera: azimuth 35°, elevation 25°; screen right e_r, up e_u, towards the viewer v.
  const double az = 35.0 * M_PI / 180.0, el = 25.0 * M_PI / 180.0;
  const Eigen::Vector3d v(std::cos(el) * std::cos(az), std::cos(el) * std::sin(az), std::sin(el));
  const Eigen::Vector3d er(-std::sin(az), std::cos(az), 0.0);
  const Eigen::Vector3d eu = v.cross(er);
  const Eigen::Vector3d light = (v + 0.6 * eu - 0.4 * er).normalized();
  const int n = std::max(16, int(side * std::max(1.0, p.device() ? p.device()->devicePixelRatioF() : 1.0)));
  QImage img(n, n, QImage::Format_ARGB32_Premultiplied);
  img.fill(Qt::transparent);
  auto sample = [&](double theta, double phi) {
    // Bilinear on the lat-long grid: rows at cell centres in θ, columns at φ = 2πj/nPhi (periodic).
    const double ft = std::clamp(theta / M_PI * nTheta - 0.5, 0.0, double(nTheta - 1));
    double fp = phi / (2 * M_PI) * nPhi;
    fp -= std::floor(fp / nPhi) * nPhi;
    const int t0 = int(ft), t1 = std::min(nTheta - 1, t0 + 1), p0 = int(fp) % nPhi, p1 = (p0 + 1) % nPhi;
    const double a = ft - t0, b = fp - std::floor(fp);
    return (1 - a) * ((1 - b) * values(t0, p0) + b * values(t0, p1)) + a * ((1 - b) * values(t1, p0) + b * values(t1, p1));
  };
  for (int row = 0; row < n; ++row) {
    auto* line = reinterpret_cast<QRgb*>(img.scanLine(row));
    for (int col = 0; col < n; ++col) {
      const double u = (col + 0.5) / n * 2 - 1, w = 1 - (row + 0.5) / n * 2;
      const double rr = u * u + w * w;
      if (rr > 1.0) continue;
      const Eigen::Vector3d x = u * er + w * eu + std::sqrt(1 - rr) * v;
      const double theta = std::acos(std::clamp(x.z(), -1.0, 1.0)), phi = std::atan2(x.y(), x.x());
      const QColor c = divergingColor(sample(theta, phi) / vmax);
      const double shade = 0.62 + 0.38 * std::max(0.0, x.dot(light));
      line[col] = qRgb(int(c.red() * shade), int(c.green() * shade), int(c.blue() * shade));
    }
  }
  p.drawImage(disk, img);
  p.setPen(QPen(QColor(90, 90, 90), 1.0));
  p.setBrush(Qt::NoBrush);
  p.drawEllipse(disk);
  // The equator (front half) for orientation.
  QPainterPath equator;
  bool started = false;
  for (int i = 0; i <= 180; ++i) {
    const double phi = 2 * M_PI * i / 180;
    const Eigen::Vector3d x(std::cos(phi), std::sin(phi), 0.0);
    if (x.dot(v) < 0) {
      started = false;
      continue;
    }
    const QPointF pt(disk.center().x() + x.dot(er) * side / 2, disk.center().y() - x.dot(eu) * side / 2);
    if (started)
      equator.lineTo(pt);
    else
      equator.moveTo(pt);
    started = true;
  }
  p.setPen(QPen(QColor(60, 60, 60, 150), 1.0, Qt::DotLine));
  p.drawPath(equator);
  // Colour bar, symmetric about 0.
  const QRectF bar(disk.right() + 2 * em, disk.top(), barW, disk.height());
  QImage grad(1, 256, QImage::Format_RGB32);
  for (int i = 0; i < 256; ++i) grad.setPixel(0, 255 - i, divergingColor(i / 127.5 - 1.0).rgb());
  p.drawImage(bar, grad);
  p.setPen(QPen(Qt::black, 1.0));
  p.drawRect(bar);
  for (double t : niceTicks(-vmax, vmax, 7)) {
    const double y = bar.bottom() - (t + vmax) / (2 * vmax) * bar.height();
    p.drawLine(QPointF(bar.right(), y), QPointF(bar.right() + 0.4 * em, y));
    p.drawText(QRectF(bar.right() + 0.5 * em, y - 0.6 * em, barLabels, 1.2 * em), Qt::AlignLeft | Qt::AlignVCenter, tickLabel(t));
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
