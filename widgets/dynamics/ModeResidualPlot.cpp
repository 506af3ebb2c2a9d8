#include "widgets/dynamics/ModeResidualPlot.h"

#include <algorithm>
#include <cmath>

#include <QFontInfo>
#include <QPainter>
#include <QPainterPath>

#include "widgets/common/Colormap.h"
#include "widgets/common/FigurePainter.h"
#include "widgets/common/NiceTicks.h"

namespace ntk::gui {

namespace {

void rotatedText(QPainter& p, double cx, double cy, double length, double em, const QString& text)
{
  p.save();
  p.translate(cx, cy);
  p.rotate(-90);
  p.drawText(QRectF(-length / 2, -0.7 * em, length, 1.4 * em), Qt::AlignCenter, text);
  p.restore();
}

QString shortNumber(double v)
{
  const double a = std::abs(v);
  if (a != 0.0 && (a >= 1e3 || a < 1e-2)) return QString::number(v, 'e', 1).replace(QStringLiteral("e-0"), QStringLiteral("e-")).replace(QStringLiteral("e+0"), QStringLiteral("e"));
  return QString::number(v, 'g', 2);
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
  beginFigure(p, rect, d.title, em);
  const QFont f = p.font();
  const double split = rect.left() + 0.6 * rect.width();
  const QRectF curves(rect.left() + 4.6 * em, rect.top() + 2.4 * em, std::max(10.0, split - rect.left() - 5.4 * em),
                      std::max(10.0, rect.height() - 5.8 * em));
  const QRectF bars(split + 4.0 * em, curves.top(), std::max(10.0, rect.right() - split - 4.8 * em), curves.height());
  const int count = int(d.residuals.size());
  if (!d.message.isEmpty() || count == 0 || d.times.size() < 2) {
    paintFigureMessage(p, curves, d.message.isEmpty() ? QStringLiteral("no modes yet") : d.message, em);
    p.restore();
    return;
  }

  // ---- Left: |r_k(t)| against t, log–log, with an "∞" column at the right end.
  const double lx0 = std::log10(d.times(0)), lx1 = std::log10(d.times(d.times.size() - 1));
  const double lxInf = lx1 + 0.06 * (lx1 - lx0);
  // The range follows the initial residuals: a diverging mode (GD with η > 2/λ_max) leaves at the top.
  double top = -INFINITY;
  for (const auto& r : d.residuals)
    if (r.size() && std::isfinite(r(0)) && r(0) > 0) top = std::max(top, std::log10(r(0)));
  if (!std::isfinite(top)) top = 0.0;
  const double ly1 = std::ceil(top + 0.2), ly0 = ly1 - 8.0; // eight decades below the largest residual
  // Legend entries, and a band at the top of the plot for them: residuals of gradient flow only decay
  // from |r_k(0)| ≤ 10^ly1, so no curve enters the band and the legend covers none.
  std::vector<QString> names;
  for (int k = 0; k < count; ++k) {
    const int index = size_t(k) < d.modeIndex.size() ? d.modeIndex[size_t(k)] : k;
    // The frequency first: when the plot is narrow the eigenvalue is what gets elided.
    QString name = QStringLiteral("k = %1").arg(index + 1);
    if (size_t(k) < d.cycles.size() && std::isfinite(d.cycles[size_t(k)]))
      name += QStringLiteral(" (ν ≈ %1)").arg(d.cycles[size_t(k)], 0, 'g', 3);
    name += QStringLiteral(": λ = %1").arg(shortNumber(d.eigenvalues[size_t(k)]));
    names.push_back(name);
  }
  const QFontMetricsF fm(f);
  double textW = 0;
  for (const QString& n : names) textW = std::max(textW, fm.horizontalAdvance(n));
  const double rowH = 1.25 * em, margin = 0.3 * em;
  const double legendW = std::min(textW + 3.4 * em, curves.width() - 2 * margin), legendH = (count + 0.3) * rowH;
  textW = std::max(0.0, legendW - 3.2 * em);
  const double band = std::min(legendH + 2 * margin, 0.45 * curves.height());
  const QRectF data = curves.adjusted(0, band, 0, 0); // where 10^ly0 … 10^ly1 is drawn
  auto px = [&](double lx) { return curves.left() + (lx - lx0) / (lxInf - lx0) * curves.width(); };
  auto py = [&](double ly) { return data.bottom() - (ly - ly0) / (ly1 - ly0) * data.height(); };
  const int xStep = curves.width() / ((lx1 - lx0) / 1.0) > 3.2 * em ? 1 : (curves.width() / ((lx1 - lx0) / 2.0) > 3.2 * em ? 2 : 3);
  const int yStep = data.height() / (ly1 - ly0) > 1.6 * em ? 1 : 2;
  p.setPen(QPen(QColor(225, 225, 225), 1.0));
  for (int e = int(std::ceil(lx0)); e <= int(std::floor(lx1)); ++e) p.drawLine(QPointF(px(e), curves.top()), QPointF(px(e), curves.bottom()));
  for (int e = int(ly0); e <= int(ly1); e += yStep) p.drawLine(QPointF(curves.left(), py(e)), QPointF(curves.right(), py(e)));
  p.setPen(QPen(QColor(200, 200, 200), 1.0, Qt::DotLine));
  p.drawLine(QPointF(px(lx1), curves.top()), QPointF(px(lx1), curves.bottom()));
  p.setPen(QPen(Qt::black, 1.0));
  for (int e = int(std::ceil(lx0)); e <= int(std::floor(lx1)); ++e) {
    if ((e - int(std::ceil(lx0))) % xStep) continue;
    p.drawLine(QPointF(px(e), curves.bottom()), QPointF(px(e), curves.bottom() + 0.35 * em));
    p.drawText(QRectF(px(e) - 2.5 * em, curves.bottom() + 0.4 * em, 5 * em, 1.2 * em), Qt::AlignHCenter | Qt::AlignTop, decadeLabel(e));
  }
  p.drawText(QRectF(px(lxInf) - 1.5 * em, curves.bottom() + 0.4 * em, 1.5 * em, 1.2 * em), Qt::AlignRight | Qt::AlignTop,
             QStringLiteral("∞"));
  for (int e = int(ly0); e <= int(ly1); e += yStep)
    p.drawText(QRectF(rect.left(), py(e) - 0.6 * em, 4.1 * em, 1.2 * em), Qt::AlignRight | Qt::AlignVCenter, decadeLabel(e));
  p.drawText(QRectF(curves.left(), curves.bottom() + 1.7 * em, curves.width(), 1.3 * em), Qt::AlignCenter,
             QStringLiteral("training time t"));
  rotatedText(p, rect.left() + 0.8 * em, curves.center().y(), curves.height(), em, QStringLiteral("|r_k(t)|, residual in eigen-direction k"));

  const double lineW = std::max(1.5, em / 6.0);
  p.save();
  p.setClipRect(curves);
  for (int k = count - 1; k >= 0; --k) { // leading mode drawn last, on top
    const Eigen::VectorXd& r = d.residuals[size_t(k)];
    QPainterPath path;
    bool pen = false;
    for (Eigen::Index i = 0; i < std::min(r.size(), d.times.size()); ++i) {
      if (std::isnan(r(i)) || r(i) <= 0) {
        pen = false;
        continue;
      }
      const QPointF pt(px(std::log10(d.times(i))), py(std::clamp(std::log10(r(i)), ly0 - 1.0, ly1 + 1.0)));
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
  // Current time.
  const double lt = std::isinf(d.currentTime) ? lxInf : std::clamp(std::log10(std::max(d.currentTime, 1e-300)), lx0, lx1);
  p.setPen(QPen(QColor(40, 40, 40), std::max(1.0, em / 8.0), Qt::DashLine));
  p.drawLine(QPointF(px(lt), curves.top()), QPointF(px(lt), curves.bottom()));
  p.setPen(QPen(Qt::black, 1.0));
  p.drawRect(curves);
  // Legend: in the band at the top right (the current-time line may cross it; the curves do not).
  {
    const QRectF box(curves.right() - margin - legendW, curves.top() + margin, legendW, legendH);
    p.setPen(QPen(QColor(180, 180, 180), 1.0));
    p.setBrush(QColor(255, 255, 255, 225));
    p.drawRect(box);
    p.setBrush(Qt::NoBrush);
    double y = box.top() + 0.15 * rowH;
    for (int k = 0; k < count; ++k) {
      p.setPen(QPen(modeColor(k, count), lineW));
      p.drawLine(QPointF(box.left() + 0.4 * em, y + rowH / 2), QPointF(box.left() + 2.2 * em, y + rowH / 2));
      p.setPen(Qt::black);
      p.drawText(QRectF(box.left() + 2.7 * em, y, textW + 0.4 * em, rowH), Qt::AlignLeft | Qt::AlignVCenter,
                 fm.elidedText(names[size_t(k)], Qt::ElideRight, textW + 0.4 * em));
      y += rowH;
    }
  }

  // ---- Right: fraction of each mode's residual left at the current t.
  p.setPen(QPen(QColor(225, 225, 225), 1.0));
  const auto yt = niceTicks(0.0, 1.0, 5);
  auto by = [&](double v) { return bars.bottom() - v / 1.05 * bars.height(); };
  for (double t : yt) p.drawLine(QPointF(bars.left(), by(t)), QPointF(bars.right(), by(t)));
  p.setPen(Qt::black);
  for (double t : yt)
    p.drawText(QRectF(bars.left() - 3.6 * em, by(t) - 0.6 * em, 3.2 * em, 1.2 * em), Qt::AlignRight | Qt::AlignVCenter,
               QString::number(t, 'g', 3));
  const double slot = bars.width() / count;
  // Label every bar when the numbers fit under them, else every second or third one.
  double labelW = 0;
  for (int k = 0; k < count; ++k)
    labelW = std::max(labelW, QFontMetricsF(f).horizontalAdvance(QString::number(size_t(k) < d.modeIndex.size() ? d.modeIndex[size_t(k)] + 1 : k + 1)));
  const int labelStride = std::max(1, int(std::ceil((labelW + 0.4 * em) / slot)));
  for (int k = 0; k < count; ++k) {
    const double cx = bars.left() + (k + 0.5) * slot;
    const double v = size_t(k) < d.remaining.size() ? d.remaining[size_t(k)] : NAN;
    if (!std::isnan(v)) {
      const double h = std::clamp(v, 0.0, 1.05);
      p.fillRect(QRectF(cx - 0.36 * slot, by(h), 0.72 * slot, bars.bottom() - by(h)), modeColor(k, count));
      if (v > 1.05) // grown, not decayed (GD beyond its stable step): mark the cut bar
      {
        p.setPen(Qt::white);
        p.drawText(QRectF(cx - slot / 2, bars.top(), slot, 1.2 * em), Qt::AlignCenter, QStringLiteral("↑"));
        p.setPen(Qt::black);
      }
    } else {
      p.drawText(QRectF(cx - slot / 2, bars.bottom() - 1.4 * em, slot, 1.2 * em), Qt::AlignCenter, QStringLiteral("–"));
    }
    const int index = size_t(k) < d.modeIndex.size() ? d.modeIndex[size_t(k)] : k;
    if (k % labelStride == 0)
      p.drawText(QRectF(cx - 2 * em, bars.bottom() + 0.4 * em, 4 * em, 1.2 * em), Qt::AlignHCenter | Qt::AlignTop, QString::number(index + 1));
  }
  p.setPen(QPen(Qt::black, 1.0));
  p.drawRect(bars);
  p.drawText(QRectF(bars.left() - 2 * em, bars.bottom() + 1.7 * em, bars.width() + 4 * em, 1.3 * em), Qt::AlignCenter,
             QStringLiteral("mode k"));
  rotatedText(p, split + 0.9 * em, bars.center().y(), bars.height(), em, QStringLiteral("|r_k(t)| / |r_k(0)| left"));
  p.restore();
}

ModeResidualPlot::ModeResidualPlot(QWidget* parent) : QWidget(parent) { setAttribute(Qt::WA_OpaquePaintEvent); }

void ModeResidualPlot::setData(ModeResidualData data)
{
  m_data = std::move(data);
  update();
}

void ModeResidualPlot::paintEvent(QPaintEvent*)
{
  QPainter p(this);
  paintModeResidualFigure(p, QRectF(rect()), m_data, std::max(9, QFontInfo(font()).pixelSize()));
}

} // namespace ntk::gui
