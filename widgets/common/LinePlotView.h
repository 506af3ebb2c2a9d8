// LinePlotView — an x–y line chart (VTK Charts) with legend, optional log y, mouse zoom and pan.
// In: a shared x vector (n) and named y vectors (n each), axis titles and a chart title.
// Out: the chart; PNG, CSV (columns x, series…) and SVG exports. Mouse: left drag pans, wheel
// zooms, middle drag zooms to a box (vtkChartXY defaults). GUI thread only.
#pragma once

#include "widgets/common/VtkOpenGLWidget.h"

#include <Eigen/Dense>

#include <QString>

#include <utility>
#include <vector>

class vtkChartXY;
class vtkContextActor;
class vtkContextInteractorStyle;
class vtkRenderer;

namespace ntk::gui {

class LinePlotView : public VtkOpenGLWidget {
  Q_OBJECT

public:
  using Series = std::pair<QString, Eigen::VectorXd>;

  explicit LinePlotView(QWidget* parent = nullptr);
  ~LinePlotView() override;

  // Replaces the plotted data. [in] x (n), [in] ys: (legend name, values of length n); series of
  // another length are skipped with a warning. Copies the data and resets the zoom.
  void setSeries(const Eigen::VectorXd& x, const std::vector<Series>& ys, const QString& xTitle,
    const QString& yTitle, const QString& title);
  // Removes all series.
  void clear();

  // Logarithmic y axis. VTK falls back to linear while any plotted y is ≤ 0.
  void setLogY(bool logY);
  bool logY() const { return m_logY; }

  // Fits the axes to the data again after zooming or panning.
  void resetZoom();

  bool exportPng(const QString& path);
  // Header "x,<series names…>" then one row per sample, 17 significant digits.
  bool exportCsv(const QString& path) const;
  // Vector SVG of the chart (VTK's SVG context device); needs the view to have been rendered.
  bool exportSvg(const QString& path);

protected:
  void layoutChanged() override;

private:
  void rebuildPlots();
  void applyFontsAndWidths();
  /// The chart title wrapped to the view's width (VTK neither wraps nor clips it).
  void wrapTitle();
  /// Ticks at round numbers, spaced in logical pixels: VTK spaces them in device pixels, which
  /// doubles their number (and the clutter) on a 2× screen. Runs before every render.
  void updateTicks();

  Eigen::VectorXd m_x;
  std::vector<Series> m_series;
  QString m_xTitle;
  QString m_yTitle;
  QString m_title;
  bool m_logY = false;
  double m_styledForRatio = 0.0;

  vtkSmartPointer<vtkRenderer> m_renderer;
  vtkSmartPointer<vtkContextActor> m_contextActor;
  vtkSmartPointer<vtkChartXY> m_chart;
  vtkSmartPointer<vtkContextInteractorStyle> m_contextStyle;
};

} // namespace ntk::gui
