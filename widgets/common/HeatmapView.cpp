#include "widgets/common/HeatmapView.h"

#include "widgets/common/Colormap.h"
#include "widgets/common/CsvExport.h"
#include "widgets/common/FigurePainter.h"
#include "widgets/common/VtkFonts.h"
#include "widgets/common/NiceTicks.h"

#include <QMouseEvent>
#include <QToolTip>

#include <vtkActor.h>
#include <vtkActor2D.h>
#include <vtkCamera.h>
#include <vtkCellArray.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkGenericRenderWindowInteractor.h>
#include <vtkImageData.h>
#include <vtkImageProperty.h>
#include <vtkImageSlice.h>
#include <vtkImageSliceMapper.h>
#include <vtkLookupTable.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkPolyDataMapper2D.h>
#include <vtkProperty.h>
#include <vtkProperty2D.h>
#include <vtkRenderer.h>
#include <vtkDoubleArray.h>
#include <vtkScalarBarActor.h>
#include <vtkTextActor.h>
#include <vtkTextProperty.h>
#include <vtkTextRenderer.h>
#include <vtkUnsignedCharArray.h>

#include <algorithm>
#include <cstdio>
#include <cmath>
#include <limits>

namespace ntk::gui {

namespace {

// Margins around the image in logical pixels (scaled by the device pixel ratio): room for the
// title above, tick labels and axis titles left and below, the colour bar on the right.
// The least margins; the title's lines, the row labels and the colour-bar labels widen them to what
// they need (fixed margins of 80 + 124 pixels left a narrow view little room for the image).
constexpr double kMarginLeft = 48.0;
constexpr double kMarginRight = 72.0;
constexpr double kMarginTop = 40.0;
constexpr double kMarginBottom = 58.0;
constexpr double kTickLength = 5.0;
constexpr double kBarWidth = 22.0; ///< the colour strip itself
// Cells stay at most this far from square, so a 1000 × 10 matrix is still readable.
constexpr double kMaxAspect = 4.0;
constexpr std::uint8_t kNonFiniteGrey = 128;

void styleText(vtkTextProperty* text, int fontSize, bool bold = false) { styleVtkText(text, fontSize, bold); }

std::string tickText(double value)
{
  return QString::number(value, 'g', 3).toStdString();
}

} // namespace

HeatmapView::HeatmapView(QWidget* parent)
  : VtkOpenGLWidget(parent)
  , m_renderer(vtkSmartPointer<vtkRenderer>::New())
  , m_image(vtkSmartPointer<vtkImageData>::New())
  , m_colors(vtkSmartPointer<vtkUnsignedCharArray>::New())
  , m_sliceMapper(vtkSmartPointer<vtkImageSliceMapper>::New())
  , m_slice(vtkSmartPointer<vtkImageSlice>::New())
  , m_lookupTable(vtkSmartPointer<vtkLookupTable>::New())
  , m_scalarBar(vtkSmartPointer<vtkScalarBarActor>::New())
  , m_titleActor(vtkSmartPointer<vtkTextActor>::New())
  , m_columnTitleActor(vtkSmartPointer<vtkTextActor>::New())
  , m_rowTitleActor(vtkSmartPointer<vtkTextActor>::New())
  , m_axisLines(vtkSmartPointer<vtkPolyData>::New())
  , m_axisLinesActor(vtkSmartPointer<vtkActor2D>::New())
  , m_selectionOutline(vtkSmartPointer<vtkPolyData>::New())
  , m_selectionActor(vtkSmartPointer<vtkActor>::New())
{
  // The mouse selects cells here; the camera must not rotate or zoom away from the layout.
  setVtkInputEnabled(false);
  interactor()->SetInteractorStyle(nullptr);

  m_renderer->SetBackground(1.0, 1.0, 1.0);
  m_renderer->GetActiveCamera()->ParallelProjectionOn();
  renderWindow()->AddRenderer(m_renderer);

  // Colours are computed on the CPU (viridisTable) into an RGB image: one pass, one texture upload
  // per data change, and hover/selection renders reuse the texture.
  m_colors->SetNumberOfComponents(3);
  m_image->GetPointData()->SetScalars(m_colors);
  m_sliceMapper->SetInputData(m_image);
  // Border: show every pixel whole (the default stops at the outer pixel centres).
  m_sliceMapper->BorderOn();
  m_slice->SetMapper(m_sliceMapper);
  m_slice->GetProperty()->SetInterpolationTypeToNearest();
  m_slice->VisibilityOff();
  m_renderer->AddViewProp(m_slice);

  fillViridisLookupTable(m_lookupTable);
  m_scalarBar->SetLookupTable(m_lookupTable);
  m_scalarBar->SetNumberOfLabels(5);
  styleText(m_scalarBar->GetTitleTextProperty(), kLabelFontSize);
  m_scalarBar->UnconstrainedFontSizeOn();
  m_scalarBar->SetBarRatio(0.3);
  m_scalarBar->DrawFrameOff();
  m_scalarBar->DrawBackgroundOff();
  styleText(m_scalarBar->GetLabelTextProperty(), kLabelFontSize);
  m_scalarBar->GetLabelTextProperty()->SetJustificationToLeft();
  m_scalarBar->VisibilityOff();
  m_renderer->AddViewProp(m_scalarBar);

  styleText(m_titleActor->GetTextProperty(), kTitleFontSize);
  m_titleActor->GetTextProperty()->BoldOn();
  m_titleActor->GetTextProperty()->SetJustificationToCentered();
  m_titleActor->GetTextProperty()->SetVerticalJustificationToBottom();
  m_renderer->AddViewProp(m_titleActor);

  styleText(m_columnTitleActor->GetTextProperty(), kAxisTitleFontSize);
  m_columnTitleActor->GetTextProperty()->SetJustificationToCentered();
  m_renderer->AddViewProp(m_columnTitleActor);
  styleText(m_rowTitleActor->GetTextProperty(), kAxisTitleFontSize);
  m_rowTitleActor->GetTextProperty()->SetJustificationToCentered();
  m_rowTitleActor->GetTextProperty()->SetVerticalJustificationToBottom();
  m_rowTitleActor->GetTextProperty()->SetOrientation(90.0);
  m_renderer->AddViewProp(m_rowTitleActor);

  vtkNew<vtkPolyDataMapper2D> axisMapper;
  axisMapper->SetInputData(m_axisLines);
  m_axisLinesActor->SetMapper(axisMapper);
  m_axisLinesActor->GetProperty()->SetColor(0.1, 0.1, 0.1);
  m_renderer->AddViewProp(m_axisLinesActor);

  vtkNew<vtkPolyDataMapper> selectionMapper;
  selectionMapper->SetInputData(m_selectionOutline);
  m_selectionActor->SetMapper(selectionMapper);
  m_selectionActor->GetProperty()->SetColor(0.95, 0.1, 0.1);
  m_selectionActor->GetProperty()->LightingOff();
  m_selectionActor->VisibilityOff();
  m_renderer->AddViewProp(m_selectionActor);

  setAxisTitles(m_columnTitle, m_rowTitle);
  layoutChanged();
}

HeatmapView::~HeatmapView() = default;

void HeatmapView::setMatrix(const Eigen::MatrixXd& matrix, double x0, double x1,
  const QString& title)
{
  m_matrix = matrix;
  m_x0 = x0;
  m_x1 = x1;
  m_title = title; // set on the title actor, wrapped, by layoutChanged
  if (m_selectedRow >= m_matrix.rows()) {
    m_selectedRow = -1;
  }
  m_hoveredCell = {-1, -1};
  recolor();
  layoutChanged();
  requestRender();
}

void HeatmapView::setAutoColorRange()
{
  m_autoColorRange = true;
  recolor();
  requestRender();
}

void HeatmapView::setColorRange(double min, double max)
{
  m_autoColorRange = false;
  m_colorMin = std::min(min, max);
  m_colorMax = std::max(min, max);
  recolor();
  requestRender();
}

void HeatmapView::setAxisTitles(const QString& columnTitle, const QString& rowTitle)
{
  m_columnTitle = columnTitle;
  m_rowTitle = rowTitle;
  m_columnTitleActor->SetInput(columnTitle.toStdString().c_str());
  m_rowTitleActor->SetInput(rowTitle.toStdString().c_str());
  requestRender();
}

void HeatmapView::setSelectedRow(int row)
{
  m_selectedRow = (row >= 0 && row < m_matrix.rows()) ? row : -1;
  updateSelectionOutline();
  requestRender();
}

bool HeatmapView::exportPng(const QString& path)
{
  const QImage image = renderImage();
  return !image.isNull() && image.save(path, "PNG");
}

bool HeatmapView::exportCsv(const QString& path) const
{
  return writeMatrixCsv(m_matrix, path);
}

void HeatmapView::recolor()
{
  const Eigen::Index rows = m_matrix.rows();
  const Eigen::Index cols = m_matrix.cols();
  if (rows == 0 || cols == 0) {
    m_slice->VisibilityOff();
    m_scalarBar->VisibilityOff();
    return;
  }

  if (m_autoColorRange) {
    double lo = std::numeric_limits<double>::infinity();
    double hi = -std::numeric_limits<double>::infinity();
    const double* data = m_matrix.data();
    for (Eigen::Index k = 0; k < m_matrix.size(); ++k) {
      if (std::isfinite(data[k])) {
        lo = std::min(lo, data[k]);
        hi = std::max(hi, data[k]);
      }
    }
    m_colorMin = std::isfinite(lo) ? lo : 0.0;
    m_colorMax = std::isfinite(hi) ? hi : 1.0;
  }

  int* dimensions = m_image->GetDimensions();
  if (dimensions[0] != cols || dimensions[1] != rows) {
    m_image->SetDimensions(static_cast<int>(cols), static_cast<int>(rows), 1);
    m_colors->SetNumberOfTuples(rows * cols);
  }
  // World units: one per row vertically; columns stretched so cells stay within kMaxAspect.
  const double aspect = std::clamp(static_cast<double>(cols) / rows, 1.0 / kMaxAspect, kMaxAspect);
  const double spacingX = aspect * rows / cols;
  m_image->SetSpacing(spacingX, 1.0, 1.0);
  m_image->SetOrigin(0.5 * spacingX, 0.5, 0.0);

  const auto& table = viridisTable();
  const double range = m_colorMax - m_colorMin;
  // A (near-)constant matrix is one colour: round-off stretched over the whole map looked like structure.
  const double scale = isNearlyConstant(m_colorMin, m_colorMax) ? 0.0 : 256.0 / range;
  std::uint8_t* out = m_colors->GetPointer(0);
  // Matrix row i is image row rows−1−i: VTK's image y axis points up, a matrix's row 0 is on top.
  // Walk the column-major matrix contiguously; the strided writes are the cheaper side.
  for (Eigen::Index j = 0; j < cols; ++j) {
    const double* column = m_matrix.data() + j * rows;
    for (Eigen::Index i = 0; i < rows; ++i) {
      std::uint8_t* pixel = out + 3 * ((rows - 1 - i) * cols + j);
      const double value = column[i];
      if (!std::isfinite(value)) {
        pixel[0] = pixel[1] = pixel[2] = kNonFiniteGrey;
        continue;
      }
      const int index = scale > 0.0 ? static_cast<int>((value - m_colorMin) * scale) : 128;
      const Rgb8& colour = table[static_cast<std::size_t>(std::clamp(index, 0, 255))];
      pixel[0] = colour[0];
      pixel[1] = colour[1];
      pixel[2] = colour[2];
    }
  }
  m_colors->Modified();
  m_image->Modified();

  updateColourBarLabels();
  m_slice->VisibilityOn();
  m_scalarBar->VisibilityOn();
}

void HeatmapView::updateColourBarLabels()
{
  vtkNew<vtkDoubleArray> labels;
  if (isNearlyConstant(m_colorMin, m_colorMax)) {
    // One label with the value: ticks 1.52 / 1.52 / 1.53 on a constant kernel told the user nothing.
    const double value = 0.5 * (m_colorMin + m_colorMax);
    const double pad = std::max(1e-12, std::abs(value) * 1e-6);
    m_lookupTable->SetTableRange(value - pad, value + pad);
    labels->InsertNextValue(value);
    m_scalarBar->SetLabelFormat("%-.6g");
    m_scalarBar->SetTitle("constant");
  } else {
    m_lookupTable->SetTableRange(m_colorMin, m_colorMax);
    // Round numbers (1-2-5 steps) with as many digits as it takes for neighbours to differ.
    const std::vector<double> ticks = niceTicks(m_colorMin, m_colorMax, 6);
    int digits = 3;
    auto format = [&](double v) { return QString::number(v, 'g', digits); };
    for (bool distinct = false; !distinct && digits <= 15;) {
      distinct = true;
      for (size_t i = 1; i < ticks.size() && distinct; ++i) distinct = format(ticks[i]) != format(ticks[i - 1]);
      if (!distinct) ++digits;
    }
    for (double t : ticks) labels->InsertNextValue(std::abs(t) < 1e-9 * std::max(std::abs(m_colorMin), std::abs(m_colorMax)) ? 0.0 : t);
    m_scalarBar->SetLabelFormat(QStringLiteral("%-.%1g").arg(digits).toStdString().c_str()); // no "#": "611" not "611."
    m_scalarBar->SetTitle("");
  }
  m_scalarBar->SetUseCustomLabels(true);
  m_scalarBar->SetCustomLabels(labels);
}

double HeatmapView::colourBarLabelWidth()
{
  const int dpi = renderWindow()->GetDPI();
  vtkDoubleArray* labels = m_scalarBar->GetCustomLabels();
  int widest = vtkTextSize(m_scalarBar->GetLabelTextProperty(), "constant", dpi).first;
  char buffer[64];
  for (vtkIdType i = 0; labels && i < labels->GetNumberOfTuples(); ++i) {
    std::snprintf(buffer, sizeof buffer, m_scalarBar->GetLabelFormat(), labels->GetValue(i));
    widest = std::max(widest, vtkTextSize(m_scalarBar->GetLabelTextProperty(), buffer, dpi).first);
  }
  return widest;
}

void HeatmapView::layoutChanged()
{
  const int* size = renderWindow()->GetSize();
  const double width = std::max(1, size[0]);
  const double height = std::max(1, size[1]);
  const double ratio = devicePixelRatioF();


  const Eigen::Index rows = m_matrix.rows();
  const Eigen::Index cols = m_matrix.cols();
  // The title wraps to the widget's width (it ran past the edge, into the neighbouring view); its
  // lines, and the colour bar's widest label, set the top and right margins.
  const int dpi = renderWindow()->GetDPI();
  m_titleActor->SetInput(wrapVtkText(m_titleActor->GetTextProperty(), m_title, width - 16.0 * ratio, dpi).c_str());
  const double titleHeight = vtkTextSize(m_titleActor->GetTextProperty(), m_titleActor->GetInput(), dpi).second;
  const double marginTop = std::max(kMarginTop * ratio, titleHeight + 20.0 * ratio);
  const double barLabels = m_matrix.size() ? colourBarLabelWidth() : 0.0;
  const double marginRight = std::max(kMarginRight * ratio, 14.0 * ratio + kBarWidth * ratio + 10.0 * ratio + barLabels + 8.0 * ratio);
  // Left: tick, the widest row label, the rotated row title (its text height), gaps.
  vtkNew<vtkTextProperty> labelStyle;
  styleText(labelStyle, kLabelFontSize);
  double rowLabels = 0.0;
  for (double value : niceTicks(m_x0, m_x1, 10))
    rowLabels = std::max<double>(rowLabels, vtkTextSize(labelStyle, tickText(value), dpi).first);
  const double rowTitle = vtkTextSize(m_rowTitleActor->GetTextProperty(), "x", dpi).second;
  const double marginLeft = std::max(kMarginLeft * ratio, (kTickLength + 4.0 + 8.0 + 6.0) * ratio + rowLabels + rowTitle);
  m_marginLeft = marginLeft / ratio;
  m_marginTop = marginTop / ratio;
  m_marginRight = marginRight / ratio;
  const double availableWidth = std::max(1.0, width - marginLeft - marginRight);
  const double availableHeight = std::max(1.0, height - marginTop - kMarginBottom * ratio);
  if (rows == 0 || cols == 0) {
    m_titleActor->SetDisplayPosition(static_cast<int>(width / 2),
      static_cast<int>(height - marginTop));
    m_imageWidth = m_imageHeight = 0.0;
    m_axisLines->Initialize();
    for (auto& label : m_tickLabels) {
      label->VisibilityOff();
    }
    m_columnTitleActor->VisibilityOff();
    m_rowTitleActor->VisibilityOff();
    m_selectionActor->VisibilityOff();
    return;
  }

  const double aspect = std::clamp(static_cast<double>(cols) / rows, 1.0 / kMaxAspect, kMaxAspect);
  m_imageWidth = std::min(availableWidth, availableHeight * aspect);
  m_imageHeight = m_imageWidth / aspect;
  m_imageLeft = marginLeft + 0.5 * (availableWidth - m_imageWidth);
  m_imageBottom = kMarginBottom * ratio + 0.5 * (availableHeight - m_imageHeight);
  // The title sits just above the image, which may be letterboxed well below the widget top.
  m_titleActor->SetDisplayPosition(static_cast<int>(width / 2),
    static_cast<int>(std::lround(m_imageBottom + m_imageHeight + 12.0 * ratio)));

  // Parallel camera placed so that the image (world [0, aspect·rows] × [0, rows]) lands exactly
  // on the rectangle computed above.
  const double worldPerPixel = rows / m_imageHeight;
  const double worldWidth = aspect * rows;
  const double centreX = m_imageLeft + 0.5 * m_imageWidth;
  const double centreY = m_imageBottom + 0.5 * m_imageHeight;
  const double focalX = 0.5 * worldWidth - (centreX - 0.5 * width) * worldPerPixel;
  const double focalY = 0.5 * rows - (centreY - 0.5 * height) * worldPerPixel;
  vtkCamera* camera = m_renderer->GetActiveCamera();
  camera->SetFocalPoint(focalX, focalY, 0.0);
  camera->SetPosition(focalX, focalY, 10.0);
  camera->SetViewUp(0.0, 1.0, 0.0);
  camera->SetParallelScale(0.5 * height * worldPerPixel);
  camera->SetClippingRange(1.0, 100.0);

  // Colour bar: a strip right of the image, labels to its right, as tall as the image.
  const double barLeft = m_imageLeft + m_imageWidth + 14.0 * ratio;
  const double barWidth = marginRight - 18.0 * ratio;
  m_scalarBar->SetBarRatio(kBarWidth * ratio / barWidth);
  m_scalarBar->SetPosition(barLeft / width, m_imageBottom / height);
  m_scalarBar->SetPosition2(barWidth / width, m_imageHeight / height);
  m_scalarBar->SetMaximumWidthInPixels(static_cast<int>(barWidth));
  m_scalarBar->SetMaximumHeightInPixels(static_cast<int>(m_imageHeight));

  layoutAxes();
  updateSelectionOutline();
}

vtkTextActor* HeatmapView::tickLabel(std::size_t index)
{
  while (m_tickLabels.size() <= index) {
    auto label = vtkSmartPointer<vtkTextActor>::New();
    styleText(label->GetTextProperty(), kLabelFontSize);
    m_renderer->AddViewProp(label);
    m_tickLabels.push_back(label);
  }
  m_tickLabels[index]->VisibilityOn();
  return m_tickLabels[index];
}

void HeatmapView::layoutAxes()
{
  const double ratio = devicePixelRatioF();
  const double tick = kTickLength * ratio;
  const Eigen::Index rows = m_matrix.rows();
  const Eigen::Index cols = m_matrix.cols();
  const double left = m_imageLeft;
  const double right = m_imageLeft + m_imageWidth;
  const double bottom = m_imageBottom;
  const double top = m_imageBottom + m_imageHeight;

  vtkNew<vtkPoints> points;
  vtkNew<vtkCellArray> lines;
  auto addLine = [&](double ax, double ay, double bx, double by) {
    const vtkIdType a = points->InsertNextPoint(ax, ay, 0.0);
    const vtkIdType b = points->InsertNextPoint(bx, by, 0.0);
    const vtkIdType ids[2] = {a, b};
    lines->InsertNextCell(2, ids);
  };
  // Frame: the lines sit just outside the image so they never cover edge cells.
  addLine(left - 1, bottom - 1, right + 1, bottom - 1);
  addLine(right + 1, bottom - 1, right + 1, top + 1);
  addLine(right + 1, top + 1, left - 1, top + 1);
  addLine(left - 1, top + 1, left - 1, bottom - 1);

  // Grid point k of n sits at the centre of cell k, and has coordinate x0 + k·(x1 − x0)/(n − 1).
  const double span = m_x1 - m_x0;
  auto cellOffset = [&](double value, Eigen::Index count) {
    if (count <= 1 || span == 0.0) {
      return 0.5;
    }
    return 0.5 + (value - m_x0) / span * static_cast<double>(count - 1);
  };

  std::size_t labelIndex = 0;
  const int columnTickCount = std::clamp(static_cast<int>(m_imageWidth / (70.0 * ratio)) + 1, 2, 8);
  for (double value : niceTicks(m_x0, m_x1, columnTickCount)) {
    const double x = left + cellOffset(value, cols) * (m_imageWidth / cols);
    addLine(x, bottom - 1, x, bottom - 1 - tick);
    vtkTextActor* label = tickLabel(labelIndex++);
    label->SetInput(tickText(value).c_str());
    label->GetTextProperty()->SetJustificationToCentered();
    label->GetTextProperty()->SetVerticalJustificationToTop();
    label->SetDisplayPosition(static_cast<int>(std::lround(x)),
      static_cast<int>(std::lround(bottom - 1 - tick - 3 * ratio)));
  }
  double widestRowLabel = 0.0;
  vtkTextRenderer* textRenderer = vtkTextRenderer::GetInstance();
  const int dpi = renderWindow()->GetDPI();
  const int rowTickCount = std::clamp(static_cast<int>(m_imageHeight / (45.0 * ratio)) + 1, 2, 10);
  for (double value : niceTicks(m_x0, m_x1, rowTickCount)) {
    // Row 0 (x0) is at the top.
    const double y = top - cellOffset(value, rows) * (m_imageHeight / rows);
    addLine(left - 1, y, left - 1 - tick, y);
    vtkTextActor* label = tickLabel(labelIndex++);
    label->SetInput(tickText(value).c_str());
    label->GetTextProperty()->SetJustificationToRight();
    label->GetTextProperty()->SetVerticalJustificationToCentered();
    label->SetDisplayPosition(static_cast<int>(std::lround(left - 1 - tick - 4 * ratio)),
      static_cast<int>(std::lround(y)));
    int box[4] = {0, 0, 0, 0};
    if (textRenderer
      && textRenderer->GetBoundingBox(label->GetTextProperty(), tickText(value), box, dpi)) {
      widestRowLabel = std::max(widestRowLabel, static_cast<double>(box[1] - box[0]));
    }
  }
  for (std::size_t k = labelIndex; k < m_tickLabels.size(); ++k) {
    m_tickLabels[k]->VisibilityOff();
  }

  m_axisLines->SetPoints(points);
  m_axisLines->SetLines(lines);
  m_axisLinesActor->GetProperty()->SetLineWidth(static_cast<float>(std::max(1.0, ratio)));

  // Axis titles hug the tick labels (the image may be letterboxed far from the widget edges), but
  // never leave the widget.
  m_columnTitleActor->VisibilityOn();
  const double columnTitleY = bottom - 1 - tick - 20.0 * ratio;
  m_columnTitleActor->GetTextProperty()->SetVerticalJustificationToTop();
  m_columnTitleActor->SetDisplayPosition(static_cast<int>(std::lround(0.5 * (left + right))),
    static_cast<int>(std::lround(std::max(columnTitleY, 18.0 * ratio))));
  m_rowTitleActor->VisibilityOn();
  // Rotated 90° counter-clockwise, the text's bottom edge faces the labels: anchor it there.
  const double rowTitleX = left - 1 - tick - 4.0 * ratio - widestRowLabel - 8.0 * ratio;
  m_rowTitleActor->SetDisplayPosition(static_cast<int>(std::lround(std::max(rowTitleX, 18.0 * ratio))),
    static_cast<int>(std::lround(0.5 * (bottom + top))));
}

int HeatmapView::widthToFillHeight(int height) const
{
  const Eigen::Index rows = std::max<Eigen::Index>(1, m_matrix.rows()), cols = std::max<Eigen::Index>(1, m_matrix.cols());
  const double aspect = std::clamp(static_cast<double>(cols) / rows, 1.0 / kMaxAspect, kMaxAspect);
  const double imageHeight = std::max(0.0, height - m_marginTop - kMarginBottom);
  return static_cast<int>(std::lround(m_marginLeft + m_marginRight + aspect * imageHeight));
}

int HeatmapView::heightToFillWidth(int width) const
{
  const Eigen::Index rows = std::max<Eigen::Index>(1, m_matrix.rows()), cols = std::max<Eigen::Index>(1, m_matrix.cols());
  const double aspect = std::clamp(static_cast<double>(cols) / rows, 1.0 / kMaxAspect, kMaxAspect);
  const double imageWidth = std::max(0.0, width - m_marginLeft - m_marginRight);
  return static_cast<int>(std::lround(m_marginTop + kMarginBottom + imageWidth / aspect));
}

void HeatmapView::updateSelectionOutline()
{
  const Eigen::Index rows = m_matrix.rows();
  const Eigen::Index cols = m_matrix.cols();
  if (m_selectedRow < 0 || m_selectedRow >= rows || cols == 0) {
    m_selectionActor->VisibilityOff();
    return;
  }
  const double aspect = std::clamp(static_cast<double>(cols) / rows, 1.0 / kMaxAspect, kMaxAspect);
  const double worldWidth = aspect * rows;
  // World y runs up, one unit per row; the outline floats just above the image plane.
  const double y0 = static_cast<double>(rows - 1 - m_selectedRow);
  const double y1 = y0 + 1.0;
  constexpr double z = 0.5;
  vtkNew<vtkPoints> points;
  points->InsertNextPoint(0.0, y0, z);
  points->InsertNextPoint(worldWidth, y0, z);
  points->InsertNextPoint(worldWidth, y1, z);
  points->InsertNextPoint(0.0, y1, z);
  vtkNew<vtkCellArray> outline;
  const vtkIdType ids[5] = {0, 1, 2, 3, 0};
  outline->InsertNextCell(5, ids);
  m_selectionOutline->SetPoints(points);
  m_selectionOutline->SetLines(outline);
  m_selectionActor->GetProperty()->SetLineWidth(
    static_cast<float>(std::max(1.0, 2.0 * devicePixelRatioF())));
  m_selectionActor->VisibilityOn();
}

std::pair<int, int> HeatmapView::cellAt(const QPointF& widgetPosition) const
{
  const Eigen::Index rows = m_matrix.rows();
  const Eigen::Index cols = m_matrix.cols();
  if (rows == 0 || cols == 0 || m_imageWidth <= 0.0 || m_imageHeight <= 0.0) {
    return {-1, -1};
  }
  const double ratio = devicePixelRatioF();
  const double x = widgetPosition.x() * ratio;
  // Qt's y runs down from the widget top; the image top in those units:
  const double imageTop = renderWindow()->GetSize()[1] - (m_imageBottom + m_imageHeight);
  const double y = widgetPosition.y() * ratio;
  const double colFraction = (x - m_imageLeft) / m_imageWidth;
  const double rowFraction = (y - imageTop) / m_imageHeight;
  if (colFraction < 0.0 || colFraction >= 1.0 || rowFraction < 0.0 || rowFraction >= 1.0) {
    return {-1, -1};
  }
  const int row = std::min(static_cast<int>(rowFraction * rows), static_cast<int>(rows) - 1);
  const int col = std::min(static_cast<int>(colFraction * cols), static_cast<int>(cols) - 1);
  return {row, col};
}

void HeatmapView::mouseMoveEvent(QMouseEvent* event)
{
  const auto cell = cellAt(event->position());
  if (cell == m_hoveredCell) {
    return;
  }
  m_hoveredCell = cell;
  if (cell.first < 0) {
    QToolTip::hideText();
    return;
  }
  const double value = m_matrix(cell.first, cell.second);
  QToolTip::showText(event->globalPosition().toPoint(),
    QStringLiteral("row %1, col %2: %3").arg(cell.first).arg(cell.second).arg(value, 0, 'g', 6),
    this);
  emit cellHovered(cell.first, cell.second, value);
}

void HeatmapView::mousePressEvent(QMouseEvent* event)
{
  const auto cell = cellAt(event->position());
  if (event->button() != Qt::LeftButton || cell.first < 0) {
    return;
  }
  setSelectedRow(cell.first);
  emit cellClicked(cell.first, cell.second, m_matrix(cell.first, cell.second));
  emit rowSelected(cell.first);
}

void HeatmapView::leaveEvent(QEvent* event)
{
  m_hoveredCell = {-1, -1};
  QToolTip::hideText();
  VtkOpenGLWidget::leaveEvent(event);
}

} // namespace ntk::gui
