// SweepFigure.h — the charts of the encoding sweep (Tancik et al. 2020), without widgets: what the
// Image panel's sweep tab shows and exports, and what the headless demo draws.
// In: an EncodingSweepResult; which PSNR (held-out: peaks in σ; train: rises); whether it is stale.
// Out: the plot series — positional and Gaussian against σ (log axis), encodings none and basic and
// bicubic as dashed horizontal lines; on the held-out chart, when the sweep trained MLPs, their held-out
// PSNR too (dashed lines with ◆/▲ markers against σ, thick dashed levels for none and basic, named
// "MLP …") — with their options, and for each series the sweep row of each
// point (empty for bicubic), so a click can name its row; or both charts painted side by side.
#pragma once
#include <vector>

#include <QString>

#include "core/image/ImageEncodingSweep.h"
#include "widgets/common/FigurePainter.h"

class QPainter;
class QRectF;

namespace ntk::gui {

/// "none", "basic", "positional", "Gaussian".
QString sweepEncodingName(EncodingKind kind);
/// The colour of an encoding's series (and of its table swatch).
QColor sweepEncodingColor(EncodingKind kind);

struct SweepChart {
  std::vector<PlotSeries> series;
  std::vector<std::vector<int>> rows; ///< per series, the sweep row of each point (empty: bicubic)
  std::vector<bool> mlp;              ///< per series, whether it is a trained MLP's (held-out chart only)
  PlotOptions options;
};

SweepChart sweepChart(const EncodingSweepResult& result, bool train, bool stale);

/// Held-out (left, wider) and train PSNR charts with legends, into `rect`.
void paintSweepCharts(QPainter& p, const QRectF& rect, const EncodingSweepResult& result, bool stale);

} // namespace ntk::gui
