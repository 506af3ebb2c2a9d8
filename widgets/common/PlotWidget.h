// PlotWidget — an interactive x–y plot drawn with QPainter (crisp at any DPI), sharing its painting
// with the exported figures (FigurePainter::paintPlot), so the screen and a PNG/SVG export match.
// In: PlotSeries (each with its own x, line and/or markers, exact zeros) and PlotOptions (titles,
// log axes, notes, the highlighted point).
// Out: the picture; `pointClicked(series, index)` for the nearest pickable point to a click (within
// 1.5 font heights), `pointDoubleClicked(series, index)` for a double click on one; a tooltip with the
// point's values on hover. Mouse: wheel zooms about the cursor, left drag pans, double click away
// from the points resets the view. GUI thread only.
#pragma once
#include <optional>
#include <vector>

#include <QWidget>

#include "widgets/common/FigurePainter.h"

namespace ntk::gui {

class PlotWidget : public QWidget {
  Q_OBJECT

public:
  explicit PlotWidget(QWidget* parent = nullptr);

  /// Replaces what is plotted (copied). The zoom is kept when `keepZoom` and the axes' kinds match.
  /// `options.range`, when set, is the view shown while not zoomed (otherwise the data's range).
  void setPlot(std::vector<PlotSeries> series, PlotOptions options, bool keepZoom = false);
  void clear();
  const std::vector<PlotSeries>& series() const { return m_series; }
  const PlotOptions& options() const { return m_options; }
  /// A ring around point `index` of series `series` (−1: none); no signal.
  void setHighlight(int series, int index);
  void resetZoom();
  bool isZoomed() const { return m_zoom.has_value(); }

  /// The same figure, sized for a file (fonts from the rectangle, no zoom unless `keepZoom`).
  void paintFigure(QPainter& p, const QRectF& rect, bool keepZoom = true) const;
  /// The nearest pickable point to a widget position within `maxDistance` pixels: (series, index) or (−1, −1).
  std::pair<int, int> pointNear(const QPointF& pos, double maxDistance) const;
  /// Widget position of a point (NaN if not drawn); tests click there.
  QPointF pointPosition(int series, int index) const;

  QSize sizeHint() const override { return {560, 420}; }
  QSize minimumSizeHint() const override { return {240, 180}; }

signals:
  void pointClicked(int series, int index);
  /// A double click on a pickable point (the view is then not reset).
  void pointDoubleClicked(int series, int index);

protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;

private:
  double fontEm() const;
  /// Lays the plot out again (into a scratch image) when the data or size changed since the last paint.
  void ensureFrame() const;
  PlotOptions screenOptions() const;

  std::vector<PlotSeries> m_series;
  PlotOptions m_options;
  std::optional<AxisRange> m_zoom;
  mutable PlotFrame m_frame; ///< of the last paint (hit-testing)
  mutable QSize m_frameSize;
  mutable bool m_frameStale = true;
  QPointF m_pressPos;
  std::optional<AxisRange> m_panStart;
  bool m_dragging = false;
};

} // namespace ntk::gui
