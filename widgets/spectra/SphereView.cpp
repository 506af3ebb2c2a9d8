#include "widgets/spectra/SphereView.h"

#include "widgets/common/FigurePainter.h"
#include "widgets/common/VtkFonts.h"

#include <vtkActor.h>
#include <vtkCamera.h>
#include <vtkCellArray.h>
#include <vtkDoubleArray.h>
#include <vtkFloatArray.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkGenericRenderWindowInteractor.h>
#include <vtkInteractorStyleTrackballCamera.h>
#include <vtkLookupTable.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderer.h>
#include <vtkScalarBarActor.h>
#include <vtkTextActor.h>
#include <vtkTextProperty.h>

#include <algorithm>
#include <cmath>

namespace ntk::gui {

namespace {

Eigen::Vector3d spherePoint(double theta, double phi)
{
  return {std::sin(theta) * std::cos(phi), std::sin(theta) * std::sin(phi), std::cos(theta)};
}

} // namespace

SphereView::SphereView(QWidget* parent)
  : VtkOpenGLWidget(parent)
  , m_renderer(vtkSmartPointer<vtkRenderer>::New())
  , m_mesh(vtkSmartPointer<vtkPolyData>::New())
  , m_actor(vtkSmartPointer<vtkActor>::New())
  , m_guides(vtkSmartPointer<vtkPolyData>::New())
  , m_guidesActor(vtkSmartPointer<vtkActor>::New())
  , m_lookupTable(vtkSmartPointer<vtkLookupTable>::New())
  , m_scalarBar(vtkSmartPointer<vtkScalarBarActor>::New())
  , m_titleActor(vtkSmartPointer<vtkTextActor>::New())
{
  m_renderer->SetBackground(1.0, 1.0, 1.0);
  renderWindow()->AddRenderer(m_renderer);
  vtkNew<vtkInteractorStyleTrackballCamera> style;
  interactor()->SetInteractorStyle(style);

  // The same diverging map as the exported figure (FigurePainter::divergingColor).
  m_lookupTable->SetNumberOfTableValues(256);
  for (int i = 0; i < 256; ++i) {
    const QColor c = divergingColor(i / 127.5 - 1.0);
    m_lookupTable->SetTableValue(i, c.redF(), c.greenF(), c.blueF(), 1.0);
  }
  m_lookupTable->SetRange(-1.0, 1.0);
  m_lookupTable->Build();

  vtkNew<vtkPolyDataMapper> mapper;
  mapper->SetInputData(m_mesh);
  mapper->SetLookupTable(m_lookupTable);
  mapper->UseLookupTableScalarRangeOn();
  mapper->SetScalarModeToUsePointData();
  m_actor->SetMapper(mapper);
  m_actor->GetProperty()->SetInterpolationToPhong();
  m_actor->GetProperty()->SetAmbient(0.25);
  m_actor->GetProperty()->SetDiffuse(0.75);
  m_actor->GetProperty()->SetSpecular(0.1);
  m_actor->VisibilityOff();
  m_renderer->AddActor(m_actor);

  vtkNew<vtkPolyDataMapper> guidesMapper;
  guidesMapper->SetInputData(m_guides);
  guidesMapper->ScalarVisibilityOff();
  m_guidesActor->SetMapper(guidesMapper);
  m_guidesActor->GetProperty()->SetColor(0.25, 0.25, 0.25);
  m_guidesActor->GetProperty()->LightingOff();
  m_guidesActor->VisibilityOff();
  m_renderer->AddActor(m_guidesActor);

  m_scalarBar->SetLookupTable(m_lookupTable);
  m_scalarBar->SetNumberOfLabels(5);
  m_scalarBar->SetLabelFormat("%-.3g");
  m_scalarBar->UnconstrainedFontSizeOn();
  m_scalarBar->SetBarRatio(0.3);
  m_scalarBar->DrawFrameOff();
  m_scalarBar->DrawBackgroundOff();
  styleVtkText(m_scalarBar->GetLabelTextProperty(), kLabelFontSize);
  styleVtkText(m_scalarBar->GetTitleTextProperty(), kLabelFontSize, true);
  m_scalarBar->GetLabelTextProperty()->SetJustificationToLeft();
  m_scalarBar->VisibilityOff();
  m_renderer->AddViewProp(m_scalarBar);

  styleVtkText(m_titleActor->GetTextProperty(), kTitleFontSize, true);
  m_titleActor->GetTextProperty()->SetJustificationToCentered();
  m_titleActor->GetTextProperty()->SetVerticalJustificationToTop();
  m_renderer->AddViewProp(m_titleActor);
  resetCamera();
}

SphereView::~SphereView() = default;

void SphereView::setFunction(const Eigen::MatrixXd& values, const QString& title, const QString& scalarTitle, bool reset)
{
  m_values = values;
  m_title = title;
  m_titleActor->SetInput(title.toStdString().c_str());
  m_scalarBar->SetTitle(scalarTitle.toStdString().c_str());
  buildMesh();
  if (reset) resetCamera();
  layoutChanged();
  requestRender();
}

void SphereView::buildMesh()
{
  const int nTheta = int(m_values.rows()), nPhi = int(m_values.cols());
  if (nTheta < 2 || nPhi < 3) {
    m_actor->VisibilityOff();
    m_guidesActor->VisibilityOff();
    m_scalarBar->VisibilityOff();
    return;
  }
  // Points: the grid, then the two poles; their value is the mean of the nearest row (the limit of
  // any smooth function there). Quads between rows, triangle fans to the poles, φ wraps around.
  vtkNew<vtkPoints> points;
  vtkNew<vtkFloatArray> normals;
  normals->SetNumberOfComponents(3);
  vtkNew<vtkDoubleArray> scalars;
  scalars->SetName("f");
  auto add = [&](const Eigen::Vector3d& x, double f) {
    points->InsertNextPoint(x.data());
    normals->InsertNextTuple3(x.x(), x.y(), x.z());
    scalars->InsertNextValue(f);
  };
  for (int i = 0; i < nTheta; ++i)
    for (int j = 0; j < nPhi; ++j) add(spherePoint(M_PI * (i + 0.5) / nTheta, 2 * M_PI * j / nPhi), m_values(i, j));
  const vtkIdType north = points->GetNumberOfPoints(), south = north + 1;
  add({0, 0, 1}, m_values.row(0).mean());
  add({0, 0, -1}, m_values.row(nTheta - 1).mean());
  vtkNew<vtkCellArray> polys;
  auto id = [nPhi](int i, int j) { return vtkIdType(i) * nPhi + ((j % nPhi) + nPhi) % nPhi; };
  for (int i = 0; i + 1 < nTheta; ++i)
    for (int j = 0; j < nPhi; ++j) {
      const vtkIdType quad[4] = {id(i, j), id(i + 1, j), id(i + 1, j + 1), id(i, j + 1)};
      polys->InsertNextCell(4, quad);
    }
  for (int j = 0; j < nPhi; ++j) {
    const vtkIdType top[3] = {north, id(0, j), id(0, j + 1)};
    const vtkIdType bottom[3] = {south, id(nTheta - 1, j + 1), id(nTheta - 1, j)};
    polys->InsertNextCell(3, top);
    polys->InsertNextCell(3, bottom);
  }
  m_mesh->Initialize();
  m_mesh->SetPoints(points);
  m_mesh->SetPolys(polys);
  m_mesh->GetPointData()->SetNormals(normals);
  m_mesh->GetPointData()->SetScalars(scalars);
  m_mesh->Modified();
  const double vmax = std::max(1e-300, m_values.cwiseAbs().maxCoeff());
  m_lookupTable->SetRange(-vmax, vmax);
  m_actor->VisibilityOn();
  m_scalarBar->VisibilityOn();

  // Guides just above the surface: the equator and the axis through the poles (orientation).
  vtkNew<vtkPoints> guidePoints;
  vtkNew<vtkCellArray> guideLines;
  const int segments = 180;
  for (int s = 0; s < segments; ++s) guidePoints->InsertNextPoint(1.004 * std::cos(2 * M_PI * s / segments), 1.004 * std::sin(2 * M_PI * s / segments), 0.0);
  for (int s = 0; s < segments; ++s) {
    const vtkIdType seg[2] = {s, (s + 1) % segments};
    guideLines->InsertNextCell(2, seg);
  }
  const vtkIdType a = guidePoints->InsertNextPoint(0, 0, 1.0), b = guidePoints->InsertNextPoint(0, 0, 1.25);
  const vtkIdType c = guidePoints->InsertNextPoint(0, 0, -1.0), d = guidePoints->InsertNextPoint(0, 0, -1.25);
  const vtkIdType up[2] = {a, b}, down[2] = {c, d};
  guideLines->InsertNextCell(2, up);
  guideLines->InsertNextCell(2, down);
  m_guides->Initialize();
  m_guides->SetPoints(guidePoints);
  m_guides->SetLines(guideLines);
  m_guides->Modified();
  m_guidesActor->VisibilityOn();
}

void SphereView::resetCamera()
{
  vtkCamera* camera = m_renderer->GetActiveCamera();
  const double az = 35.0 * M_PI / 180.0, el = 25.0 * M_PI / 180.0, distance = 5.2;
  camera->SetFocalPoint(0, 0, 0);
  camera->SetPosition(distance * std::cos(el) * std::cos(az), distance * std::cos(el) * std::sin(az), distance * std::sin(el));
  camera->SetViewUp(0, 0, 1);
  camera->SetViewAngle(30.0);
  m_renderer->ResetCameraClippingRange();
  requestRender();
}

void SphereView::layoutChanged()
{
  const QSize size = deviceSize();
  const double ratio = devicePixelRatioF();
  if (size.width() < 2 || size.height() < 2) return;
  const double width = size.width(), height = size.height();
  m_titleActor->SetDisplayPosition(int(width / 2), int(height - 10 * ratio));
  // Colour bar at the right edge, two thirds of the height; the sphere sits left of it.
  const double barWidth = 90.0 * ratio;
  m_scalarBar->SetPosition(1.0 - barWidth / width - 0.01, 0.18);
  m_scalarBar->SetPosition2(barWidth / width, 0.64);
  m_scalarBar->SetMaximumWidthInPixels(int(barWidth));
  // The top tick label is centred on the bar's end: keep the title a line above it, not touching.
  m_scalarBar->SetVerticalTitleSeparation(int(std::lround(kLabelFontSize * ratio)));
  // Shift the sphere left of the bar and below the title (the viewport stays whole: 2-D actors
  // outside a smaller viewport would be clipped).
  m_renderer->GetActiveCamera()->SetWindowCenter((barWidth + 10 * ratio) / width, 30.0 * ratio / height);
  styleVtkText(m_titleActor->GetTextProperty(), kTitleFontSize, true);
  m_titleActor->GetTextProperty()->SetJustificationToCentered();
  m_titleActor->GetTextProperty()->SetVerticalJustificationToTop();
  m_guidesActor->GetProperty()->SetLineWidth(float(1.5 * ratio));
}

bool SphereView::exportPng(const QString& path)
{
  const QImage image = renderImage();
  return !image.isNull() && image.save(path, "PNG");
}

} // namespace ntk::gui
