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
#include "widgets/common/FigureText.h"
#include "widgets/common/NiceTicks.h"

namespace ntk::gui {

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

QImage matrixImage(const Eigen::MatrixXd& m, double lo, double hi)
{
  QImage img(int(m.cols()), int(m.rows()), QImage::Format_RGB32);
  const auto& table = viridisTable();
  const double span = hi > lo ? hi - lo : 1.0;
  for (int r = 0; r < img.height(); ++r) {
    auto* line = reinterpret_cast<QRgb*>(img.scanLine(r));
    for (int c = 0; c < img.width(); ++c) {
      const double t = hi > lo ? std::clamp((m(r, c) - lo) / span, 0.0, 1.0) : 0.5;
      const Rgb8& rgb = table[size_t(std::lround(t * 255.0))];
      line[c] = qRgb(rgb[0], rgb[1], rgb[2]);
    }
  }
  return img;
}

/// The bold title of a figure, wrapped to `width`: its height (0 for no title).
double titleHeight(const QFont& titleFont, const QString& title, double width)
{
  return title.isEmpty() ? 0.0 : wrappedTextHeight(titleFont, title, width);
}

} // namespace

QString tickLabel(double v)
{
  if (v == 0.0) return QStringLiteral("0");
  const double a = std::abs(v);
  if (a >= 1e4 || a < 1e-3) return QString::number(v, 'e', 1);
  return QString::number(v, 'g', 4);
}

QStringList tickLabels(const std::vector<double>& values)
{
  QStringList labels;
  for (double v : values) labels << tickLabel(v);
  // Ticks of a narrow range (a zoomed axis, a near-constant colour bar) need more digits than
  // tickLabel's 4 to tell them apart: add digits until neighbours differ.
  auto distinct = [&] {
    for (int i = 1; i < labels.size(); ++i)
      if (labels[i] == labels[i - 1]) return false;
    return true;
  };
  for (int digits = 5; !distinct() && digits <= 15; ++digits) {
    labels.clear();
    for (double v : values) labels << (v == 0.0 ? QStringLiteral("0") : QString::number(v, 'g', digits));
  }
  return labels;
}

bool isNearlyConstant(double lo, double hi)
{
  return !(hi - lo > 1e-9 * std::max({std::abs(lo), std::abs(hi), 1e-300}));
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
  drawFittedText(p, QRectF(rect.left() + 0.5 * em, rect.top(), rect.width() - em, 2.0 * em), Qt::AlignCenter, title, 0.6);
  p.setFont(f);
  return em;
}

void paintFigureMessage(QPainter& p, const QRectF& area, const QString& message, double em)
{
  p.save();
  p.setPen(QPen(QColor(180, 180, 180), 1.0));
  p.drawRect(area);
  p.setPen(Qt::black);
  drawFittedText(p, area.adjusted(em, em, -em, -em), Qt::AlignCenter, message);
  p.restore();
}

QColor seriesColor(int index)
{
  static const QColor palette[] = {QColor(0, 114, 178), QColor(213, 94, 0), QColor(0, 158, 115),
                                   QColor(204, 121, 167), QColor(230, 159, 0), QColor(86, 180, 233),
                                   QColor(0, 0, 0)};
  return palette[index % 7];
}

void paintColourBar(QPainter& p, const QRectF& bar, const QImage& gradient, double lo, double hi, double em)
{
  p.drawImage(bar, gradient);
  p.setPen(QPen(Qt::black, 1.0));
  p.setBrush(Qt::NoBrush);
  p.drawRect(bar);
  const QFontMetricsF fm(p.font());
  if (isNearlyConstant(lo, hi)) {
    // Ticks 1.52 / 1.52 / 1.53 on a constant matrix said nothing: one label with the value.
    const double y = bar.center().y();
    p.drawLine(QPointF(bar.right(), y), QPointF(bar.right() + 0.4 * em, y));
    p.drawText(QRectF(bar.right() + 0.5 * em, y - 1.3 * em, 6 * em, 2.6 * em), Qt::AlignLeft | Qt::AlignVCenter | Qt::TextDontClip,
               QStringLiteral("constant\n%1").arg(QString::number(0.5 * (lo + hi), 'g', 6)));
    return;
  }
  const std::vector<double> ticks = niceTicks(lo, hi, std::max(2, std::min(7, int(bar.height() / (2.0 * em)))));
  const QStringList labels = tickLabels(ticks);
  std::vector<QRectF> rects;
  for (size_t i = 0; i < ticks.size(); ++i) {
    const double y = bar.bottom() - (ticks[i] - lo) / (hi - lo) * bar.height();
    rects.emplace_back(bar.right() + 0.5 * em, y - 0.5 * fm.height(), fm.horizontalAdvance(labels[int(i)]), fm.height());
  }
  const std::vector<bool> keep = labelsThatFit(rects, {}, 0.2 * em);
  for (size_t i = 0; i < ticks.size(); ++i) {
    const double y = rects[i].center().y();
    p.drawLine(QPointF(bar.right(), y), QPointF(bar.right() + 0.4 * em, y));
    if (keep[i]) p.drawText(rects[i], Qt::AlignLeft | Qt::AlignVCenter | Qt::TextDontClip, labels[int(i)]);
  }
}

double colourBarLabelWidth(const QFontMetricsF& fm, double lo, double hi)
{
  if (isNearlyConstant(lo, hi)) return std::max(fm.horizontalAdvance(QStringLiteral("constant")), fm.horizontalAdvance(QString::number(hi, 'g', 6)));
  double w = 0;
  for (const QString& l : tickLabels(niceTicks(lo, hi, 7))) w = std::max(w, fm.horizontalAdvance(l));
  return w;
}

namespace {

/// Ticks along one side of a square image: x below it (`vertical` false) or x′ left of it.
void paintImageAxisTicks(QPainter& p, const QRectF& plot, double x0, double x1, bool vertical, double em)
{
  const QFontMetricsF fm(p.font());
  const std::vector<double> ticks = niceTicks(x0, x1, std::max(2, int((vertical ? plot.height() : plot.width()) / (3.5 * em))));
  const QStringList labels = tickLabels(ticks);
  std::vector<QRectF> rects;
  for (size_t i = 0; i < ticks.size(); ++i) {
    const double f = (ticks[i] - x0) / (x1 - x0);
    const double w = fm.horizontalAdvance(labels[int(i)]);
    if (vertical) {
      const double y = plot.top() + f * plot.height();
      rects.emplace_back(plot.left() - 0.6 * em - w, y - 0.5 * fm.height(), w, fm.height());
    } else {
      const double x = plot.left() + f * plot.width();
      rects.emplace_back(x - w / 2, plot.bottom() + 0.5 * em, w, fm.height());
    }
  }
  const std::vector<bool> keep = labelsThatFit(rects, {}, 0.6 * em);
  for (size_t i = 0; i < ticks.size(); ++i) {
    if (vertical) {
      const double y = rects[i].center().y();
      p.drawLine(QPointF(plot.left() - 0.4 * em, y), QPointF(plot.left(), y));
    } else {
      const double x = rects[i].center().x();
      p.drawLine(QPointF(x, plot.bottom()), QPointF(x, plot.bottom() + 0.4 * em));
    }
    if (keep[i]) p.drawText(rects[i], Qt::AlignCenter | Qt::TextDontClip, labels[int(i)]);
  }
}

} // namespace

void paintHeatmapFigure(QPainter& p, const QRectF& rect, const Eigen::MatrixXd& m, double x0, double x1,
                        const QString& title, const QString& axisLabel)
{
  p.save();
  p.setRenderHint(QPainter::Antialiasing, true);
  p.fillRect(rect, Qt::white);
  const double em = std::max(10.0, std::min(rect.height(), rect.width() * 1.2) / 40.0);
  QFont f = p.font();
  f.setPixelSize(std::max(1, int(em)));
  QFont tf = f;
  tf.setBold(true);
  const QFontMetricsF fm(f);
  const double lo = m.size() ? m.minCoeff() : 0.0, hi = m.size() ? m.maxCoeff() : 1.0;
  // The title wraps to as many lines as it needs (a title cut short at the figure's edge ran into
  // the next figure's); the image is then as large as the rest allows, square cells, the colour
  // bar beside it, the pair centred.
  const double titleH = titleHeight(tf, title, rect.width() - em) + 0.6 * em;
  p.setFont(tf);
  p.setPen(Qt::black);
  p.drawText(QRectF(rect.left() + 0.5 * em, rect.top() + 0.3 * em, rect.width() - em, titleH), Qt::AlignHCenter | Qt::AlignTop | Qt::TextWordWrap,
             title);
  p.setFont(f);
  const double labelW = std::max(fm.horizontalAdvance(QStringLiteral("0.88")), fm.horizontalAdvance(tickLabel(x1)));
  const double leftMargin = 2.2 * em + labelW, bottomMargin = 3.2 * em;
  const double barW = 1.2 * em, barGap = 1.2 * em, barLabels = colourBarLabelWidth(fm, lo, hi) + 1.2 * em;
  const double top = rect.top() + titleH + 0.3 * em, bottom = rect.bottom() - bottomMargin;
  const double widthForImage = rect.width() - leftMargin - barGap - barW - barLabels - 0.5 * em;
  const double side = std::max(10.0, std::min(bottom - top, widthForImage));
  const double groupLeft = rect.left() + leftMargin + std::max(0.0, (widthForImage - side) / 2);
  const QRectF plot(groupLeft, top + std::max(0.0, (bottom - top - side) / 2), side, side);
  if (m.size() == 0) {
    p.drawText(plot, Qt::AlignCenter, QStringLiteral("no data"));
    p.restore();
    return;
  }
  p.drawImage(plot, matrixImage(m, lo, hi));
  p.setPen(QPen(Qt::black, 1.0));
  p.drawRect(plot);
  // Axes: x along the bottom (columns), x′ down the left (rows).
  paintImageAxisTicks(p, plot, x0, x1, false, em);
  paintImageAxisTicks(p, plot, x0, x1, true, em);
  p.drawText(QRectF(plot.left(), plot.bottom() + 1.9 * em, plot.width(), 1.3 * em), Qt::AlignCenter, axisLabel);
  p.save();
  p.translate(plot.left() - labelW - 1.6 * em, plot.center().y());
  p.rotate(-90);
  p.drawText(QRectF(-plot.height() / 2, -0.7 * em, plot.height(), 1.4 * em), Qt::AlignCenter, axisLabel + QStringLiteral("′"));
  p.restore();
  QImage grad(1, 256, QImage::Format_RGB32);
  const auto& table = viridisTable();
  for (int i = 0; i < 256; ++i) grad.setPixel(0, 255 - i, qRgb(table[size_t(i)][0], table[size_t(i)][1], table[size_t(i)][2]));
  paintColourBar(p, QRectF(plot.right() + barGap, plot.top(), barW, plot.height()), grad, lo, hi, em);
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
  // Every decade as 10ⁿ: "1000" beside "10⁴" read as one run of digits, and a mix of forms made
  // neighbouring decades look unrelated.
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
  std::vector<int> priority; ///< 0: decades and linear ticks; 1: the 2s and 5s inside a decade (dropped first)
  std::vector<double> minor;
};

/// Ticks of an axis in axis units; log axes get decades (every `step`-th when many), with 2 and 5
/// labelled inside one or two decades, and unlabelled minor ticks 2…9 when the decades are few.
Ticks makeTicks(double lo, double hi, bool log, int maxTicks)
{
  Ticks t;
  maxTicks = std::max(2, maxTicks);
  if (!log) {
    t.major = niceTicks(lo, hi, maxTicks);
    t.labels = tickLabels(t.major);
    t.priority.assign(t.major.size(), 0);
    return t;
  }
  if (hi - lo < 0.9) {
    std::vector<double> values;
    for (double v : niceTicks(std::pow(10.0, lo), std::pow(10.0, hi), maxTicks))
      if (v > 0) values.push_back(v), t.major.push_back(std::log10(v));
    t.labels = tickLabels(values);
    t.priority.assign(t.major.size(), 0);
    return t;
  }
  const int e0 = int(std::ceil(lo - 1e-9)), e1 = int(std::floor(hi + 1e-9));
  const int decades = e1 - e0 + 1;
  const int step = std::max(1, int(std::ceil(double(decades) / maxTicks)));
  for (int e = e0; e <= e1; ++e)
    if (((e % step) + step) % step == 0) {
      t.major.push_back(e);
      t.labels << decadeLabel(e);
      t.priority.push_back(0);
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
          t.priority.push_back(1);
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

double toAxisUnits(double v, bool log) { return !std::isfinite(v) ? kNaN : log ? (v > 0 ? std::log10(v) : kNaN) : v; }

/// What the parts of paintPlot share: the inputs, the fonts, and the layout once computed.
struct PlotContext {
  QPainter& p;
  const QRectF rect;
  const std::vector<PlotSeries>& series;
  const PlotOptions& o;
  const Eigen::VectorXd& sharedX;
  double em = 0;
  QFont font, titleFont;
  PlotFrame frame;
  bool anyZero = false;
  double titleH = 0;  ///< height of the (wrapped) title block
  double labelW = 0;  ///< widest y tick label
  Ticks xt, yt;

  const Eigen::VectorXd& xsOf(const PlotSeries& s) const { return s.x.size() ? s.x : sharedX; }
  QColor colourOf(size_t k) const { return series[k].color.isValid() ? series[k].color : seriesColor(int(k)); }
  double px(double ax) const { return frame.plot.left() + (ax - frame.range.xlo) / (frame.range.xhi - frame.range.xlo) * frame.plot.width(); }
  double py(double ay) const { return frame.plot.bottom() - (ay - frame.range.ylo) / (frame.range.yhi - frame.range.ylo) * frame.plot.height(); }
  double basePen() const { return std::max(1.5, em / 6.0); }
};

/// Fonts of em pixels (em from the rectangle's height unless the options fix it).
void chooseFonts(PlotContext& c)
{
  c.em = c.o.em > 0 ? c.o.em : std::max(10.0, c.rect.height() / 40.0);
  c.font = c.p.font();
  c.font.setPixelSize(std::max(6, int(std::lround(c.em))));
  c.titleFont = c.font;
  c.titleFont.setBold(true);
}

/// The data extent in axis units, padded so end markers are not cut by the frame; exact zeros count
/// for x only (they sit in their own strip). Sets frame.dataRange, frame.range and anyZero.
void fitRanges(PlotContext& c)
{
  double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
  bool anyMarkers = false;
  for (const PlotSeries& s : c.series) {
    const Eigen::VectorXd& xs = c.xsOf(s);
    anyMarkers = anyMarkers || hasMarkers(s.style);
    for (Eigen::Index i = 0; i < std::min(xs.size(), s.y.size()); ++i) {
      const double ax = toAxisUnits(xs(i), c.o.logX);
      if (!std::isfinite(ax)) continue;
      if (c.o.logY && s.exactZeros && s.y(i) == 0.0) {
        c.anyZero = true;
        xlo = std::min(xlo, ax), xhi = std::max(xhi, ax);
        continue;
      }
      const double ay = toAxisUnits(s.y(i), c.o.logY);
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
  c.frame.dataRange = {xlo, xhi, ylo, yhi};
  c.frame.range = c.o.range.value_or(c.frame.dataRange);
}

/// The caller's tick values (PlotOptions::xTicks / yTicks) inside [lo, hi] in axis units replace the
/// automatic ticks when at least two of them are inside.
void chooseTicks(const std::vector<double>& wanted, bool logAxis, double lo, double hi, Ticks& ticks)
{
  Ticks chosen;
  std::vector<double> values;
  for (double v : wanted) {
    const double a = toAxisUnits(v, logAxis);
    if (std::isfinite(a) && a >= std::min(lo, hi) - 1e-9 && a <= std::max(lo, hi) + 1e-9) values.push_back(v), chosen.major.push_back(a);
  }
  if (values.size() < 2) return;
  chosen.labels = tickLabels(values);
  chosen.priority.assign(values.size(), 0);
  ticks = chosen;
}

/// Layout: the title (wrapped), y tick labels measured, x tick labels and title below, the zero
/// strip above them. Sets frame.plot, frame.zeroStrip, the ticks and the measures.
void layoutPlot(PlotContext& c)
{
  const double em = c.em;
  const AxisRange& r = c.frame.range;
  const QFontMetricsF fm(c.font);
  c.titleH = c.o.title.isEmpty() ? 0.7 * em : titleHeight(c.titleFont, c.o.title, c.rect.width() - em) + 1.0 * em;
  const double stripH = c.anyZero ? 1.6 * em : 0.0, stripGap = c.anyZero ? 0.35 * em : 0.0;
  const double estimatedHeight = c.rect.height() - c.titleH - 3.0 * em - stripH - stripGap;
  c.yt = makeTicks(r.ylo, r.yhi, c.o.logY, std::max(2, int(estimatedHeight / (2.4 * em))));
  chooseTicks(c.o.yTicks, c.o.logY, r.ylo, r.yhi, c.yt);
  c.labelW = fm.horizontalAdvance(QStringLiteral("0"));
  for (const QString& l : c.yt.labels) c.labelW = std::max(c.labelW, fm.horizontalAdvance(l));
  const double left = c.rect.left() + 1.9 * em + c.labelW + 0.5 * em;
  const double right = c.rect.right() - 1.0 * em;
  const double bottomOfData = c.rect.bottom() - 3.0 * em;
  const QRectF plot(left, c.rect.top() + c.titleH, std::max(10.0, right - left),
                    std::max(10.0, bottomOfData - stripH - stripGap - c.rect.top() - c.titleH));
  c.frame.plot = plot;
  if (c.anyZero) c.frame.zeroStrip = QRectF(plot.left(), plot.bottom() + stripGap, plot.width(), stripH);
  c.frame.valid = r.xhi > r.xlo && r.yhi > r.ylo;
  c.xt = makeTicks(r.xlo, r.xhi, c.o.logX, std::max(2, int(plot.width() / (5.0 * em))));
  chooseTicks(c.o.xTicks, c.o.logX, r.xlo, r.xhi, c.xt);
}

void paintTitle(PlotContext& c)
{
  if (c.o.title.isEmpty()) return;
  c.p.setFont(c.titleFont);
  c.p.setPen(Qt::black);
  c.p.drawText(QRectF(c.rect.left() + 0.5 * c.em, c.rect.top() + 0.3 * c.em, c.rect.width() - c.em, c.titleH),
               Qt::AlignHCenter | Qt::AlignTop | Qt::TextWordWrap, c.o.title);
  c.p.setFont(c.font);
}

void paintGridAndFrame(PlotContext& c)
{
  QPainter& p = c.p;
  const QRectF& plot = c.frame.plot;
  p.setPen(QPen(QColor(242, 242, 242), 1.0));
  for (double t : c.xt.minor) p.drawLine(QPointF(c.px(t), plot.top()), QPointF(c.px(t), plot.bottom()));
  for (double t : c.yt.minor) p.drawLine(QPointF(plot.left(), c.py(t)), QPointF(plot.right(), c.py(t)));
  p.setPen(QPen(QColor(222, 222, 222), 1.0));
  for (double t : c.xt.major) p.drawLine(QPointF(c.px(t), plot.top()), QPointF(c.px(t), plot.bottom()));
  for (double t : c.yt.major) p.drawLine(QPointF(plot.left(), c.py(t)), QPointF(plot.right(), c.py(t)));
  p.setPen(QPen(Qt::black, 1.0));
  p.setBrush(Qt::NoBrush);
  p.drawRect(plot);
}

/// Tick marks for every tick, labels for those that do not collide (labelsThatFit).
void paintTickLabels(PlotContext& c)
{
  QPainter& p = c.p;
  const double em = c.em;
  const QRectF& plot = c.frame.plot;
  const QFontMetricsF fm(c.font);
  const double labelsTop = c.anyZero ? c.frame.zeroStrip.bottom() : plot.bottom();
  std::vector<QRectF> xRects, yRects;
  for (size_t i = 0; i < c.xt.major.size(); ++i) {
    const double x = c.px(c.xt.major[i]), w = fm.horizontalAdvance(c.xt.labels[int(i)]);
    p.drawLine(QPointF(x, plot.bottom()), QPointF(x, plot.bottom() - 0.35 * em));
    xRects.emplace_back(x - w / 2, labelsTop + 0.25 * em, w, fm.height());
  }
  for (size_t i = 0; i < c.yt.major.size(); ++i) {
    const double y = c.py(c.yt.major[i]), w = fm.horizontalAdvance(c.yt.labels[int(i)]);
    p.drawLine(QPointF(plot.left(), y), QPointF(plot.left() + 0.35 * em, y));
    yRects.emplace_back(plot.left() - 0.4 * em - w, y - 0.5 * fm.height(), w, fm.height());
  }
  std::vector<bool> keepX = labelsThatFit(xRects, c.xt.priority, 0.8 * em);
  std::vector<bool> keepY = labelsThatFit(yRects, c.yt.priority, 0.15 * em);
  // The zero strip's "0" is a label too: y labels keep clear of it.
  if (c.anyZero) {
    const double w = fm.horizontalAdvance(QStringLiteral("0"));
    const QRectF zero(plot.left() - 0.4 * em - w, c.frame.zeroStrip.center().y() - 0.5 * fm.height(), w, fm.height());
    for (size_t i = 0; i < yRects.size(); ++i)
      if (yRects[i].intersects(zero)) keepY[i] = false;
  }
  // Labels at the ends stay inside the figure.
  for (QRectF& r : xRects) {
    if (r.right() > c.rect.right()) r.moveRight(c.rect.right());
    if (r.left() < c.rect.left()) r.moveLeft(c.rect.left());
  }
  // In the corner a y label at the bottom can meet the first x label: the x label wins.
  for (size_t i = 0; i < yRects.size(); ++i)
    for (size_t j = 0; j < xRects.size() && keepY[i]; ++j)
      if (keepX[j] && yRects[i].intersects(xRects[j])) keepY[i] = false;
  p.setPen(Qt::black);
  for (size_t i = 0; i < c.xt.major.size(); ++i)
    if (keepX[i])
      p.drawText(xRects[i], Qt::AlignCenter | Qt::TextDontClip, c.xt.labels[int(i)]);
  for (size_t i = 0; i < c.yt.major.size(); ++i)
    if (keepY[i]) p.drawText(yRects[i], Qt::AlignRight | Qt::AlignVCenter | Qt::TextDontClip, c.yt.labels[int(i)]);
}

void paintZeroStrip(PlotContext& c)
{
  if (!c.anyZero) return;
  QPainter& p = c.p;
  const QRectF& s = c.frame.zeroStrip;
  const QFontMetricsF fm(c.font);
  p.fillRect(s, QColor(246, 246, 246));
  p.setPen(QPen(QColor(150, 150, 150), 1.0, Qt::DashLine));
  p.setBrush(Qt::NoBrush);
  p.drawRect(s);
  p.setPen(Qt::black);
  const double w = fm.horizontalAdvance(QStringLiteral("0"));
  p.drawText(QRectF(c.frame.plot.left() - 0.4 * c.em - w, s.center().y() - 0.5 * fm.height(), w, fm.height()),
             Qt::AlignRight | Qt::AlignVCenter | Qt::TextDontClip, QStringLiteral("0"));
}

void paintAxisTitles(PlotContext& c)
{
  QPainter& p = c.p;
  const double em = c.em;
  const QRectF& plot = c.frame.plot;
  p.setPen(Qt::black);
  drawFittedText(p, QRectF(plot.left(), c.rect.bottom() - 1.6 * em, plot.width(), 1.4 * em), Qt::AlignCenter, c.o.xTitle);
  p.save();
  p.translate(c.rect.left() + 0.9 * em, plot.center().y());
  p.rotate(-90);
  const double along = std::min(plot.height() + 4 * em, c.rect.height() - 0.5 * em);
  drawFittedText(p, QRectF(-along / 2, -0.8 * em, along, 1.6 * em), Qt::AlignCenter, c.o.yTitle);
  p.restore();
}

/// Lines of all series (under every marker, so no line hides a point); returns sample points of
/// what was drawn (for the legend placement).
std::vector<QPointF> paintSeriesLines(PlotContext& c)
{
  QPainter& p = c.p;
  std::vector<QPointF> drawn;
  for (size_t k = 0; k < c.series.size(); ++k) {
    const PlotSeries& s = c.series[k];
    if (!hasLine(s.style)) continue;
    const Eigen::VectorXd& xs = c.xsOf(s);
    QPainterPath path;
    bool down = false;
    for (Eigen::Index i = 0; i < std::min(xs.size(), s.y.size()); ++i) {
      if (s.exactZeros && c.o.logY && s.y(i) == 0.0) continue; // joins across exact zeros (they have a strip)
      const double ax = toAxisUnits(xs(i), c.o.logX), ay = toAxisUnits(s.y(i), c.o.logY);
      if (!std::isfinite(ax) || !std::isfinite(ay)) {
        down = false;
        continue;
      }
      const QPointF pt(c.px(ax), c.py(ay));
      if (down)
        path.lineTo(pt);
      else
        path.moveTo(pt);
      down = true;
    }
    QPen pen(c.colourOf(k), c.basePen() * s.lineWidth);
    if (s.dashed) pen.setStyle(Qt::DashLine);
    p.setPen(pen);
    p.setBrush(Qt::NoBrush);
    p.setClipRect(c.frame.plot);
    p.drawPath(path);
    p.setClipping(false);
    for (int e = 0; e < path.elementCount(); e += std::max(1, path.elementCount() / 200)) drawn.emplace_back(path.elementAt(e));
  }
  return drawn;
}

/// Markers, and the ▽ of exact zeros in their strip; appends what was drawn to `drawn`.
void paintSeriesMarkers(PlotContext& c, std::vector<QPointF>& drawn)
{
  QPainter& p = c.p;
  const QRectF& plot = c.frame.plot;
  for (size_t k = 0; k < c.series.size(); ++k) {
    const PlotSeries& s = c.series[k];
    const Eigen::VectorXd& xs = c.xsOf(s);
    const Eigen::Index n = std::min(xs.size(), s.y.size());
    const QColor colour = c.colourOf(k);
    const double radius = c.em * (n > 400 ? 0.16 : n > 150 ? 0.22 : 0.3);
    for (Eigen::Index i = 0; i < n; ++i) {
      const double ax = toAxisUnits(xs(i), c.o.logX);
      if (!std::isfinite(ax)) continue;
      if (s.exactZeros && c.o.logY && s.y(i) == 0.0) {
        const QPointF at(c.px(ax), c.frame.zeroStrip.center().y());
        if (at.x() < plot.left() - 1 || at.x() > plot.right() + 1) continue;
        p.setPen(QPen(colour, 1.6));
        p.setBrush(Qt::white);
        drawZeroMarker(p, at, std::max(radius, 0.28 * c.em));
        continue;
      }
      if (!hasMarkers(s.style)) continue;
      const double ay = toAxisUnits(s.y(i), c.o.logY);
      if (!std::isfinite(ay)) continue;
      const QPointF at(c.px(ax), c.py(ay));
      if (!plot.adjusted(-1, -1, 1, 1).contains(at)) continue;
      p.setPen(QPen(colour.darker(140), 0.8));
      p.setBrush(colour);
      drawMarker(p, s.marker, at, radius);
      if (drawn.size() < 4000) drawn.push_back(at);
    }
  }
}

/// The selection: a ring around one point.
void paintHighlight(PlotContext& c)
{
  const PlotOptions& o = c.o;
  if (o.highlightSeries < 0 || o.highlightSeries >= int(c.series.size())) return;
  const PlotSeries& s = c.series[size_t(o.highlightSeries)];
  const Eigen::VectorXd& xs = c.xsOf(s);
  if (o.highlightPoint < 0 || o.highlightPoint >= std::min(xs.size(), s.y.size())) return;
  const QPointF at = c.frame.toPixel(xs(o.highlightPoint), s.y(o.highlightPoint));
  if (!std::isfinite(at.x()) || !std::isfinite(at.y())) return;
  c.p.setBrush(Qt::NoBrush);
  c.p.setPen(QPen(Qt::black, 2.0));
  c.p.drawEllipse(at, 0.65 * c.em, 0.65 * c.em);
}

struct LegendEntry {
  QString text;
  const PlotSeries* series = nullptr; ///< null: the exact-zero marker
  QColor colour;
  bool note = false;                  ///< a line of text without a sample
  double height = 0;                  ///< of the wrapped text
};

std::vector<LegendEntry> legendEntries(const PlotContext& c)
{
  std::vector<LegendEntry> entries;
  for (size_t k = 0; k < c.series.size(); ++k)
    if (c.series[k].inLegend && !c.series[k].name.isEmpty()) entries.push_back({c.series[k].name, &c.series[k], c.colourOf(k)});
  if (c.anyZero) entries.push_back({c.o.zeroLabel, nullptr, QColor(60, 60, 60)});
  for (const QString& n : c.o.notes) entries.push_back({n, nullptr, QColor(60, 60, 60), true});
  return entries;
}

/// Of the four corners of the plot, the one whose box covers the fewest drawn points.
QRectF emptiestCorner(const QRectF& plot, QSizeF size, double margin, const std::vector<QPointF>& drawn)
{
  const double w = size.width(), h = size.height(), m = margin;
  const QRectF corners[] = {QRectF(plot.right() - m - w, plot.top() + m, w, h), QRectF(plot.left() + m, plot.top() + m, w, h),
                            QRectF(plot.right() - m - w, plot.bottom() - m - h, w, h), QRectF(plot.left() + m, plot.bottom() - m - h, w, h)};
  QRectF box = corners[0];
  int best = INT_MAX;
  for (const QRectF& corner : corners) {
    int covered = 0;
    for (const QPointF& pt : drawn) covered += corner.contains(pt) ? 1 : 0;
    if (covered < best) best = covered, box = corner;
  }
  return box;
}

void paintLegendSample(PlotContext& c, const LegendEntry& e, const QRectF& box, double cy)
{
  QPainter& p = c.p;
  const double em = c.em;
  const QPointF mid(box.left() + 1.4 * em, cy);
  if (!e.series) {
    p.setPen(QPen(e.colour, 1.6));
    p.setBrush(Qt::white);
    drawZeroMarker(p, mid, 0.3 * em);
    return;
  }
  if (hasLine(e.series->style)) {
    QPen pen(e.colour, c.basePen() * e.series->lineWidth);
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

/// The legend and notes in the emptiest corner. Entries wrap rather than being elided (an elided
/// legend hid the fitted exponent); the font gets smaller when the box would cover most of the plot.
void paintLegend(PlotContext& c, const std::vector<QPointF>& drawn)
{
  std::vector<LegendEntry> entries = legendEntries(c);
  if (entries.empty()) return;
  QPainter& p = c.p;
  const QRectF& plot = c.frame.plot;
  const double sampleW = 2.9 * c.em, pad = 0.3 * c.em;
  QFont font = c.font;
  double boxW = 0, boxH = 0;
  for (double scale : {1.0, 0.9, 0.8, 0.7}) {
    font.setPixelSize(std::max(6, int(std::lround(c.em * scale))));
    const QFontMetricsF fm(font);
    double textW = 0;
    for (const LegendEntry& e : entries) textW = std::max(textW, fm.horizontalAdvance(e.text) + (e.note ? 0.0 : sampleW));
    boxW = std::min(plot.width() - 0.8 * c.em, textW + 2 * pad + 0.2 * c.em);
    boxH = 2 * pad;
    for (LegendEntry& e : entries) {
      const double textWidth = boxW - 2 * pad - (e.note ? 0.0 : sampleW);
      e.height = std::max(1.3 * fm.height(), wrappedTextHeight(font, e.text, textWidth) + 0.3 * fm.height());
      boxH += e.height;
    }
    if (boxH * boxW <= 0.45 * plot.width() * plot.height()) break;
  }
  const QRectF box = emptiestCorner(plot, {boxW, boxH}, 0.4 * c.em, drawn);
  p.setPen(QPen(QColor(180, 180, 180), 1.0));
  p.setBrush(QColor(255, 255, 255, 235));
  p.drawRect(box);
  p.setFont(font);
  double y = box.top() + pad;
  for (const LegendEntry& e : entries) {
    const double textLeft = box.left() + pad + (e.note ? 0.0 : sampleW);
    if (!e.note) paintLegendSample(c, e, box, y + 0.65 * QFontMetricsF(font).height());
    p.setPen(e.note ? QColor(60, 60, 60) : QColor(Qt::black));
    p.drawText(QRectF(textLeft, y, box.right() - pad - textLeft, e.height), Qt::AlignLeft | Qt::AlignVCenter | Qt::TextWordWrap | Qt::TextDontClip,
               e.text);
    y += e.height;
  }
  p.setFont(c.font);
}

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
  PlotContext c{p, rect, series, o, sharedX};
  c.frame.logX = o.logX;
  c.frame.logY = o.logY;
  p.save();
  p.setRenderHint(QPainter::Antialiasing, true);
  p.fillRect(rect, Qt::white);
  chooseFonts(c);
  p.setFont(c.font);
  fitRanges(c);
  layoutPlot(c);
  paintTitle(c);
  paintGridAndFrame(c);
  paintZeroStrip(c);
  paintTickLabels(c);
  paintAxisTitles(c);
  std::vector<QPointF> drawn = paintSeriesLines(c);
  paintSeriesMarkers(c, drawn);
  paintHighlight(c);
  paintLegend(c, drawn);
  p.restore();
  return c.frame;
}

void paintSphereFigure(QPainter& p, const QRectF& rect, const Eigen::MatrixXd& values, const QString& title)
{
  const double em = beginFigure(p, rect, title);
  const double vmax0 = values.size() ? std::max(1e-300, values.cwiseAbs().maxCoeff()) : 1.0;
  const double barW = 1.2 * em, barLabels = colourBarLabelWidth(QFontMetricsF(p.font()), -vmax0, vmax0) + 1.0 * em;
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
  QImage grad(1, 256, QImage::Format_RGB32);
  for (int i = 0; i < 256; ++i) grad.setPixel(0, 255 - i, divergingColor(i / 127.5 - 1.0).rgb());
  paintColourBar(p, QRectF(disk.right() + 2 * em, disk.top(), barW, disk.height()), grad, -vmax, vmax, em);
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
