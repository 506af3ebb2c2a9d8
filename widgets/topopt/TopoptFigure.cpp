// TopoptFigure.cpp — the design (density, problem marks, NTK-filter overlay) and the history plots.
#include "widgets/topopt/TopoptFigure.h"

#include <algorithm>
#include <cmath>

#include <QCoreApplication>
#include <QImage>
#include <QPainter>
#include <QPainterPath>

#include "widgets/common/FigureText.h"
#include "widgets/common/NiceTicks.h"

namespace ntk::gui {

namespace {

const QColor kLoadColor(200, 30, 30);
const QColor kSupportColor(20, 90, 200);
const QColor kFilterColor(240, 120, 0);
const QColor kRminColor(0, 114, 178);

/// Density in [0, 1] as grey: 0 white (void), 1 black (solid).
QImage densityImage(const Eigen::MatrixXd& m)
{
  QImage img(int(m.cols()), int(m.rows()), QImage::Format_RGB32);
  for (int r = 0; r < img.height(); ++r) {
    auto* line = reinterpret_cast<QRgb*>(img.scanLine(r));
    for (int c = 0; c < img.width(); ++c) {
      const double v = m(r, c);
      const int g = std::isfinite(v) ? int(std::lround(255.0 * (1.0 - std::clamp(v, 0.0, 1.0)))) : 255;
      line[c] = qRgb(g, g, g);
    }
  }
  return img;
}

/// The passive elements as one translucent image over the domain (red solid, blue void).
QImage passiveImage(const TopoptProblem& problem)
{
  QImage img(problem.nelx, problem.nely, QImage::Format_ARGB32_Premultiplied);
  img.fill(Qt::transparent);
  for (int ex = 0; ex < problem.nelx; ++ex)
    for (int ey = 0; ey < problem.nely; ++ey) {
      const PassiveKind k = problem.passiveAt(problem.elementIndex(ex, ey));
      if (k == PassiveKind::Solid)
        img.setPixel(ex, ey, qPremultiply(qRgba(220, 40, 40, 150)));
      else if (k == PassiveKind::Void)
        img.setPixel(ex, ey, qPremultiply(qRgba(90, 160, 235, 150)));
    }
  return img;
}

QImage filterImage(const TopoptFilterOverlay& f, int nelx, int nely)
{
  QImage img(nelx, nely, QImage::Format_ARGB32_Premultiplied);
  img.fill(Qt::transparent);
  if (f.weights.size() != Eigen::Index(nelx) * nely) return img;
  for (int ex = 0; ex < nelx; ++ex)
    for (int ey = 0; ey < nely; ++ey) {
      const double w = std::clamp(f.weights(Eigen::Index(ex) * nely + ey), 0.0, 1.0);
      img.setPixel(ex, ey, qPremultiply(qRgba(kFilterColor.red(), kFilterColor.green(), kFilterColor.blue(), int(200 * w))));
    }
  return img;
}

void paintSupportMark(QPainter& p, QPointF node, bool fixX, bool fixY, double size)
{
  const double h = size, b = 0.6 * size;
  if (fixY) { // apex at the node, base below it
    QPolygonF t{node, node + QPointF(-b, h), node + QPointF(b, h)};
    p.drawPolygon(t);
  }
  if (fixX) { // apex at the node, base to its left
    QPolygonF t{node, node + QPointF(-h, -b), node + QPointF(-h, b)};
    p.drawPolygon(t);
  }
}

void paintFilterOverlay(QPainter& p, const TopoptDesignLayout& L, const TopoptDesignData& d, double em)
{
  const TopoptFilterOverlay& f = d.filter;
  if (f.weights.size() == 0 || f.ex < 0) return;
  p.save();
  p.setClipRect(L.domain.adjusted(-1, -1, 1, 1), Qt::IntersectClip); // a wide filter's circle stays on its domain
  p.setRenderHint(QPainter::SmoothPixmapTransform, false);
  p.drawImage(L.domain, filterImage(f, d.problem.nelx, d.problem.nely));
  const QPointF c = L.elementCentre(f.ex, f.ey);
  p.setRenderHint(QPainter::Antialiasing, true);
  p.setBrush(Qt::NoBrush);
  if (f.rmin > 0) {
    p.setPen(QPen(kRminColor, std::max(1.5, em / 7), Qt::DashLine));
    p.drawEllipse(c, f.rmin * L.element, f.rmin * L.element);
  }
  p.setPen(QPen(kFilterColor.darker(130), std::max(2.0, em / 6)));
  p.drawEllipse(c, f.radius * L.element, f.radius * L.element);
  p.setPen(QPen(Qt::black, 1.0));
  p.setBrush(kFilterColor);
  p.drawEllipse(c, std::max(2.0, L.element / 3), std::max(2.0, L.element / 3));
  p.restore();
}

} // namespace

QColor topoptClassicColor() { return seriesColor(0); }
QColor topoptNeuralColor() { return seriesColor(1); }


TopoptDesignLayout layoutTopoptDesign(const QRectF& rect, const TopoptDesignData& data, double em)
{
  TopoptDesignLayout L;
  L.title = QRectF(rect.left(), rect.top(), rect.width(), data.title.isEmpty() ? 0.0 : 1.6 * em);
  double captionH = 0.3 * em;
  if (!data.caption.isEmpty()) {
    QFont font;
    font.setPixelSize(std::max(1, int(em)));
    captionH = std::clamp(wrappedTextHeight(font, data.caption, rect.width() - em) + 0.3 * em, 1.4 * em, 3.6 * em);
  }
  L.caption = QRectF(rect.left(), rect.bottom() - captionH, rect.width(), captionH);
  const QRectF space(rect.left(), L.title.bottom(), rect.width(), L.caption.top() - L.title.bottom());
  L.arrow = std::clamp(0.18 * space.height(), 1.2 * em, 2.5 * em);
  const int nelx = std::max(1, data.problem.nelx), nely = std::max(1, data.problem.nely);
  // Room around the domain for the support triangles, and for the arrows, which point at their
  // nodes from outside: measured on a first placement, then the domain is placed again inside it.
  QMarginsF margins(1.4 * em, 0.9 * em, 1.4 * em, 0.9 * em);
  for (int pass = 0; pass < 2; ++pass) {
    const QRectF area = space.marginsRemoved(margins);
    L.element = std::max(0.1, std::min(area.width() / nelx, area.height() / nely));
    const QSizeF size(L.element * nelx, L.element * nely);
    L.domain = QRectF(area.left() + (area.width() - size.width()) / 2, area.top() + (area.height() - size.height()) / 2,
                      size.width(), size.height());
    if (pass == 1 || !data.showProblem) break;
    QRectF reach = L.domain;
    for (const PointLoad& l : data.problem.loads) {
      const QPointF tail = topoptLoadTip(L, l);
      reach |= QRectF(tail - QPointF(0.5 * em, 0.5 * em), QSizeF(em, em));
    }
    margins = QMarginsF(std::max(margins.left(), L.domain.left() - reach.left() + 0.3 * em),
                        std::max(margins.top(), L.domain.top() - reach.top() + 0.3 * em),
                        std::max(margins.right(), reach.right() - L.domain.right() + 0.3 * em),
                        std::max(margins.bottom(), reach.bottom() - L.domain.bottom() + 0.3 * em));
    // Left and right stay equal (the figure is centred); above and below, each side gets what it needs.
    const double h = std::max(margins.left(), margins.right());
    margins.setLeft(h);
    margins.setRight(h);
  }
  return L;
}

QPointF topoptLoadTip(const TopoptDesignLayout& layout, const PointLoad& l)
{
  // The arrow points at its node from outside: its tail is the handle. fy > 0 is up.
  const double k = layout.arrow;
  return layout.node(l.ix, l.iy) - QPointF(k * l.fx, -k * l.fy);
}

void paintTopoptLoadArrow(QPainter& p, QPointF node, QPointF tail, double em, bool selected)
{
  p.save();
  p.setRenderHint(QPainter::Antialiasing, true);
  const QPointF d = node - tail; // the force's direction on screen
  const double len = std::hypot(d.x(), d.y());
  const double w = std::max(2.0, em / 5);
  p.setPen(QPen(kLoadColor, w, Qt::SolidLine, Qt::RoundCap));
  if (len > 1.0) {
    const QPointF u = d / len, n(-u.y(), u.x());
    const double head = std::min(len, 0.8 * em);
    p.drawLine(tail, node - u * head * 0.6);
    p.setPen(Qt::NoPen);
    p.setBrush(kLoadColor);
    p.drawPolygon(QPolygonF{node, node - u * head + n * head * 0.45, node - u * head - n * head * 0.45});
  }
  p.setPen(QPen(kLoadColor.darker(140), 1.0));
  p.setBrush(selected ? QColor(255, 220, 0) : QColor(Qt::white));
  const double r = selected ? 0.4 * em : 0.28 * em; // the handle
  p.drawEllipse(tail, r, r);
  p.restore();
}

void paintTopoptProblem(QPainter& p, const TopoptDesignLayout& L, const TopoptProblem& problem, double em, int selectedLoad)
{
  p.save();
  p.setRenderHint(QPainter::SmoothPixmapTransform, false);
  if (!problem.passive.empty() && int(problem.passive.size()) == problem.elementCount())
    p.drawImage(L.domain, passiveImage(problem));
  p.setRenderHint(QPainter::Antialiasing, true);
  p.setPen(QPen(kSupportColor.darker(130), 1.0));
  p.setBrush(kSupportColor);
  const double size = std::clamp(1.2 * L.element, 0.45 * em, 0.8 * em);
  for (const NodeSupport& s : problem.supports) paintSupportMark(p, L.node(s.ix, s.iy), s.fixX, s.fixY, size);
  for (size_t i = 0; i < problem.loads.size(); ++i) {
    const PointLoad& l = problem.loads[i];
    paintTopoptLoadArrow(p, L.node(l.ix, l.iy), topoptLoadTip(L, l), em, int(i) == selectedLoad);
  }
  p.restore();
}

void paintTopoptDesign(QPainter& p, const QRectF& rect, const TopoptDesignData& d, double em)
{
  p.save();
  p.fillRect(rect, Qt::white);
  QFont font = p.font();
  font.setPixelSize(std::max(1, int(em)));
  p.setFont(font);
  const TopoptDesignLayout L = layoutTopoptDesign(rect, d, em);
  if (!d.title.isEmpty()) {
    QFont bold = font;
    bold.setBold(true);
    p.setFont(bold);
    p.setPen(Qt::black);
    drawFittedText(p, L.title.adjusted(0.5 * em, 0, -0.5 * em, 0), Qt::AlignCenter, d.title, 0.6);
    p.setFont(font);
  }
  if (d.message.isEmpty() && d.image.size() > 0) {
    p.setRenderHint(QPainter::SmoothPixmapTransform, false);
    p.drawImage(L.domain, densityImage(d.image));
  } else {
    p.fillRect(L.domain, QColor(248, 248, 248));
  }
  p.setPen(QPen(QColor(150, 150, 150), 1.0));
  p.setBrush(Qt::NoBrush);
  p.drawRect(L.domain);
  paintFilterOverlay(p, L, d, em);
  if (d.showProblem) paintTopoptProblem(p, L, d.problem, em, d.selectedLoad);
  if (!d.message.isEmpty()) {
    // The reason, on a white card over the domain, so it is readable over the marks.
    p.setPen(Qt::black);
    const QRectF card = L.domain.adjusted(L.domain.width() * 0.08, L.domain.height() * 0.2, -L.domain.width() * 0.08,
                                          -L.domain.height() * 0.2);
    const QRectF box = card.height() < 3 * em ? QRectF(card.left(), card.center().y() - 1.6 * em, card.width(), 3.2 * em) : card;
    p.fillRect(box, QColor(255, 255, 255, 235));
    paintFigureMessage(p, box, d.message, em);
  }
  if (!d.caption.isEmpty()) {
    p.setPen(QColor(40, 40, 40));
    drawFittedText(p, L.caption.adjusted(0.5 * em, 0, -0.5 * em, 0), Qt::AlignCenter, d.caption, 0.6);
  }
  p.restore();
}

namespace {

PlotSeries historySeries(const TopoptCurve& c, bool volume)
{
  PlotSeries s;
  s.name = c.name;
  s.color = c.color;
  const Eigen::Index n = Eigen::Index(c.history.size());
  s.x.resize(n);
  s.y.resize(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const TopoptIterate& it = c.history[size_t(i)];
    s.x(i) = it.iteration;
    s.y(i) = volume ? it.volume : it.compliance;
  }
  s.style = n > 40 ? SeriesStyle::Line : SeriesStyle::LineAndMarkers;
  s.lineWidth = 1.5;
  return s;
}

/// The iteration axis ends at 1, 2 or 5 × 10ⁿ ≥ `last`, so that a narrow plot still labels a tick
/// besides 0.
double roundUp(int last)
{
  const double decade = std::pow(10.0, std::floor(std::log10(double(last))));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * decade >= last) return m * decade;
  return 10.0 * decade;
}

} // namespace

void topoptCompliancePlot(const std::vector<TopoptCurve>& curves, std::vector<PlotSeries>* series, PlotOptions* options)
{
  series->clear();
  int last_ = 1;
  double lo = INFINITY, hi = 0.0;
  for (const TopoptCurve& c : curves)
    if (!c.history.empty()) {
      series->push_back(historySeries(c, false));
      last_ = std::max(last_, c.history.back().iteration);
      const Eigen::VectorXd& y = series->back().y;
      for (Eigen::Index i = 0; i < y.size(); ++i)
        if (std::isfinite(y(i)) && y(i) > 0) {
          lo = std::min(lo, y(i));
          hi = std::max(hi, y(i));
        }
    }
  *options = PlotOptions{};
  options->title = QCoreApplication::translate("TopoptFigure", "Compliance c = Fᵀu");
  options->xTitle = QCoreApplication::translate("TopoptFigure", "iteration");
  options->yTitle = QCoreApplication::translate("TopoptFigure", "c");
  // From iteration 0, so the x axis keeps round ticks however few iterations there are.
  if (hi > 0) {
    options->logY = hi / lo >= 20.0; // a log axis only when c spans more than a decade or so
    options->yTicks = topoptComplianceTicks(lo, hi);
    const double first = options->yTicks.front(), last = std::max(hi, options->yTicks.back());
    if (options->logY) {
      const double pad = 0.02 * (std::log10(last) - std::log10(first));
      options->range = AxisRange{0.0, roundUp(std::max(last_, 2)), std::log10(first) - pad, std::log10(last) + pad};
    } else {
      const double pad = 0.02 * (last - first);
      options->range = AxisRange{0.0, roundUp(std::max(last_, 2)), first - pad, last + pad};
    }
  }
}

std::vector<double> topoptComplianceTicks(double lo, double hi)
{
  std::vector<double> ticks;
  if (!(lo > 0) || !(hi >= lo) || !std::isfinite(hi)) return ticks;
  if (hi / lo < 20.0) {
    // Linear: the smallest c rounded down to 2 significant digits, then multiples of a round step
    // (1, 2 or 5 × 10ⁿ, about 4 labels) up to the largest c.
    const double unit = std::pow(10.0, std::floor(std::log10(lo)) - 1);
    const double first = std::floor(lo / unit + 1e-9) * unit;
    const std::vector<double> nice = niceTicks(first, std::max(hi, first * 1.001), 4);
    const double step = nice.size() >= 2 ? nice[1] - nice[0] : unit;
    ticks.push_back(first);
    for (double k = std::floor(first / step) + 1; k * step <= hi + 1e-9 * step; k += 1.0)
      if (k * step > first + 0.3 * step) ticks.push_back(k * step);
    if (ticks.size() < 2) ticks.push_back(std::max(hi, first + step));
    return ticks;
  }
  // Log: 1, 2, 5 × 10ⁿ from the one at or below the smallest c; only decades (and that first one) when many.
  const int e0 = int(std::floor(std::log10(lo))), e1 = int(std::ceil(std::log10(hi)));
  std::vector<double> all;
  for (int e = e0; e <= e1; ++e)
    for (double m : {1.0, 2.0, 5.0}) all.push_back(m * std::pow(10.0, e));
  size_t firstIndex = 0;
  while (firstIndex + 1 < all.size() && all[firstIndex + 1] <= lo * (1 + 1e-12)) ++firstIndex;
  size_t lastIndex = firstIndex;
  while (lastIndex + 1 < all.size() && all[lastIndex] < hi) ++lastIndex;
  const bool many = lastIndex - firstIndex + 1 > 7;
  for (size_t i = firstIndex; i <= lastIndex; ++i)
    if (!many || i == firstIndex || i % 3 == 0) ticks.push_back(all[i]);
  return ticks;
}

void topoptVolumePlot(const std::vector<TopoptCurve>& curves, double volfrac, std::vector<PlotSeries>* series,
                      PlotOptions* options)
{
  series->clear();
  int last = 1;
  double lo = volfrac, hi = volfrac;
  for (const TopoptCurve& c : curves)
    if (!c.history.empty()) {
      series->push_back(historySeries(c, true));
      last = std::max(last, c.history.back().iteration);
      lo = std::min(lo, series->back().y.minCoeff());
      hi = std::max(hi, series->back().y.maxCoeff());
    }
  *options = PlotOptions{};
  options->title = QCoreApplication::translate("TopoptFigure", "Volume Σy/N");
  options->xTitle = QCoreApplication::translate("TopoptFigure", "iteration");
  options->yTitle = QCoreApplication::translate("TopoptFigure", "volume");
  if (!series->empty()) {
    PlotSeries target;
    // The runs' colours are in the compliance plot's legend; here only the target is named. It is
    // drawn last and thicker, dashed, so the curve that sits on it (OC holds Σy/N at V) shows in its gaps.
    for (PlotSeries& s : *series) s.inLegend = false;
    target.name = QCoreApplication::translate("TopoptFigure", "target V = %1").arg(volfrac, 0, 'g', 3);
    target.x = Eigen::Vector2d(0.0, double(last));
    target.y = Eigen::Vector2d(volfrac, volfrac);
    target.color = QColor(20, 20, 20);
    target.dashed = true;
    target.lineWidth = 2.2;
    target.pickable = false;
    series->push_back(target);
    // A volume held at V by the OC update would otherwise be drawn on a 10⁻¹⁰-wide axis; room above
    // the curves for the one-line legend.
    const double pad = std::max(0.1, 0.2 * (hi - lo));
    options->range = AxisRange{0.0, roundUp(std::max(last, 2)), std::max(0.0, lo - pad), std::min(1.0, hi + 2.5 * pad)};
  }
}

void paintTopoptCompliance(QPainter& p, const QRectF& rect, const std::vector<TopoptCurve>& curves, double em)
{
  std::vector<PlotSeries> series;
  PlotOptions options;
  topoptCompliancePlot(curves, &series, &options);
  options.em = em;
  if (series.empty()) {
    const double e = beginFigure(p, rect, options.title, em);
    paintFigureMessage(p, rect.adjusted(e, 2.5 * e, -e, -e), QCoreApplication::translate("TopoptFigure", "no iterations yet"), e);
    p.restore();
    return;
  }
  paintPlot(p, rect, series, options);
}

void paintTopoptVolume(QPainter& p, const QRectF& rect, const std::vector<TopoptCurve>& curves, double volfrac, double em)
{
  std::vector<PlotSeries> series;
  PlotOptions options;
  topoptVolumePlot(curves, volfrac, &series, &options);
  options.em = em;
  if (series.empty()) {
    const double e = beginFigure(p, rect, options.title, em);
    paintFigureMessage(p, rect.adjusted(e, 2.5 * e, -e, -e), QCoreApplication::translate("TopoptFigure", "no iterations yet"), e);
    p.restore();
    return;
  }
  paintPlot(p, rect, series, options);
}

} // namespace ntk::gui
