// FigurePainter — publication figures drawn with QPainter: no OpenGL, so they work headless
// (the demo, `--offscreen`) and in vector form (SVG export of the views).
// In: the same data the VTK views show (a matrix with its coordinate range; x and named series).
// Out: the figure painted into a rectangle of any QPaintDevice; saveFigure() writes PNG or SVG.
// Thread-safety: pure painting; call from any thread with a QImage device, GUI thread for widgets.
#pragma once
#include <functional>
#include <vector>

#include <Eigen/Dense>
#include <QColor>
#include <QRectF>
#include <QSize>
#include <QString>

class QPainter;

namespace ntk::gui {

struct PlotSeries {
  QString name;
  Eigen::VectorXd y;
  QColor color; ///< invalid: taken from the default palette
  bool dashed = false;
};

/// Matrix as an image (row 0 on top, viridis), axes in input coordinates [x0, x1], a colour bar.
void paintHeatmapFigure(QPainter& p, const QRectF& rect, const Eigen::MatrixXd& m, double x0, double x1,
                        const QString& title, const QString& axisLabel);

/// Line plot of series over x, with ticks, legend and optional log y axis.
void paintLinePlotFigure(QPainter& p, const QRectF& rect, const Eigen::VectorXd& x,
                         const std::vector<PlotSeries>& series, const QString& xTitle, const QString& yTitle,
                         const QString& title, bool logY = false);

/// Writes a figure of `size` pixels (PNG) or points (SVG), by the file's extension. False on failure.
bool saveFigure(const QString& path, QSize size, const std::function<void(QPainter&, const QRectF&)>& paint);

/// The default series colours (colour-blind safe, Okabe–Ito).
QColor seriesColor(int index);

} // namespace ntk::gui
