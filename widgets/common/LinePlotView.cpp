#include "widgets/common/LinePlotView.h"

#include "widgets/common/CsvExport.h"
#include "widgets/common/FigurePainter.h"
#include "widgets/common/NiceTicks.h"
#include "widgets/common/VtkFonts.h"

#include <QtDebug>

#include <vtkAxis.h>
#include <vtkCallbackCommand.h>
#include <vtkCommand.h>
#include <vtkChartLegend.h>
#include <vtkChartXY.h>
#include <vtkContextActor.h>
#include <vtkContextInteractorStyle.h>
#include <vtkContextScene.h>
#include <vtkDoubleArray.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkGenericRenderWindowInteractor.h>
#include <vtkNew.h>
#include <vtkPen.h>
#include <vtkPlot.h>
#include <vtkRenderer.h>
#include <vtkSVGExporter.h>
#include <vtkStringArray.h>
#include <vtkTable.h>
#include <vtkTextProperty.h>

#include <QFileInfo>

#include <array>
#include <cmath>

namespace ntk::gui {

namespace {

// Line widths in logical pixels; these are not DPI-aware in VTK, so they are scaled here.
constexpr double kLineWidth = 2.0;
constexpr double kAxisPenWidth = 1.0;

void styleText(vtkTextProperty* text, int fontSize, bool bold = false) { styleVtkText(text, fontSize, bold); }

} // namespace

LinePlotView::LinePlotView(QWidget* parent)
  : VtkOpenGLWidget(parent)
  , m_renderer(vtkSmartPointer<vtkRenderer>::New())
  , m_contextActor(vtkSmartPointer<vtkContextActor>::New())
  , m_chart(vtkSmartPointer<vtkChartXY>::New())
  , m_contextStyle(vtkSmartPointer<vtkContextInteractorStyle>::New())
{
  // vtkContextView's wiring, done by hand so the chart lives in this widget's render window:
  // a context actor holding the scene, and the context interactor style feeding it events.
  m_renderer->SetBackground(1.0, 1.0, 1.0);
  m_renderer->AddActor(m_contextActor);
  renderWindow()->AddRenderer(m_renderer);
  vtkNew<vtkCallbackCommand> beforeRender;
  beforeRender->SetClientData(this);
  beforeRender->SetCallback([](vtkObject*, unsigned long, void* self, void*) { static_cast<LinePlotView*>(self)->updateTicks(); });
  m_renderer->AddObserver(vtkCommand::StartEvent, beforeRender);
  m_contextActor->GetScene()->AddItem(m_chart);
  m_contextStyle->SetScene(m_contextActor->GetScene());
  interactor()->SetInteractorStyle(m_contextStyle);

  m_chart->SetShowLegend(true);
  // Legend above the plot area, not over the curves (an inline legend hid the peaks users look at).
  m_chart->GetLegend()->SetInline(false);
  m_chart->GetLegend()->SetHorizontalAlignment(vtkChartLegend::CENTER);
  m_chart->GetLegend()->SetVerticalAlignment(vtkChartLegend::TOP);
  m_chart->SetRenderEmpty(true);
  m_chart->SetAutoSize(true);
  // Zoom with the wheel about the mouse, both axes (vtkChartXY's default already, made explicit).
  m_chart->SetZoomWithMouseWheel(true);
  applyFontsAndWidths();
}

LinePlotView::~LinePlotView() = default;

void LinePlotView::setSeries(const Eigen::VectorXd& x, const std::vector<Series>& ys,
  const QString& xTitle, const QString& yTitle, const QString& title)
{
  m_x = x;
  m_series.clear();
  m_series.reserve(ys.size());
  for (const auto& series : ys) {
    if (series.second.size() != x.size()) {
      qWarning() << "LinePlotView: series" << series.first << "has" << series.second.size()
                 << "values for" << x.size() << "x values; skipped";
      continue;
    }
    m_series.push_back(series);
  }
  m_xTitle = xTitle;
  m_yTitle = yTitle;
  m_title = title;
  rebuildPlots();
}

void LinePlotView::clear()
{
  m_x.resize(0);
  m_series.clear();
  rebuildPlots();
}

void LinePlotView::setLogY(bool logY)
{
  if (logY == m_logY) {
    return;
  }
  m_logY = logY;
  m_chart->GetAxis(vtkAxis::LEFT)->SetLogScale(m_logY);
  resetZoom();
}

void LinePlotView::resetZoom()
{
  for (int axis : {vtkAxis::LEFT, vtkAxis::BOTTOM}) {
    m_chart->GetAxis(axis)->SetBehavior(vtkAxis::AUTO);
  }
  m_chart->RecalculateBounds();
  requestRender();
}

void LinePlotView::rebuildPlots()
{
  m_chart->ClearPlots();
  wrapTitle();
  m_chart->GetAxis(vtkAxis::BOTTOM)->SetTitle(m_xTitle.toStdString());
  m_chart->GetAxis(vtkAxis::LEFT)->SetTitle(m_yTitle.toStdString());
  m_chart->GetAxis(vtkAxis::LEFT)->SetLogScale(m_logY);

  if (m_x.size() > 0 && !m_series.empty()) {
    // A fresh table each time: plots keep a reference to their input, so an old table still being
    // drawn is never modified underneath them.
    vtkNew<vtkTable> table;
    vtkNew<vtkDoubleArray> xColumn;
    xColumn->SetName("x");
    xColumn->SetNumberOfValues(m_x.size());
    for (Eigen::Index i = 0; i < m_x.size(); ++i) {
      xColumn->SetValue(i, m_x(i));
    }
    table->AddColumn(xColumn);
    for (std::size_t s = 0; s < m_series.size(); ++s) {
      vtkNew<vtkDoubleArray> yColumn;
      // Column names must be unique in a vtkTable; the legend shows the plot's label instead.
      yColumn->SetName(QStringLiteral("y%1").arg(s).toStdString().c_str());
      const Eigen::VectorXd& values = m_series[s].second;
      yColumn->SetNumberOfValues(values.size());
      for (Eigen::Index i = 0; i < values.size(); ++i) {
        yColumn->SetValue(i, values(i));
      }
      table->AddColumn(yColumn);
    }
    for (std::size_t s = 0; s < m_series.size(); ++s) {
      vtkPlot* plot = m_chart->AddPlot(vtkChart::LINE);
      plot->SetInputData(table, 0, static_cast<vtkIdType>(s + 1));
      plot->SetLabel(m_series[s].first.toStdString());
      // The same palette as the exported figures (FigurePainter), so screen and file match.
      const QColor colour = seriesColor(int(s));
      plot->SetColor(static_cast<unsigned char>(colour.red()), static_cast<unsigned char>(colour.green()),
        static_cast<unsigned char>(colour.blue()), 255);
    }
  }
  m_styledForRatio = 0.0; // new plots need their line widths
  applyFontsAndWidths();
  resetZoom();
}

void LinePlotView::applyFontsAndWidths()
{
  const double ratio = devicePixelRatioF();
  if (ratio == m_styledForRatio) {
    return;
  }
  m_styledForRatio = ratio;
  styleText(m_chart->GetTitleProperties(), kTitleFontSize, true);
  vtkAxis* top = m_chart->GetAxis(vtkAxis::TOP);
  m_chart->SetAutoAxes(false); // else the top axis, holding no plot, is hidden with its title
  m_chart->GetAxis(vtkAxis::RIGHT)->SetVisible(false);
  top->SetVisible(true);
  top->SetLabelsVisible(false);
  top->SetTicksVisible(false);
  top->SetGridVisible(false);
  top->GetPen()->SetColor(0, 0, 0, 0);
  styleText(top->GetTitleProperties(), kTitleFontSize, true);
  for (int axisId : {vtkAxis::LEFT, vtkAxis::BOTTOM}) {
    vtkAxis* axis = m_chart->GetAxis(axisId);
    styleText(axis->GetTitleProperties(), kAxisTitleFontSize, true);
    styleText(axis->GetLabelProperties(), kLabelFontSize);
    axis->GetPen()->SetWidth(static_cast<float>(kAxisPenWidth * ratio));
    axis->GetGridPen()->SetWidth(static_cast<float>(kAxisPenWidth * ratio));
    axis->GetGridPen()->SetColor(220, 220, 220);
  }
  styleText(m_chart->GetLegend()->GetLabelProperties(), kLabelFontSize);
  for (vtkIdType p = 0; p < m_chart->GetNumberOfPlots(); ++p) {
    m_chart->GetPlot(p)->SetWidth(static_cast<float>(kLineWidth * ratio));
  }
}

namespace {

/// Decade ticks of a log axis whose range is [lo, hi] in exponents, at most `maxTicks` of them
/// (every n-th decade when there are more), labelled 10ⁿ; inside one decade, round values instead.
void logTicks(double lo, double hi, int maxTicks, std::vector<double>& positions, QStringList& labels)
{
  const int e0 = int(std::ceil(lo - 1e-9)), e1 = int(std::floor(hi + 1e-9));
  if (e1 - e0 + 1 < 2) {
    std::vector<double> values;
    for (double v : niceTicks(std::pow(10.0, lo), std::pow(10.0, hi), maxTicks))
      if (v > 0) values.push_back(v), positions.push_back(std::log10(v));
    labels = tickLabels(values);
    return;
  }
  const int step = std::max(1, int(std::ceil(double(e1 - e0 + 1) / std::max(2, maxTicks))));
  for (int e = e0; e <= e1; ++e)
    if (((e % step) + step) % step == 0) positions.push_back(e), labels << decadeLabel(e);
}

} // namespace

void LinePlotView::updateTicks()
{
  const double ratio = std::max(1.0, devicePixelRatioF());
  const int dpi = renderWindow()->GetDPI();
  for (int axisId : {vtkAxis::LEFT, vtkAxis::BOTTOM}) {
    vtkAxis* axis = m_chart->GetAxis(axisId);
    const float* p1 = axis->GetPoint1();
    const float* p2 = axis->GetPoint2();
    const double lengthLogical = std::hypot(p2[0] - p1[0], p2[1] - p1[1]) / ratio;
    const double lo = axis->GetMinimum(), hi = axis->GetMaximum();
    if (lengthLogical < 10.0 || !(hi > lo)) {
      axis->SetCustomTickPositions(nullptr); // VTK's own ticks before the first layout
      continue;
    }
    // Room per label: a fixed spacing up the side, the widest label plus a gap along the bottom,
    // so no two labels touch ("1000" and "10⁶" ran together).
    const bool log = axis->GetLogScaleActive();
    const std::string widest = log ? decadeLabel(-10).toStdString() : tickLabel(-std::max(std::abs(lo), std::abs(hi)) * 1.111).toStdString();
    const double labelWidth = vtkTextSize(axis->GetLabelProperties(), widest, dpi).first / ratio;
    const double spacing = axisId == vtkAxis::LEFT ? 32.0 : std::max(50.0, labelWidth + 16.0);
    const int maxTicks = std::max(2, int(lengthLogical / spacing) + 1); // ticks = intervals + 1
    std::vector<double> positions;
    QStringList labels;
    if (log) {
      logTicks(lo, hi, maxTicks, positions, labels);
    } else {
      for (double t : niceTicks(lo, hi, maxTicks)) positions.push_back(std::abs(t) < 1e-12 * std::max(std::abs(lo), std::abs(hi)) ? 0.0 : t);
      labels = tickLabels(positions);
    }
    vtkNew<vtkDoubleArray> positionArray;
    vtkNew<vtkStringArray> labelArray;
    for (size_t i = 0; i < positions.size(); ++i) {
      positionArray->InsertNextValue(positions[i]);
      labelArray->InsertNextValue(labels[int(i)].toStdString());
    }
    axis->SetCustomTickPositions(positionArray, labelArray);
  }
}

void LinePlotView::wrapTitle()
{
  // The title is the title of the (otherwise invisible) top axis: vtkChartXY draws its own title
  // just above the plot area without reserving room for it, so the legend above the plot ran into
  // it; an axis title is laid out, and the legend goes above it.
  const int width = renderWindow()->GetSize()[0];
  const double maxWidth = width > 50 ? width - 20.0 * devicePixelRatioF() : 1e9;
  vtkAxis* top = m_chart->GetAxis(vtkAxis::TOP);
  top->SetTitle(wrapVtkText(top->GetTitleProperties(), m_title, maxWidth, renderWindow()->GetDPI()));
  m_chart->SetTitle("");
}

void LinePlotView::layoutChanged()
{
  // Called on resize and on a devicePixelRatio change (e.g. moving to another screen).
  applyFontsAndWidths();
  wrapTitle();
}

bool LinePlotView::exportPng(const QString& path)
{
  const QImage image = renderImage();
  return !image.isNull() && image.save(path, "PNG");
}

bool LinePlotView::exportCsv(const QString& path) const
{
  QStringList names{QStringLiteral("x")};
  std::vector<Eigen::VectorXd> columns{m_x};
  for (const auto& series : m_series) {
    names << series.first;
    columns.push_back(series.second);
  }
  return writeColumnsCsv(names, columns, path);
}

bool LinePlotView::exportSvg(const QString& path)
{
  if (!isGraphicsReady()) {
    return false;
  }
  // The exporter repaints the scene through an SVG device at the window's current size; the
  // scene must have been laid out by at least one OpenGL render first.
  renderWindow()->Render();
  vtkNew<vtkSVGExporter> exporter;
  exporter->SetRenderWindow(renderWindow());
  exporter->SetFileName(path.toStdString().c_str());
  exporter->SetTitle(m_title.toStdString().c_str());
  exporter->DrawBackgroundOn();
  exporter->Write();
  update();
  const QFileInfo written(path);
  return written.exists() && written.size() > 0;
}

} // namespace ntk::gui
