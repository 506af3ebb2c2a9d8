// HeatmapView — a dense matrix drawn as a viridis colour image with a colour bar, a title and
// axes in input coordinates.
// In: a matrix (rows by cols, e.g. a kernel K(X, X) up to ~1024 × 1024) and the input range
// [x0, x1] its rows and columns sample (grid point j ↦ x0 + j·(x1 − x0)/(n − 1)).
// Out: the picture (row 0 at the top, like a printed matrix), cellHovered/cellClicked/rowSelected
// signals from the mouse, PNG and CSV exports. GUI thread only.
#pragma once

#include "widgets/common/VtkOpenGLWidget.h"

#include <Eigen/Dense>

#include <QString>

#include <utility>

class vtkActor;
class vtkActor2D;
class vtkImageData;
class vtkImageSlice;
class vtkImageSliceMapper;
class vtkLookupTable;
class vtkPoints;
class vtkPolyData;
class vtkRenderer;
class vtkScalarBarActor;
class vtkTextActor;
class vtkUnsignedCharArray;

namespace ntk::gui {

class HeatmapView : public VtkOpenGLWidget {
  Q_OBJECT

public:
  explicit HeatmapView(QWidget* parent = nullptr);
  ~HeatmapView() override;

  // Shows [in] matrix (rows by cols) sampled on [x0, x1] along both axes, with [in] title.
  // Copies the matrix. Cost: one pass over the entries to colour them; the render follows on the
  // next frame. An empty matrix clears the view.
  void setMatrix(const Eigen::MatrixXd& matrix, double x0, double x1, const QString& title);
  const Eigen::MatrixXd& matrix() const { return m_matrix; }

  // Colour scale: automatic (the matrix's finite min..max, the default) or fixed to [min, max].
  void setAutoColorRange();
  void setColorRange(double min, double max);
  bool isAutoColorRange() const { return m_autoColorRange; }
  // The range the colours currently span.
  std::pair<double, double> colorRange() const { return {m_colorMin, m_colorMax}; }

  // Axis titles; default "x" (columns) and "x'" (rows; VTK's built-in fonts have no prime glyph).
  void setAxisTitles(const QString& columnTitle, const QString& rowTitle);

  // Outlines [in] row (−1 for none) without emitting rowSelected.
  void setSelectedRow(int row);
  int selectedRow() const { return m_selectedRow; }

  bool exportPng(const QString& path);
  // The current matrix as CSV without a header (CONVENTIONS.md §5).
  bool exportCsv(const QString& path) const;

  // The widget width (logical pixels) at which the image, keeping the matrix's aspect, fills
  // [in] height, and the height at which it fills [in] width: panels size their splitters with
  // them so the heatmap is not letterboxed between empty bands.
  int widthToFillHeight(int height) const;
  int heightToFillWidth(int width) const;

  // The matrix cell under [in] a widget position (logical pixels), or (−1, −1) outside the image.
  std::pair<int, int> cellAt(const QPointF& widgetPosition) const;

signals:
  void cellHovered(int row, int col, double value);
  void cellClicked(int row, int col, double value);
  // A left click selects the row under the mouse (e.g. to show that row as a line plot).
  void rowSelected(int row);

protected:
  void layoutChanged() override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void leaveEvent(QEvent* event) override;

private:
  void recolor();
  /// Colour-bar labels at round values, digits enough to tell them apart; one "constant" label for
  /// a (near-)constant matrix.
  void updateColourBarLabels();
  /// Pixels the widest colour-bar label takes.
  double colourBarLabelWidth();
  void updateSelectionOutline();
  void layoutAxes();
  vtkTextActor* tickLabel(std::size_t index);

  Eigen::MatrixXd m_matrix;
  double m_x0 = 0.0;
  double m_x1 = 1.0;
  QString m_title;
  QString m_columnTitle = QStringLiteral("x");
  QString m_rowTitle = QStringLiteral("x'");
  bool m_autoColorRange = true;
  double m_colorMin = 0.0;
  double m_colorMax = 1.0;
  int m_selectedRow = -1;
  std::pair<int, int> m_hoveredCell{-1, -1};

  // The image's rectangle in VTK display coordinates (device pixels, y up).
  double m_imageLeft = 0.0;
  double m_imageBottom = 0.0;
  double m_imageWidth = 0.0;
  double m_imageHeight = 0.0;
  // Margins of the last layout in logical pixels (the title and the colour-bar labels set them).
  double m_marginTop = 40.0;
  double m_marginLeft = 48.0;
  double m_marginRight = 124.0;

  vtkSmartPointer<vtkRenderer> m_renderer;
  vtkSmartPointer<vtkImageData> m_image;
  vtkSmartPointer<vtkUnsignedCharArray> m_colors;
  vtkSmartPointer<vtkImageSliceMapper> m_sliceMapper;
  vtkSmartPointer<vtkImageSlice> m_slice;
  vtkSmartPointer<vtkLookupTable> m_lookupTable;
  vtkSmartPointer<vtkScalarBarActor> m_scalarBar;
  vtkSmartPointer<vtkTextActor> m_titleActor;
  vtkSmartPointer<vtkTextActor> m_columnTitleActor;
  vtkSmartPointer<vtkTextActor> m_rowTitleActor;
  // Tick marks and the frame around the image, in display coordinates.
  vtkSmartPointer<vtkPolyData> m_axisLines;
  vtkSmartPointer<vtkActor2D> m_axisLinesActor;
  std::vector<vtkSmartPointer<vtkTextActor>> m_tickLabels;
  // Outline of the selected row, in world coordinates (one unit per cell).
  vtkSmartPointer<vtkPolyData> m_selectionOutline;
  vtkSmartPointer<vtkActor> m_selectionActor;
};

} // namespace ntk::gui
