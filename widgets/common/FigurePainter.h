// FigurePainter — publication figures drawn with QPainter: no OpenGL, so they work headless
// (the demo, `--offscreen`), in vector form (SVG export of the views) and on screen (PlotWidget
// paints through paintPlot, so what is exported is exactly what is shown).
// In: the same data the views show (a matrix with its coordinate range; named series, each with its
// own x or a shared one; values on a lat-long grid of S²).
// Out: the figure painted into a rectangle of any QPaintDevice; paintPlot also returns the data →
// pixel map it used (for hit-testing clicks); saveFigure() writes PNG or SVG.
// Thread-safety: pure painting; call from any thread with a QImage device, GUI thread for widgets.
#pragma once
#include <functional>
#include <optional>
#include <vector>

#include <Eigen/Dense>
#include <QColor>
#include <QRectF>
#include <QSize>
#include <QString>
#include <QStringList>

class QFontMetricsF;
class QImage;
class QPainter;

namespace ntk::gui {

enum class SeriesStyle { Line, Markers, LineAndMarkers };
enum class MarkerShape { Circle, Square, Diamond, TriangleUp };

struct PlotSeries {
  QString name;
  Eigen::VectorXd y;
  QColor color; ///< invalid: taken from the default palette
  bool dashed = false;
  Eigen::VectorXd x;                  ///< this series' own x (same length as y); empty: the shared x
  SeriesStyle style = SeriesStyle::Line;
  MarkerShape marker = MarkerShape::Circle;
  /// y == 0 is an exact value (e.g. λ_k = 0 of bias-free ReLU), not missing data: on a log y axis
  /// such points are drawn as open ▽ markers in a strip below the axis, labelled PlotOptions::zeroLabel,
  /// and the line joins the positive points across them.
  bool exactZeros = false;
  bool inLegend = true;
  bool pickable = true; ///< PlotWidget's click/hover considers its points
  double lineWidth = 1.0; ///< relative to the default pen width
};

/// Visible range in axis units (log10 of the value on a log axis).
struct AxisRange {
  double xlo = 0, xhi = 1, ylo = 0, yhi = 1;
};

struct PlotOptions {
  QString xTitle, yTitle, title;
  bool logX = false, logY = false;
  QString zeroLabel = QStringLiteral("λ = 0 (exact)");
  QStringList notes;        ///< extra lines printed under the legend (e.g. "λ₀ = …")
  int highlightSeries = -1; ///< a ring around this point (the selection)
  int highlightPoint = -1;
  double em = 0;            ///< font size in pixels; 0: from the rectangle's height (figures)
  std::optional<AxisRange> range; ///< fixed view (zoom); empty: fitted to the data
  /// Labelled y ticks chosen by the caller (data units, e.g. one at the smallest value): used when at
  /// least two lie in the visible range (a zoom elsewhere falls back to the automatic ticks).
  std::vector<double> yTicks;
  std::vector<double> xTicks; ///< the same for x (e.g. the σ values of a sweep on a log axis)
};

/// Where a plot was painted: maps data to pixels (for hit-testing) and back.
struct PlotFrame {
  QRectF plot;             ///< the data area
  QRectF zeroStrip;        ///< strip of the exact-zero markers (empty when none)
  AxisRange range;         ///< in axis units
  AxisRange dataRange;     ///< the range fitted to the data (what "reset zoom" returns to)
  bool logX = false, logY = false;
  bool valid = false;
  /// Pixel of a data point; exact zeros on a log y axis land in the zero strip. NaN if not drawable.
  QPointF toPixel(double x, double y) const;
  /// Axis units (log10 on log axes) of a pixel.
  QPointF toAxis(const QPointF& pixel) const;
};

/// Matrix as an image (row 0 on top, viridis), axes in input coordinates [x0, x1], a colour bar.
void paintHeatmapFigure(QPainter& p, const QRectF& rect, const Eigen::MatrixXd& m, double x0, double x1,
                        const QString& title, const QString& axisLabel);

/// Line plot of series over a shared x, with ticks, legend and optional log y axis.
void paintLinePlotFigure(QPainter& p, const QRectF& rect, const Eigen::VectorXd& x,
                         const std::vector<PlotSeries>& series, const QString& xTitle, const QString& yTitle,
                         const QString& title, bool logY = false);

/// The general x–y plot: per-series x, log x and/or log y (decade ticks 10ⁿ), markers, exact zeros,
/// a legend placed in the emptiest corner. Titles and legend entries wrap (never elided); tick
/// labels that would overlap are left out (a regular stride of them is kept). `sharedX` is used by series whose x is empty.
PlotFrame paintPlot(QPainter& p, const QRectF& rect, const std::vector<PlotSeries>& series,
                    const PlotOptions& options, const Eigen::VectorXd& sharedX = {});

/// A function on S² as an orthographic view of the sphere (seen from azimuth 35°, elevation 25°)
/// with a diverging colour bar symmetric about 0. `values` is nTheta by nPhi on the grid of
/// ntk::sphereLatLongGrid (polar angle = cell centres, azimuth 2πj/nPhi).
void paintSphereFigure(QPainter& p, const QRectF& rect, const Eigen::MatrixXd& values, const QString& title);

/// Writes a figure of `size` pixels (PNG) or points (SVG), by the file's extension. False on failure.
bool saveFigure(const QString& path, QSize size, const std::function<void(QPainter&, const QRectF&)>& paint);

/// The default series colours (colour-blind safe, Okabe–Ito).
QColor seriesColor(int index);

/// Diverging blue–white–red (Moreland's cool–warm) for signed values; t ∈ [−1, 1], 0 is white-grey.
QColor divergingColor(double t);

/// Label of the power of ten 10^exponent on a log axis: "10⁻³", "10⁰", "10⁴" (superscript exponent).
/// Every log axis of the figures and views uses it.
QString decadeLabel(int exponent);

/// Label of a tick on a linear axis: 4 significant digits, exponent form below 1e-3 and from 1e4.
QString tickLabel(double value);

/// Labels of ascending ticks: tickLabel's, with more digits where neighbours would read the same
/// (a narrow zoomed range, a near-constant colour bar).
QStringList tickLabels(const std::vector<double>& values);

/// Whether [lo, hi] is a single value up to round-off (relative 1e-9): a colour bar then shows one
/// label, "constant" and the value, instead of ticks that differ in the 12th digit.
bool isNearlyConstant(double lo, double hi);

/// A vertical colour bar: `gradient` (1 × n, top = hi) stretched into `bar`, ticks and labels right of
/// it (colliding labels dropped; a nearly constant range gets the one "constant" label).
void paintColourBar(QPainter& p, const QRectF& bar, const QImage& gradient, double lo, double hi, double em);
/// Width of the widest label paintColourBar draws for [lo, hi] in font `fm`.
double colourBarLabelWidth(const QFontMetricsF& fm, double lo, double hi);

/// Common start of a figure: p.save(), white background, a font of `em` pixels (em ≤ 0: from the
/// rectangle's height), the bold title centred in the top 2 em (wrapped or set smaller when long,
/// never elided). Returns em. Pair with p.restore().
double beginFigure(QPainter& p, const QRectF& rect, const QString& title, double em = 0);

/// A grey frame around `area` with `message` centred and word-wrapped inside (a figure that has no
/// data to show says why). Leaves the painter's state as it was.
void paintFigureMessage(QPainter& p, const QRectF& area, const QString& message, double em);

} // namespace ntk::gui
