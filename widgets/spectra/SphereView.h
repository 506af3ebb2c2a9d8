// SphereView — a function on the unit sphere S² drawn as a coloured, rotatable 3-D sphere (VTK).
// In: values on a latitude–longitude grid (nTheta by nPhi: polar angle θ_i = π(i+½)/nTheta, azimuth
// φ_j = 2πj/nPhi — the layout of ntk::sphereLatLongGrid), a title, a colour-bar title.
// Out: the sphere coloured with a diverging map symmetric about 0 (blue < 0 < red), a scalar bar,
// the equator and the poles marked; the mouse rotates it (trackball camera: left drag rotates,
// wheel/right drag zooms, middle drag pans). PNG export; paintFigure() is the QPainter twin for
// SVG export and the headless demo. GUI thread only.
#pragma once

#include "widgets/common/VtkOpenGLWidget.h"

#include <Eigen/Dense>

#include <QString>

class vtkActor;
class vtkLookupTable;
class vtkPolyData;
class vtkRenderer;
class vtkScalarBarActor;
class vtkTextActor;

namespace ntk::gui {

class SphereView : public VtkOpenGLWidget {
  Q_OBJECT

public:
  explicit SphereView(QWidget* parent = nullptr);
  ~SphereView() override;

  /// Shows [in] values (nTheta by nPhi, nTheta ≥ 2, nPhi ≥ 3). The camera is kept unless `resetCamera`.
  void setFunction(const Eigen::MatrixXd& values, const QString& title, const QString& scalarTitle,
                   bool resetCamera = false);
  const Eigen::MatrixXd& values() const { return m_values; }
  QString title() const { return m_title; }
  /// Looks at the sphere from azimuth 35°, elevation 25° (the figure's view), z up.
  void resetCamera();

  bool exportPng(const QString& path);

protected:
  void layoutChanged() override;

private:
  void buildMesh();

  Eigen::MatrixXd m_values;
  QString m_title;
  int m_meshTheta = 0, m_meshPhi = 0;

  vtkSmartPointer<vtkRenderer> m_renderer;
  vtkSmartPointer<vtkPolyData> m_mesh;
  vtkSmartPointer<vtkActor> m_actor;
  vtkSmartPointer<vtkPolyData> m_guides;
  vtkSmartPointer<vtkActor> m_guidesActor;
  vtkSmartPointer<vtkLookupTable> m_lookupTable;
  vtkSmartPointer<vtkScalarBarActor> m_scalarBar;
  vtkSmartPointer<vtkTextActor> m_titleActor;
};

} // namespace ntk::gui
