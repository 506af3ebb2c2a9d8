// TopoptFigure — the Topology panel's pictures drawn with QPainter, shared by the views, File ▸ Export
// and the headless demo (so what is exported is what is shown).
// In: a TopoptDesignData (the density image, the problem whose loads/supports/passive regions are drawn
// over it, an optional NTK-filter overlay, a title and a caption), or iteration histories.
// Out: the design (white = void, black = solid; loads as red arrows pointing at their node, supports as blue
// triangles — pointing right: x fixed, up: y fixed —, passive solid/void regions tinted red/blue, the
// filter as a translucent orange heat with two circles: its effective radius (solid) and rmin
// (dashed)); the compliance and volume curves as paintPlot figures.
// Geometry: the domain is a grid of square elements placed by layoutTopoptDesign; node (ix, iy) is at
// domain.topLeft + (ix, iy)·elementSize (iy from the top, as in TopoptProblem).
// Thread-safety: pure painting; any thread with a QImage device, the GUI thread for widgets.
#pragma once
#include <vector>

#include <Eigen/Dense>
#include <QColor>
#include <QPointF>
#include <QRectF>
#include <QString>

#include "core/topopt/SimpSolver.h"
#include "core/topopt/TopoptProblem.h"
#include "widgets/common/FigurePainter.h"

class QPainter;

namespace ntk::gui {

/// The NTK filter around one element, drawn over a design.
struct TopoptFilterOverlay {
  Eigen::VectorXd weights; ///< elementCount, element order, in [0, 1] (empty: no overlay)
  int ex = -1, ey = -1;
  double radius = 0.0;     ///< effective radius (elements)
  double rmin = 0.0;       ///< SIMP's filter radius, for comparison (0: not drawn)
  QString label;           ///< e.g. "NTK filter (fourier, ℓ = 2)"
};

struct TopoptDesignData {
  QString title;
  QString caption;
  QString message;          ///< non-empty: drawn instead of the density (the problem is still drawn)
  Eigen::MatrixXd image;    ///< density, rows × cols = nely·r × nelx·r for a refinement r ≥ 1, values in [0, 1]
  TopoptProblem problem;    ///< its nelx × nely is the domain
  bool showProblem = true;
  int selectedLoad = -1;    ///< drawn with a highlighted handle
  TopoptFilterOverlay filter;
};

struct TopoptDesignLayout {
  QRectF title, domain, caption;
  double element = 0.0; ///< pixels per element
  double arrow = 0.0;   ///< pixels of arrow per unit of force
  QPointF node(int ix, int iy) const { return domain.topLeft() + QPointF(ix * element, iy * element); }
  QPointF elementCentre(int ex, int ey) const { return node(ex, ey) + QPointF(element / 2, element / 2); }
};

/// Where the title, the domain (square elements, centred where the arrows leave room) and the caption
/// (wrapped, up to 3 lines) go in `rect`; arrows are 2.5 em per unit force, shorter in a small figure.
TopoptDesignLayout layoutTopoptDesign(const QRectF& rect, const TopoptDesignData& data, double em);
/// The tail of the arrow of load `l` (the handle the view drags): the arrow points at its node from
/// node − F·layout.arrow (screen y down, so fy > 0 puts the tail below the node).
QPointF topoptLoadTip(const TopoptDesignLayout& layout, const PointLoad& l);

/// The whole design figure (background, title, density or message, problem, overlay, caption).
void paintTopoptDesign(QPainter& p, const QRectF& rect, const TopoptDesignData& data, double em);
/// Only the problem's marks over a laid-out domain (the views add their drag previews with it).
void paintTopoptProblem(QPainter& p, const TopoptDesignLayout& layout, const TopoptProblem& problem, double em,
                        int selectedLoad = -1);
void paintTopoptLoadArrow(QPainter& p, QPointF node, QPointF tail, double em, bool selected);

/// One run's curve for the compliance and volume plots.
struct TopoptCurve {
  QString name;
  std::vector<TopoptIterate> history;
  QColor color;
};
/// The labelled c ticks for compliances in [lo, hi]: linear (hi/lo < 20) round steps, or log 1-2-5 × 10ⁿ;
/// the first at or just below lo, so the smallest (converged) values carry a label; at least two.
std::vector<double> topoptComplianceTicks(double lo, double hi);
/// Compliance c against the iteration (linear axis, log when c spans more than a factor 20).
void paintTopoptCompliance(QPainter& p, const QRectF& rect, const std::vector<TopoptCurve>& curves, double em = 0);
/// Mean physical density against the iteration, with the target volume fraction dashed.
void paintTopoptVolume(QPainter& p, const QRectF& rect, const std::vector<TopoptCurve>& curves, double volfrac, double em = 0);
/// The series and options of those two plots (the PlotWidgets show the same).
void topoptCompliancePlot(const std::vector<TopoptCurve>& curves, std::vector<PlotSeries>* series, PlotOptions* options);
void topoptVolumePlot(const std::vector<TopoptCurve>& curves, double volfrac, std::vector<PlotSeries>* series,
                      PlotOptions* options);

/// The colours of the classic and the neural run (designs' titles, curves).
QColor topoptClassicColor();
QColor topoptNeuralColor();

} // namespace ntk::gui
