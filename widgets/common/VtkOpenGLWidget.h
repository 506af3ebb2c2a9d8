// VtkOpenGLWidget — hosts a VTK render window inside a Qt 6 QOpenGLWidget.
// In: VTK props added by subclasses to renderWindow(); Qt mouse, wheel, key and resize events.
// Out: VTK's rendering blitted into the widget's framebuffer; VTK interaction driven by Qt events
// (positions in device pixels, so HiDPI works) and VTK timers driven by QTimers.
// Debian's QVTKOpenGLNativeWidget is built for Qt 5; this is the same design rebuilt for Qt 6
// (PLATFORM.md, "VTK inside Qt 6"). GUI thread only.
#pragma once

#include <QHash>
#include <QImage>
#include <QOpenGLWidget>
#include <QPointer>

#include <vtkSmartPointer.h>

#include <vector>

class QOpenGLContext;
class QSurface;
class QTimer;
class vtkGenericOpenGLRenderWindow;
class vtkGenericRenderWindowInteractor;
class vtkObject;

namespace ntk::gui {

class VtkOpenGLWidget : public QOpenGLWidget {
  Q_OBJECT

public:
  explicit VtkOpenGLWidget(QWidget* parent = nullptr);
  ~VtkOpenGLWidget() override;

  // The surface format VTK needs (OpenGL 3.2 core, 8-bit RGBA, depth 24, no multisampling).
  static QSurfaceFormat defaultSurfaceFormat();
  // Installs defaultSurfaceFormat() as Qt's default. Call before the QApplication is constructed.
  static void setDefaultSurfaceFormat();

  vtkGenericOpenGLRenderWindow* renderWindow() const;
  vtkGenericRenderWindowInteractor* interactor() const;

  // Marks the VTK scene dirty and schedules a repaint; many calls before the next frame cost one
  // render. Safe before the widget is shown (the first paint renders).
  void requestRender();
  // Renders the VTK scene now if OpenGL is ready (else behaves like requestRender()); the frame
  // reaches the screen through update(). Use it to measure render cost.
  void renderNow();
  // True once initializeGL has run and VTK owns a valid context.
  bool isGraphicsReady() const;

  // The current view as an image (device pixels), rendered afresh. Returns a null QImage if no
  // OpenGL context can be created for the widget (e.g. it has no native window yet).
  QImage renderImage();

  // When false, Qt input events are no longer forwarded to the VTK interactor (subclasses that
  // interpret the mouse themselves, e.g. the heatmap, turn it off).
  void setVtkInputEnabled(bool enabled);

signals:
  // Emitted after VTK has its OpenGL context (first show, or after the context was recreated).
  void graphicsInitialized();

protected:
  void initializeGL() override;
  void resizeGL(int width, int height) override;
  void paintGL() override;

  void forwardPress(QMouseEvent* event, int repeat);
  /// Key, key symbol and modifiers of a Qt key event into the interactor; returns the ASCII key code.
  char setKeyEventInformation(QKeyEvent* event);
  void mousePressEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;
  void keyReleaseEvent(QKeyEvent* event) override;
  void enterEvent(QEnterEvent* event) override;
  void leaveEvent(QEvent* event) override;

  // Size of the VTK render window in device pixels (widget size × devicePixelRatioF).
  QSize deviceSize() const;
  // Called after the render window size or DPI changed; subclasses re-layout 2-D overlays here.
  virtual void layoutChanged() {}

private:
  void onMakeCurrent(vtkObject* caller, unsigned long eventId, void* callData);
  void onIsCurrent(vtkObject* caller, unsigned long eventId, void* callData);
  void onFrame(vtkObject* caller, unsigned long eventId, void* callData);
  void onCreateTimer(vtkObject* caller, unsigned long eventId, void* callData);
  void onDestroyTimer(vtkObject* caller, unsigned long eventId, void* callData);
  void onCursorChanged(vtkObject* caller, unsigned long eventId, void* callData);
  void onRenderStart(vtkObject* caller, unsigned long eventId, void* callData);
  void onRenderEnd(vtkObject* caller, unsigned long eventId, void* callData);
  void releaseGraphics();
  void updateVtkSize();
  void blitToDefaultFramebuffer();
  void setEventInformation(const QPointF& position, Qt::KeyboardModifiers modifiers, int repeat,
    char keyCode = 0, const char* keySym = nullptr);

  vtkSmartPointer<vtkGenericOpenGLRenderWindow> m_renderWindow;
  vtkSmartPointer<vtkGenericRenderWindowInteractor> m_interactor;
  std::vector<unsigned long> m_renderWindowObservers;
  std::vector<unsigned long> m_interactorObservers;

  QPointer<QOpenGLContext> m_context;
  QSurface* m_surface = nullptr;
  bool m_graphicsReady = false;
  // Set when the scene changed since the last VTK render; paintGL then renders before blitting.
  bool m_vtkRenderPending = true;
  bool m_inPaint = false;
  // A render outside paintGL pushed VTK's GL state and must pop it when it ends.
  bool m_statePushedOutsidePaint = false;
  bool m_vtkInputEnabled = true;

  // VTK's platform timer ids → the QTimers standing in for them.
  QHash<int, QTimer*> m_timers;
  int m_nextTimerPlatformId = 1;
};

} // namespace ntk::gui
