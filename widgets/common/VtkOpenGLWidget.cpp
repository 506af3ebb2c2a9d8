#include "widgets/common/VtkOpenGLWidget.h"

#include <QCursor>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QOpenGLContext>
#include <QOpenGLExtraFunctions>
#include <QSurfaceFormat>
#include <QTimer>
#include <QWheelEvent>

#include <vtkCommand.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkGenericRenderWindowInteractor.h>
#include <vtkInteractorStyleTrackballCamera.h>
#include <vtkNew.h>
#include <vtkOpenGLFramebufferObject.h>
#include <vtkOpenGLState.h>

#include <cmath>

namespace ntk::gui {

namespace {

// VTK's font sizes are in points at this many dots per inch (vtkWindow's default).
constexpr int kUnscaledDpi = 72;

const char* keySymFor(int qtKey)
{
  switch (qtKey) {
  case Qt::Key_Left: return "Left";
  case Qt::Key_Right: return "Right";
  case Qt::Key_Up: return "Up";
  case Qt::Key_Down: return "Down";
  case Qt::Key_Return: return "Return";
  case Qt::Key_Enter: return "KP_Enter";
  case Qt::Key_Escape: return "Escape";
  case Qt::Key_Delete: return "Delete";
  case Qt::Key_Backspace: return "BackSpace";
  case Qt::Key_Tab: return "Tab";
  case Qt::Key_Space: return "space";
  case Qt::Key_Home: return "Home";
  case Qt::Key_End: return "End";
  case Qt::Key_PageUp: return "Prior";
  case Qt::Key_PageDown: return "Next";
  case Qt::Key_Shift: return "Shift_L";
  case Qt::Key_Control: return "Control_L";
  case Qt::Key_Alt: return "Alt_L";
  case Qt::Key_Plus: return "plus";
  case Qt::Key_Minus: return "minus";
  default: return nullptr;
  }
}

} // namespace

VtkOpenGLWidget::VtkOpenGLWidget(QWidget* parent)
  : QOpenGLWidget(parent)
  , m_renderWindow(vtkSmartPointer<vtkGenericOpenGLRenderWindow>::New())
  , m_interactor(vtkSmartPointer<vtkGenericRenderWindowInteractor>::New())
{
  setFocusPolicy(Qt::StrongFocus);
  setMouseTracking(true);
  // VTK redraws the whole frame every time; partial updates would only add a copy.
  setUpdateBehavior(QOpenGLWidget::NoPartialUpdate);

  // No rendering until Qt has given us a context (initializeGL); NoBlit because paintGL copies
  // VTK's display framebuffer into Qt's FBO itself.
  m_renderWindow->SetReadyForRendering(false);
  m_renderWindow->SetFrameBlitModeToNoBlit();
  m_renderWindow->SetOwnContext(0);
  // VTK defaults to 8× MSAA framebuffers. On software GL (Mesa llvmpipe, the usual case on machines
  // without a GPU) that is most of the frame time (heatmap 30 ms → 6 ms, chart 37 ms → 5 ms) for
  // little visible gain on images, text and 2-D lines. Subclasses may raise it.
  m_renderWindow->SetMultiSamples(0);
  m_renderWindow->SetInteractor(m_interactor);
  m_interactor->SetRenderWindow(m_renderWindow);
  // Our QTimers repeat natively; VTK must not destroy and recreate them on every tick.
  m_interactor->TimerEventResetsTimerOff();

  vtkNew<vtkInteractorStyleTrackballCamera> style;
  m_interactor->SetInteractorStyle(style);

  m_renderWindowObservers.push_back(m_renderWindow->AddObserver(
    vtkCommand::WindowMakeCurrentEvent, this, &VtkOpenGLWidget::onMakeCurrent));
  m_renderWindowObservers.push_back(m_renderWindow->AddObserver(
    vtkCommand::WindowIsCurrentEvent, this, &VtkOpenGLWidget::onIsCurrent));
  m_renderWindowObservers.push_back(
    m_renderWindow->AddObserver(vtkCommand::WindowFrameEvent, this, &VtkOpenGLWidget::onFrame));
  m_renderWindowObservers.push_back(m_renderWindow->AddObserver(
    vtkCommand::CursorChangedEvent, this, &VtkOpenGLWidget::onCursorChanged));
  m_renderWindowObservers.push_back(
    m_renderWindow->AddObserver(vtkCommand::StartEvent, this, &VtkOpenGLWidget::onRenderStart));
  m_renderWindowObservers.push_back(
    m_renderWindow->AddObserver(vtkCommand::EndEvent, this, &VtkOpenGLWidget::onRenderEnd));
  m_interactorObservers.push_back(m_interactor->AddObserver(
    vtkCommand::CreateTimerEvent, this, &VtkOpenGLWidget::onCreateTimer));
  m_interactorObservers.push_back(m_interactor->AddObserver(
    vtkCommand::DestroyTimerEvent, this, &VtkOpenGLWidget::onDestroyTimer));
}

VtkOpenGLWidget::~VtkOpenGLWidget()
{
  // The context must be current while VTK frees its textures and buffers.
  if (m_graphicsReady) {
    makeCurrent();
    releaseGraphics();
    doneCurrent();
  }
  for (unsigned long id : m_renderWindowObservers) {
    m_renderWindow->RemoveObserver(id);
  }
  for (unsigned long id : m_interactorObservers) {
    m_interactor->RemoveObserver(id);
  }
  // Timers are QObject children of this widget; just make sure none fires into VTK any more.
  for (QTimer* timer : std::as_const(m_timers)) {
    timer->stop();
  }
  m_timers.clear();
}

QSurfaceFormat VtkOpenGLWidget::defaultSurfaceFormat()
{
  QSurfaceFormat format;
  format.setRenderableType(QSurfaceFormat::OpenGL);
  format.setVersion(3, 2);
  format.setProfile(QSurfaceFormat::CoreProfile);
  format.setSwapBehavior(QSurfaceFormat::DoubleBuffer);
  format.setRedBufferSize(8);
  format.setGreenBufferSize(8);
  format.setBlueBufferSize(8);
  format.setAlphaBufferSize(8);
  format.setDepthBufferSize(24);
  format.setStencilBufferSize(0);
  // VTK multisamples in its own framebuffers when asked to; the context needs none.
  format.setSamples(0);
  return format;
}

void VtkOpenGLWidget::setDefaultSurfaceFormat()
{
  QSurfaceFormat::setDefaultFormat(defaultSurfaceFormat());
}

vtkGenericOpenGLRenderWindow* VtkOpenGLWidget::renderWindow() const
{
  return m_renderWindow;
}

vtkGenericRenderWindowInteractor* VtkOpenGLWidget::interactor() const
{
  return m_interactor;
}

bool VtkOpenGLWidget::isGraphicsReady() const
{
  return m_graphicsReady;
}

void VtkOpenGLWidget::setVtkInputEnabled(bool enabled)
{
  m_vtkInputEnabled = enabled;
}

void VtkOpenGLWidget::requestRender()
{
  m_vtkRenderPending = true;
  update();
}

void VtkOpenGLWidget::renderNow()
{
  if (!m_graphicsReady || !isVisible()) {
    requestRender();
    return;
  }
  // Render() makes the context current through onMakeCurrent; the resulting Frame event
  // schedules the blit (update()), so the render ends on screen.
  m_renderWindow->Render();
}

QImage VtkOpenGLWidget::renderImage()
{
  m_vtkRenderPending = true;
  // grabFramebuffer runs initializeGL/paintGL as needed and reads back Qt's FBO.
  return grabFramebuffer();
}

QSize VtkOpenGLWidget::deviceSize() const
{
  const double ratio = devicePixelRatioF();
  return QSize(std::max(1, static_cast<int>(std::lround(width() * ratio))),
    std::max(1, static_cast<int>(std::lround(height() * ratio))));
}

void VtkOpenGLWidget::initializeGL()
{
  // A context can be recreated (e.g. the widget moved to another top-level window); VTK's objects
  // from the old context are released in releaseGraphics, then rebuilt here.
  m_context = context();
  m_surface = m_context ? m_context->surface() : nullptr;
  if (!m_context || !m_surface) {
    return;
  }
  connect(m_context, &QOpenGLContext::aboutToBeDestroyed, this, &VtkOpenGLWidget::releaseGraphics,
    static_cast<Qt::ConnectionType>(Qt::UniqueConnection | Qt::DirectConnection));

  vtkOpenGLState* state = m_renderWindow->GetState();
  state->Reset();
  // Qt leaves GL_LESS; VTK's passes assume GL_LEQUAL.
  state->vtkglDepthFunc(GL_LEQUAL);

  m_renderWindow->SetForceMaximumHardwareLineWidth(1);
  m_renderWindow->SetReadyForRendering(true);
  m_renderWindow->OpenGLInitContext();
  m_graphicsReady = true;
  updateVtkSize();
  if (!m_interactor->GetInitialized()) {
    // Initialize() starts and ends a frame on the render window, so it needs the context.
    m_interactor->Initialize();
  }
  m_vtkRenderPending = true;
  emit graphicsInitialized();
}

void VtkOpenGLWidget::releaseGraphics()
{
  if (!m_graphicsReady) {
    return;
  }
  // Qt does not promise the dying context is current during aboutToBeDestroyed; VTK needs it to
  // free its textures and buffers.
  if (m_context && m_surface) {
    m_context->makeCurrent(m_surface);
  }
  m_renderWindow->Finalize();
  m_renderWindow->SetReadyForRendering(false);
  m_graphicsReady = false;
  m_context = nullptr;
  m_surface = nullptr;
}

void VtkOpenGLWidget::resizeGL(int, int)
{
  updateVtkSize();
}

void VtkOpenGLWidget::updateVtkSize()
{
  const QSize size = deviceSize();
  // UpdateSize resizes the render window too and keeps the interactor's y-flip in sync.
  m_interactor->UpdateSize(size.width(), size.height());
  m_renderWindow->SetSize(size.width(), size.height());
  m_renderWindow->SetDPI(static_cast<int>(std::lround(kUnscaledDpi * devicePixelRatioF())));
  layoutChanged();
  m_vtkRenderPending = true;
}

void VtkOpenGLWidget::paintGL()
{
  QOpenGLExtraFunctions* gl = QOpenGLContext::currentContext()->extraFunctions();
  if (!m_graphicsReady) {
    gl->glClearColor(1.0f, 1.0f, 1.0f, 1.0f);
    gl->glClear(GL_COLOR_BUFFER_BIT);
    return;
  }
  if (m_renderWindow->GetSize()[0] != deviceSize().width()
    || m_renderWindow->GetSize()[1] != deviceSize().height()) {
    updateVtkSize();
  }

  // Qt changed GL state behind VTK's cache since the last frame: resync, and restore Qt's on exit.
  vtkOpenGLState* state = m_renderWindow->GetState();
  state->Reset();
  state->Push();
  state->vtkglDepthFunc(GL_LEQUAL);
  if (m_vtkRenderPending) {
    m_inPaint = true;
    m_renderWindow->Render();
    m_inPaint = false;
    m_vtkRenderPending = false;
  }
  // A render can trigger other widgets' updates that switch contexts; here (outside VTK's render)
  // rebinding Qt's context and FBO is safe and required for the blit.
  makeCurrent();
  blitToDefaultFramebuffer();
  state->Pop();
}

void VtkOpenGLWidget::blitToDefaultFramebuffer()
{
  QOpenGLExtraFunctions* gl = m_context->extraFunctions();
  gl->glBindFramebuffer(GL_DRAW_FRAMEBUFFER, defaultFramebufferObject());
  const GLenum drawBuffers[1] = {GL_COLOR_ATTACHMENT0};
  gl->glDrawBuffers(1, drawBuffers);

  const GLboolean scissorWasOn = gl->glIsEnabled(GL_SCISSOR_TEST);
  if (scissorWasOn == GL_TRUE) {
    m_renderWindow->GetState()->vtkglDisable(GL_SCISSOR_TEST);
    gl->glDisable(GL_SCISSOR_TEST);
  }
  const int* sourceSize = m_renderWindow->GetRenderFramebuffer()->GetLastSize();
  const QSize target = deviceSize();
  m_renderWindow->BlitDisplayFramebuffer(0, 0, 0, sourceSize[0], sourceSize[1], 0, 0,
    target.width(), target.height(), GL_COLOR_BUFFER_BIT, GL_LINEAR);

  // Force opaque alpha: with an alpha channel, Mesa and macOS would blend the widget with
  // whatever lies behind the window.
  GLboolean colorMask[4];
  gl->glGetBooleanv(GL_COLOR_WRITEMASK, colorMask);
  GLfloat clearColor[4];
  gl->glGetFloatv(GL_COLOR_CLEAR_VALUE, clearColor);
  GLint viewport[4];
  gl->glGetIntegerv(GL_VIEWPORT, viewport);
  gl->glColorMask(GL_FALSE, GL_FALSE, GL_FALSE, GL_TRUE);
  gl->glClearColor(0.0f, 0.0f, 0.0f, 1.0f);
  gl->glViewport(0, 0, target.width(), target.height());
  gl->glClear(GL_COLOR_BUFFER_BIT);
  gl->glColorMask(colorMask[0], colorMask[1], colorMask[2], colorMask[3]);
  gl->glClearColor(clearColor[0], clearColor[1], clearColor[2], clearColor[3]);
  gl->glViewport(viewport[0], viewport[1], viewport[2], viewport[3]);

  if (scissorWasOn == GL_TRUE) {
    m_renderWindow->GetState()->vtkglEnable(GL_SCISSOR_TEST);
    gl->glEnable(GL_SCISSOR_TEST);
  }
}

void VtkOpenGLWidget::onMakeCurrent(vtkObject*, unsigned long, void*)
{
  // Only the context: QOpenGLWidget::makeCurrent() would also bind Qt's FBO behind VTK's cached
  // framebuffer state, and VTK calls this dozens of times per frame (PLATFORM.md).
  if (!m_context || !m_surface) {
    return;
  }
  QOpenGLContext* current = QOpenGLContext::currentContext();
  if (current != m_context || current->surface() != m_surface) {
    m_context->makeCurrent(m_surface);
  }
}

void VtkOpenGLWidget::onIsCurrent(vtkObject*, unsigned long, void* callData)
{
  bool& isCurrent = *static_cast<bool*>(callData);
  QOpenGLContext* current = QOpenGLContext::currentContext();
  isCurrent = m_context && current == m_context && current->surface() == m_surface;
}

void VtkOpenGLWidget::onFrame(vtkObject*, unsigned long, void*)
{
  // A double-buffered render that did not swap (e.g. an offscreen capture) is not meant for the
  // screen.
  if (m_renderWindow->GetDoubleBuffer() && !m_renderWindow->GetSwapBuffers()) {
    return;
  }
  m_vtkRenderPending = false;
  if (!m_inPaint) {
    // A render outside paintGL (interaction, timer, renderNow): show it through the next paint.
    update();
  }
}

void VtkOpenGLWidget::onRenderStart(vtkObject*, unsigned long, void*)
{
  // Renders outside paintGL (renderNow, interaction, VTK timers): Qt may have rebound its FBO or
  // changed the viewport since VTK last looked, and VTK skips GL calls its cache thinks redundant.
  // paintGL does the same resync itself.
  if (m_inPaint || !m_graphicsReady) {
    return;
  }
  onMakeCurrent(nullptr, 0, nullptr);
  vtkOpenGLState* state = m_renderWindow->GetState();
  state->Reset();
  state->Push();
  state->vtkglDepthFunc(GL_LEQUAL);
  m_statePushedOutsidePaint = true;
}

void VtkOpenGLWidget::onRenderEnd(vtkObject*, unsigned long, void*)
{
  if (m_statePushedOutsidePaint) {
    m_renderWindow->GetState()->Pop();
    m_statePushedOutsidePaint = false;
  }
}

void VtkOpenGLWidget::onCursorChanged(vtkObject*, unsigned long, void* callData)
{
  switch (*static_cast<int*>(callData)) {
  case VTK_CURSOR_CROSSHAIR: setCursor(Qt::CrossCursor); break;
  case VTK_CURSOR_SIZEALL: setCursor(Qt::SizeAllCursor); break;
  case VTK_CURSOR_SIZENS: setCursor(Qt::SizeVerCursor); break;
  case VTK_CURSOR_SIZEWE: setCursor(Qt::SizeHorCursor); break;
  case VTK_CURSOR_SIZENE:
  case VTK_CURSOR_SIZESW: setCursor(Qt::SizeBDiagCursor); break;
  case VTK_CURSOR_SIZENW:
  case VTK_CURSOR_SIZESE: setCursor(Qt::SizeFDiagCursor); break;
  case VTK_CURSOR_HAND: setCursor(Qt::PointingHandCursor); break;
  default: unsetCursor(); break;
  }
}

void VtkOpenGLWidget::onCreateTimer(vtkObject*, unsigned long, void*)
{
  const int vtkTimerId = m_interactor->GetTimerEventId();
  const bool oneShot = m_interactor->GetTimerEventType() == vtkRenderWindowInteractor::OneShotTimer;
  const int platformId = m_nextTimerPlatformId++;

  auto* timer = new QTimer(this);
  timer->setSingleShot(oneShot);
  timer->setInterval(m_interactor->GetTimerEventDuration());
  timer->setTimerType(Qt::PreciseTimer);
  connect(timer, &QTimer::timeout, this, [this, vtkTimerId, oneShot] {
    int id = vtkTimerId;
    m_interactor->InvokeEvent(vtkCommand::TimerEvent, &id);
    if (oneShot) {
      // VTK forgets the timer; its DestroyTimerEvent lands in onDestroyTimer, which frees ours.
      m_interactor->DestroyTimer(id);
    }
  });
  m_timers.insert(platformId, timer);
  timer->start();
  m_interactor->SetTimerEventPlatformId(platformId);
}

void VtkOpenGLWidget::onDestroyTimer(vtkObject*, unsigned long, void*)
{
  if (QTimer* timer = m_timers.take(m_interactor->GetTimerEventPlatformId())) {
    timer->stop();
    // It may be inside its own timeout() right now.
    timer->deleteLater();
  }
}

void VtkOpenGLWidget::setEventInformation(const QPointF& position,
  Qt::KeyboardModifiers modifiers, int repeat, char keyCode, const char* keySym)
{
  // VTK works in device pixels with y up; Qt events come in logical pixels with y down.
  const double ratio = devicePixelRatioF();
  const int x = static_cast<int>(std::lround(position.x() * ratio));
  const int y = static_cast<int>(std::lround(position.y() * ratio));
  m_interactor->SetEventInformationFlipY(x, y, (modifiers & Qt::ControlModifier) ? 1 : 0,
    (modifiers & Qt::ShiftModifier) ? 1 : 0, keyCode, repeat, keySym);
  m_interactor->SetAltKey((modifiers & Qt::AltModifier) ? 1 : 0);
}

void VtkOpenGLWidget::forwardPress(QMouseEvent* event, int repeat)
{
  if (!m_vtkInputEnabled) {
    return;
  }
  setEventInformation(event->position(), event->modifiers(), repeat);
  switch (event->button()) {
  case Qt::LeftButton: m_interactor->InvokeEvent(vtkCommand::LeftButtonPressEvent, event); break;
  case Qt::MiddleButton: m_interactor->InvokeEvent(vtkCommand::MiddleButtonPressEvent, event); break;
  case Qt::RightButton: m_interactor->InvokeEvent(vtkCommand::RightButtonPressEvent, event); break;
  default: break;
  }
}

void VtkOpenGLWidget::mousePressEvent(QMouseEvent* event) { forwardPress(event, 0); }

// VTK recognises a double click as a press with repeat count 1.
void VtkOpenGLWidget::mouseDoubleClickEvent(QMouseEvent* event) { forwardPress(event, 1); }

void VtkOpenGLWidget::mouseReleaseEvent(QMouseEvent* event)
{
  if (!m_vtkInputEnabled) {
    return;
  }
  setEventInformation(event->position(), event->modifiers(), 0);
  switch (event->button()) {
  case Qt::LeftButton: m_interactor->InvokeEvent(vtkCommand::LeftButtonReleaseEvent, event); break;
  case Qt::MiddleButton:
    m_interactor->InvokeEvent(vtkCommand::MiddleButtonReleaseEvent, event);
    break;
  case Qt::RightButton: m_interactor->InvokeEvent(vtkCommand::RightButtonReleaseEvent, event); break;
  default: break;
  }
}

void VtkOpenGLWidget::mouseMoveEvent(QMouseEvent* event)
{
  if (!m_vtkInputEnabled) {
    return;
  }
  setEventInformation(event->position(), event->modifiers(), 0);
  m_interactor->InvokeEvent(vtkCommand::MouseMoveEvent, event);
}

void VtkOpenGLWidget::wheelEvent(QWheelEvent* event)
{
  if (!m_vtkInputEnabled) {
    event->ignore();
    return;
  }
  setEventInformation(event->position(), event->modifiers(), 0);
  const int delta = event->angleDelta().y();
  if (delta > 0) {
    m_interactor->InvokeEvent(vtkCommand::MouseWheelForwardEvent, event);
  } else if (delta < 0) {
    m_interactor->InvokeEvent(vtkCommand::MouseWheelBackwardEvent, event);
  }
  event->accept();
}

char VtkOpenGLWidget::setKeyEventInformation(QKeyEvent* event)
{
  const QByteArray text = event->text().toLatin1();
  const char keyCode = text.isEmpty() ? 0 : text.at(0);
  const char* keySym = keySymFor(event->key());
  const QByteArray textSym = text.left(1);
  setEventInformation(mapFromGlobal(QCursor::pos()), event->modifiers(), event->isAutoRepeat() ? 1 : 0, keyCode,
    keySym ? keySym : textSym.constData());
  return keyCode;
}

void VtkOpenGLWidget::keyPressEvent(QKeyEvent* event)
{
  if (!m_vtkInputEnabled) {
    QOpenGLWidget::keyPressEvent(event);
    return;
  }
  const char keyCode = setKeyEventInformation(event);
  m_interactor->InvokeEvent(vtkCommand::KeyPressEvent, event);
  if (keyCode != 0) {
    m_interactor->InvokeEvent(vtkCommand::CharEvent, event);
  }
}

void VtkOpenGLWidget::keyReleaseEvent(QKeyEvent* event)
{
  if (!m_vtkInputEnabled) {
    QOpenGLWidget::keyReleaseEvent(event);
    return;
  }
  setKeyEventInformation(event);
  m_interactor->InvokeEvent(vtkCommand::KeyReleaseEvent, event);
}

void VtkOpenGLWidget::enterEvent(QEnterEvent* event)
{
  if (m_vtkInputEnabled) {
    setEventInformation(event->position(), event->modifiers(), 0);
    m_interactor->InvokeEvent(vtkCommand::EnterEvent, event);
  }
  QOpenGLWidget::enterEvent(event);
}

void VtkOpenGLWidget::leaveEvent(QEvent* event)
{
  if (m_vtkInputEnabled) {
    m_interactor->InvokeEvent(vtkCommand::LeaveEvent, event);
  }
  QOpenGLWidget::leaveEvent(event);
}

} // namespace ntk::gui
