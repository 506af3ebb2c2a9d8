// ModeResidualPlot.cpp — the residual figure in parts: the log–log axes, the curves per mode, the
// legend (wrapping, in two columns when tall), and the bars of what is left at the current t.
#include "widgets/dynamics/ModeResidualPlot.h"

#include <QFontMetricsF>

#include <algorithm>
#include <cmath>

#include <QPainter>
#include <QPainterPath>

#include "widgets/common/Colormap.h"
#include "widgets/common/FigurePainter.h"
#include "widgets/common/NiceTicks.h"
#include "widgets/dynamics/DynamicsFigureParts.h"

namespace ntk::gui {

namespace {

QString shortNumber(double v)
{
  const double a = std::abs(v);
  if (a != 0.0 && (a >= 1e3 || a < 1e-2))
    return QString::number(v, 'e', 1).replace(QStringLiteral("e-0"), QStringLiteral("e-")).replace(QStringLiteral("e+0"), QStringLiteral("e"));
  return QString::number(v, 'g', 2);
}

int modeNumber(const ModeResidualData& d, int k) { return (size_t(k) < d.modeIndex.size() ? d.modeIndex[size_t(k)] : k) + 1; }

/// log10 |r| from 10^ly0 (bottom) to 10^ly1 (top of the data band) on the time axis' area.
struct ResidualAxes {
  LogTimeAxis time;
  LogValueAxis residual; ///< below the legend band
};

/// Eight decades below the largest initial residual: a diverging mode (GD with η > 2/λ_max) leaves at
/// the top, and gradient flow only decays from |r_k(0)|, so no curve enters the legend band above.
std::pair<double, double> residualDecades(const ModeResidualData& d)
{
  double top = -INFINITY;
  for (const auto& r : d.residuals)
    if (r.size() && std::isfinite(r(0)) && r(0) > 0) top = std::max(top, std::log10(r(0)));
  if (!std::isfinite(top)) top = 0.0;
  const double ly1 = std::ceil(top + 0.2);
  return {ly1 - 8.0, ly1};
}

/// "k = 3 (ν ≈ 1): λ = 0.012" per shown mode; the legend wraps these, it never elides them.
/// `compact` drops the frequency part: "k = 3: λ = 0.012" fits a legend a narrow window leaves.
std::vector<LegendEntry> residualLegend(const ModeResidualData& d, double lineW, bool compact = false)
{
  const int count = int(d.residuals.size());
  std::vector<LegendEntry> entries;
  for (int k = 0; k < count; ++k) {
    // No-break spaces inside "k = 3 (ν ≈ 1):" and "λ = 0.34": a narrow legend wraps between them only.
    const QChar nb(QChar::Nbsp);
    const QString sp = compact ? QString() : QString(nb); // compact: "k=3:" "λ=0.012"
    QString name = QStringLiteral("k%1=%1%2").arg(sp).arg(modeNumber(d, k));
    if (!compact && size_t(k) < d.cycles.size() && std::isfinite(d.cycles[size_t(k)]))
      name += QStringLiteral("%1(ν%1≈%1%2)").arg(nb).arg(d.cycles[size_t(k)], 0, 'g', 3);
    name += QStringLiteral(": λ%1=%1%2").arg(sp).arg(shortNumber(d.eigenvalues[size_t(k)]));
    const QColor c = modeColor(k, count);
    entries.push_back({name, [c, lineW](QPainter& p, const QRectF& r) {
                         p.setPen(QPen(c, lineW));
                         p.drawLine(QPointF(r.left(), r.center().y()), QPointF(r.right(), r.center().y()));
                       }});
  }
  return entries;
}

/// The widest part of an entry that cannot wrap (the legend breaks only at plain spaces).
double widestUnbreakable(const QFont& f, const std::vector<LegendEntry>& legend)
{
  const QFontMetricsF fm(f);
  double widest = 0.0;
  for (const LegendEntry& e : legend)
    for (const QString& word : e.text.split(QLatin1Char(' '), Qt::SkipEmptyParts)) widest = std::max(widest, fm.horizontalAdvance(word));
  return widest;
}

/// Two columns when that makes the legend clearly shorter (short entries, as in 2-D) and no entry part
/// is wider than a column, else one.
int residualLegendColumns(const QFont& f, double em, const std::vector<LegendEntry>& legend, const QRectF& curves)
{
  const double width = curves.width() - 0.6 * em;
  const double one = legendSize(f, em, legend, width - 3.4 * em, 1).height();
  const double two = legendSize(f, em, legend, width / 2 - 3.4 * em, 2).height();
  return two < 0.75 * one && widestUnbreakable(f, legend) <= width / 2 - 3.4 * em ? 2 : 1;
}

double legendTextWidth(const QRectF& curves, double em, int columns)
{
  return std::max(3.0 * em, (curves.width() - 0.6 * em) / columns - 3.4 * em);
}

void paintResidualCurves(QPainter& p, const ResidualAxes& ax, const ModeResidualData& d, double lineW)
{
  const int count = int(d.residuals.size());
  p.save();
  p.setClipRect(ax.time.area);
  for (int k = count - 1; k >= 0; --k) { // leading mode drawn last, on top
    const Eigen::VectorXd& r = d.residuals[size_t(k)];
    QPainterPath path;
    bool pen = false;
    for (Eigen::Index i = 0; i < std::min(r.size(), d.times.size()); ++i) {
      if (std::isnan(r(i)) || r(i) <= 0) {
        pen = false;
        continue;
      }
      const QPointF pt(ax.time.px(std::log10(d.times(i))), ax.residual.py(std::clamp(std::log10(r(i)), ax.residual.ly0 - 1.0, ax.residual.ly1 + 1.0)));
      if (pen)
        path.lineTo(pt);
      else
        path.moveTo(pt);
      pen = true;
    }
    p.setPen(QPen(modeColor(k, count), lineW, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
    p.drawPath(path);
  }
  p.restore();
}

/// Right part: the fraction |r_k(t)|/|r_k(0)| of each mode left at the current t.
void paintRemainingBars(QPainter& p, const QRectF& bars, double split, const ModeResidualData& d, double em)
{
  const int count = int(d.residuals.size());
  auto by = [&](double v) { return bars.bottom() - v / 1.05 * bars.height(); };
  p.save();
  const auto yt = niceTicks(0.0, 1.0, 5);
  p.setPen(QPen(QColor(225, 225, 225), 1.0));
  for (double t : yt) p.drawLine(QPointF(bars.left(), by(t)), QPointF(bars.right(), by(t)));
  p.setPen(Qt::black);
  for (double t : yt)
    p.drawText(QRectF(bars.left() - 3.6 * em, by(t) - 0.6 * em, 3.2 * em, 1.2 * em), Qt::AlignRight | Qt::AlignVCenter,
               QString::number(t, 'g', 3));
  const double slot = bars.width() / count;
  // Label every bar when the numbers fit under them, else every second or third one.
  double labelW = 0;
  for (int k = 0; k < count; ++k) labelW = std::max(labelW, QFontMetricsF(p.font()).horizontalAdvance(QString::number(modeNumber(d, k))));
  const int labelStride = std::max(1, int(std::ceil((labelW + 0.4 * em) / slot)));
  for (int k = 0; k < count; ++k) {
    const double cx = bars.left() + (k + 0.5) * slot;
    const double v = size_t(k) < d.remaining.size() ? d.remaining[size_t(k)] : NAN;
    if (!std::isnan(v)) {
      const double h = std::clamp(v, 0.0, 1.05);
      p.fillRect(QRectF(cx - 0.36 * slot, by(h), 0.72 * slot, bars.bottom() - by(h)), modeColor(k, count));
      if (v > 1.05) { // grown, not decayed (GD beyond its stable step): mark the cut bar
        p.setPen(Qt::white);
        p.drawText(QRectF(cx - slot / 2, bars.top(), slot, 1.2 * em), Qt::AlignCenter, QStringLiteral("↑"));
        p.setPen(Qt::black);
      }
    } else {
      p.drawText(QRectF(cx - slot / 2, bars.bottom() - 1.4 * em, slot, 1.2 * em), Qt::AlignCenter, QStringLiteral("–"));
    }
    if (k % labelStride == 0)
      p.drawText(QRectF(cx - 2 * em, bars.bottom() + 0.4 * em, 4 * em, 1.2 * em), Qt::AlignHCenter | Qt::AlignTop,
                 QString::number(modeNumber(d, k)));
  }
  p.setPen(QPen(Qt::black, 1.0));
  p.drawRect(bars);
  p.drawText(QRectF(bars.left() - 2 * em, bars.bottom() + 1.6 * em, bars.width() + 4 * em, 1.3 * em), Qt::AlignCenter,
             QStringLiteral("mode k"));
  paintRotatedText(p, split + 0.9 * em, bars.center().y(), bars.height(), em, QStringLiteral("|r_k(t)| / |r_k(0)| left"));
  p.restore();
}

} // namespace

QColor modeColor(int k, int count)
{
  // Viridis without its last, too-light yellow: dark purple (mode 1) → green (mode `count`).
  const double t = count > 1 ? 0.85 * k / (count - 1) : 0.0;
  const Rgb8& c = viridisTable()[size_t(std::lround(t * 255.0))];
  return QColor(c[0], c[1], c[2]);
}

void paintModeResidualFigure(QPainter& p, const QRectF& rect, const ModeResidualData& d, double em)
{
  const double titleH = beginDynamicsFigure(p, rect, d.title, em);
  // Curves on the left 62%, bars on the right — or, in a narrow figure (a 1024-pixel window), the curves
  // alone: the bars would leave the curves and their legend too little room to be read.
  const bool withBars = rect.width() >= 26.0 * em;
  const double split = withBars ? rect.left() + 0.62 * rect.width() : rect.right() + 0.4 * em;
  const QRectF curves(rect.left() + 4.4 * em, rect.top() + titleH, std::max(10.0, split - rect.left() - 5.0 * em),
                      std::max(10.0, rect.height() - titleH - 3.2 * em));
  const QRectF bars(split + 4.0 * em, curves.top(), std::max(10.0, rect.right() - split - 4.6 * em), curves.height());
  const int count = int(d.residuals.size());
  if (!d.message.isEmpty() || count == 0 || d.times.size() < 2) {
    paintFigureMessage(p, curves, d.message.isEmpty() ? QStringLiteral("no modes yet") : d.message, em);
    p.restore();
    return;
  }
  const double lineW = std::max(1.5, em / 6.0);
  std::vector<LegendEntry> legend = residualLegend(d, lineW);
  // A narrow plot: the short form, and if need be a smaller font, so no number is cut ("λ = 7.7e" was).
  const QFont figureFont = p.font();
  // The full form when each entry fits on one line; else the short form (one line each, less band).
  const QFontMetricsF fm(p.font());
  double widestEntry = 0.0;
  for (const LegendEntry& e : legend) widestEntry = std::max(widestEntry, fm.horizontalAdvance(e.text));
  if (widestEntry > legendTextWidth(curves, em, 1)) {
    legend = residualLegend(d, lineW, true);
    const double ratio = legendTextWidth(curves, em, 1) / widestUnbreakable(p.font(), legend);
    if (ratio < 1.0) {
      QFont small = p.font();
      const double scale = std::max(0.6, ratio * 0.97);
      if (small.pointSizeF() > 0)
        small.setPointSizeF(small.pointSizeF() * scale);
      else
        small.setPixelSize(std::max(7, int(small.pixelSize() * scale)));
      p.setFont(small);
    }
  }
  const QFont legendFont = p.font();
  const int columns = residualLegendColumns(p.font(), em, legend, curves);
  const double textW = legendTextWidth(curves, em, columns);
  const double band = legendSize(p.font(), em, legend, textW, columns).height() + 0.6 * em;
  p.setFont(figureFont);
  const auto [ly0, ly1] = residualDecades(d);
  const ResidualAxes ax{LogTimeAxis{curves, std::log10(d.times(0)), std::log10(d.times(d.times.size() - 1))},
                        LogValueAxis{curves.adjusted(0, std::min(band, 0.7 * curves.height()), 0, 0), ly0, ly1}};
  paintLogValueAxis(p, ax.residual, ax.time.area, rect, em,
                    ax.residual.area.height() > 16.0 * em ? QStringLiteral("|r_k(t)|, residual of mode k") : QStringLiteral("|r_k(t)|"));
  paintLogTimeAxis(p, ax.time, em, QStringLiteral("training time t"));
  paintResidualCurves(p, ax, d, lineW);
  paintCurrentTimeMarker(p, ax.time, d.currentTime, em);
  p.setPen(QPen(Qt::black, 1.0));
  p.setBrush(Qt::NoBrush);
  p.drawRect(curves);
  p.setFont(legendFont);
  paintLegend(p, QPointF(curves.right() - 0.3 * em, curves.top() + 0.3 * em), em, legend, textW, columns);
  p.setFont(figureFont);
  if (withBars) paintRemainingBars(p, bars, split, d, em);
  p.restore();
}

ModeResidualPlot::ModeResidualPlot(QWidget* parent) : DynamicsFigureWidget(parent) {}

void ModeResidualPlot::setData(ModeResidualData data)
{
  m_data = std::move(data);
  update();
}

void ModeResidualPlot::paintFigure(QPainter& p, const QRectF& rect, double em) const
{
  paintModeResidualFigure(p, rect, m_data, em);
}

} // namespace ntk::gui
