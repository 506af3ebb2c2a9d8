// ntk-studio — the GUI. With a display: the window. Without one (or with --demo DIR): the headless
// demo, which writes figures and a report. `--screenshot out.png [--network NET.json] [--panel NAME]
// [--size WxH]` renders the window once the views are computed, saves it and exits (tests, README).
// The command line is read before any Q*Application exists, so --help and --version work without a
// display, and --screenshot without one says how to run it (xvfb-run) instead of aborting in Qt.
#include <cstdio>
#include <cstdlib>
#include <optional>

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QGuiApplication>
#include <QIcon>
#include <QRegularExpression>
#include <QSize>
#include <QTimer>

#include "HeadlessDemo.h"
#include "widgets/dynamics/DynamicsPanel.h"
#include "widgets/image/ImagePanel.h"
#include "widgets/window/MainWindow.h"
#include "widgets/common/VtkOpenGLWidget.h"

#ifndef NTK_VERSION
#error "NTK_VERSION (the CMake project version) must be defined by the build"
#endif

namespace {

constexpr int kMinWidth = 1024, kMinHeight = 700, kMaxSide = 16384; // the smallest the layout is made for

bool hasDisplay()
{
  return !qEnvironmentVariableIsEmpty("DISPLAY") || !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY");
}

bool argPresent(int argc, char** argv, const char* name)
{
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]) == name) return true;
  return false;
}

/// Every option of every mode, so that one --help lists them all.
void addOptions(QCommandLineParser& parser)
{
  parser.setApplicationDescription(
      QStringLiteral("NTK Studio — build networks, see their NNGP and NTK.\n"
                     "Without a display (DISPLAY and WAYLAND_DISPLAY unset), or with --demo DIR, it writes the\n"
                     "headless demo (figures and a report) instead of opening the window."));
  parser.addHelpOption();
  parser.addVersionOption();
  const QString panels = ntk::gui::MainWindow::panelNameList().join(QStringLiteral(", "));
  parser.addOptions({
      {QStringLiteral("screenshot"),
       QStringLiteral("Render the window to FILE (PNG) once its views are computed, and exit. Needs a display: "
                      "xvfb-run -a -s '-screen 0 1920x1080x24' ntk-studio --screenshot FILE"),
       QStringLiteral("FILE")},
      {QStringLiteral("network"), QStringLiteral("Open the network JSON FILE."), QStringLiteral("FILE")},
      {QStringLiteral("panel"),
       QStringLiteral("Show panel NAME: %1 (or dynamics-networks: the dynamics panel training real networks).").arg(panels),
       QStringLiteral("NAME")},
      {QStringLiteral("size"),
       QStringLiteral("Window size in pixels, e.g. 1024x700 or 1920x1080 (at least %1x%2); for --screenshot.")
           .arg(kMinWidth)
           .arg(kMinHeight),
       QStringLiteral("WxH")},
      {QStringLiteral("demo"),
       QStringLiteral("Write the headless demo to DIR and exit (the default without a display, DIR ntk-demo-output)."),
       QStringLiteral("DIR")},
  });
}

/// "1024x700" → the size; otherwise nullopt and the reason in `error`.
std::optional<QSize> parseSize(const QString& text, QString* error)
{
  static const QRegularExpression form(QStringLiteral("^([0-9]{1,6})[xX]([0-9]{1,6})$"));
  const QRegularExpressionMatch m = form.match(text);
  if (!m.hasMatch()) {
    *error = QStringLiteral("--size must look like WIDTHxHEIGHT, e.g. 1024x700 (got '%1')").arg(text);
    return std::nullopt;
  }
  const QSize size(m.captured(1).toInt(), m.captured(2).toInt());
  if (size.width() < kMinWidth || size.height() < kMinHeight) {
    *error = QStringLiteral("--size %1 is smaller than %2x%3, the smallest window the panels are laid out for")
                 .arg(text)
                 .arg(kMinWidth)
                 .arg(kMinHeight);
    return std::nullopt;
  }
  if (size.width() > kMaxSide || size.height() > kMaxSide) {
    *error = QStringLiteral("--size %1 is larger than %2x%2").arg(text).arg(kMaxSide);
    return std::nullopt;
  }
  return size;
}

/// Help text without an application object: Qt then names the program "<executable_name>".
void printHelp(const QCommandLineParser& parser)
{
  QString text = parser.helpText();
  text.replace(QStringLiteral("<executable_name>"), QStringLiteral("ntk-studio"));
  std::fputs(qPrintable(text), stdout);
}

/// QCommandLineParser::process, except that an unknown option exits 2 like every other refusal (process
/// exits 1). Returns −1 to go on, else the exit code.
int parseOrRefuse(QCommandLineParser& parser, const QCoreApplication& app)
{
  if (!parser.parse(QCoreApplication::arguments())) {
    std::fprintf(stderr, "ntk-studio: %s (see --help)\n", qPrintable(parser.errorText()));
    return 2;
  }
  if (parser.isSet(QStringLiteral("help")) || parser.isSet(QStringLiteral("help-all"))) {
    printHelp(parser);
    return 0;
  }
  if (parser.isSet(QStringLiteral("version"))) {
    std::printf("ntk-studio %s\n", NTK_VERSION);
    return 0;
  }
  Q_UNUSED(app);
  return -1;
}

int runDemo(int argc, char** argv)
{
  // No OpenGL in the demo: QPainter figures under the offscreen platform.
  qputenv("QT_QPA_PLATFORM", "offscreen");
  QGuiApplication app(argc, argv);
  QCommandLineParser parser;
  addOptions(parser);
  if (const int rc = parseOrRefuse(parser, app); rc >= 0) return rc;
  if (parser.isSet(QStringLiteral("size"))) {
    std::fprintf(stderr, "ntk-studio: --size applies to the window (--screenshot), not to the headless demo\n");
    return 2;
  }
  const QString out = parser.isSet(QStringLiteral("demo")) ? parser.value(QStringLiteral("demo"))
                                                           : QStringLiteral("ntk-demo-output");
  if (!hasDisplay()) std::printf("No display found: running the headless demo instead of the window.\n");
  return ntk::app::runHeadlessDemo(out);
}

/// Saves the window once its views are computed, then quits with 0 (2 when the file cannot be written).
void scheduleScreenshot(ntk::gui::MainWindow& window, const QString& path, std::optional<QSize> requested)
{
  QTimer::singleShot(0, &window, [&window, path, requested] {
    if (!window.waitUntilIdle(60000)) std::fprintf(stderr, "ntk-studio: views still computing after 60 s\n");
    // Let the views render their last frame before grabbing.
    for (int i = 0; i < 5; ++i) QApplication::processEvents(QEventLoop::AllEvents, 20);
    const QImage img = window.grab().toImage();
    if (img.isNull() || !img.save(path)) {
      std::fprintf(stderr, "ntk-studio: could not write %s\n", qPrintable(path));
      QCoreApplication::exit(2);
      return;
    }
    if (requested && window.size() != *requested)
      std::fprintf(stderr, "ntk-studio: warning: asked for --size %dx%d, the window is %dx%d (its minimum size)\n",
                   requested->width(), requested->height(), window.width(), window.height());
    std::printf("ntk-studio: wrote %s (%dx%d)\n", qPrintable(path), img.width(), img.height());
    QCoreApplication::exit(0);
  });
}

int runWindow(int argc, char** argv)
{
  // Debian's VTK uses GLX-only GLEW: force the xcb platform unless the user chose one.
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "xcb");
  ntk::gui::VtkOpenGLWidget::setDefaultSurfaceFormat();
  QApplication app(argc, argv);
  QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/ntk-studio.svg")));
  QCommandLineParser parser;
  addOptions(parser);
  // Again, now that QApplication took its own options (-platform, -style, …).
  if (const int rc = parseOrRefuse(parser, app); rc >= 0) return rc;
  const bool screenshot = parser.isSet(QStringLiteral("screenshot"));
  std::optional<QSize> size;
  if (parser.isSet(QStringLiteral("size"))) {
    QString err;
    size = parseSize(parser.value(QStringLiteral("size")), &err);
    if (!size) {
      std::fprintf(stderr, "ntk-studio: %s\n", qPrintable(err));
      return 2;
    }
  }

  ntk::gui::MainWindow window;
  if (parser.isSet(QStringLiteral("network"))) {
    QString err;
    if (!window.openNetwork(parser.value(QStringLiteral("network")), &err, screenshot)) {
      std::fprintf(stderr, "ntk-studio: %s\n", qPrintable(err));
      if (screenshot) return 2;
    }
  }
  // `dynamics-networks`: the dynamics panel training real networks beside the kernel (issue 12).
  const QString panel = parser.value(QStringLiteral("panel"));
  const bool withNetworks = panel == QLatin1String("dynamics-networks");
  if (parser.isSet(QStringLiteral("panel")) && !window.showPanel(withNetworks ? QStringLiteral("dynamics") : panel)) {
    std::fprintf(stderr, "ntk-studio: unknown panel '%s' (panels: %s)\n", qPrintable(panel),
                 qPrintable(window.panelNames().join(QStringLiteral(", "))));
    return 2;
  }
  if (screenshot && panel == QLatin1String("image"))
    for (ntk::gui::AnalysisPanel* p : window.panels())
      if (auto* image = qobject_cast<ntk::gui::ImagePanel*>(p)) image->sweepWhenShown(); // the screenshot shows the sweep
  if (withNetworks)
    for (ntk::gui::AnalysisPanel* p : window.panels())
      if (auto* dynamics = qobject_cast<ntk::gui::DynamicsPanel*>(p)) dynamics->trainRealNetworksAfterBuild();
  if (size) {
    // Over the geometry remembered from the last session (QSettings).
    window.setWindowState(Qt::WindowNoState);
    window.resize(*size);
  }
  window.show();
  if (screenshot) scheduleScreenshot(window, parser.value(QStringLiteral("screenshot")), size);
  return app.exec();
}

} // namespace

int main(int argc, char** argv)
{
  QCoreApplication::setOrganizationName(QStringLiteral("NTK Studio"));
  QCoreApplication::setApplicationName(QStringLiteral("ntk-studio"));
  QCoreApplication::setApplicationVersion(QStringLiteral(NTK_VERSION));

  // First pass, before any application object (which would need a display): help, version, and the
  // checks that need none. A command line Qt's own options make unparseable here (-platform xcb) is
  // parsed again, with those removed, by the application object below.
  QStringList arguments;
  for (int i = 0; i < argc; ++i) arguments << QString::fromLocal8Bit(argv[i]);
  QCommandLineParser parser;
  addOptions(parser);
  const bool parsed = parser.parse(arguments);
  if (parsed && (parser.isSet(QStringLiteral("help")) || parser.isSet(QStringLiteral("help-all")))) {
    printHelp(parser);
    return 0;
  }
  if (parsed && parser.isSet(QStringLiteral("version"))) {
    std::printf("ntk-studio %s\n", NTK_VERSION);
    return 0;
  }
  if (parsed && parser.isSet(QStringLiteral("size"))) {
    QString err;
    if (!parseSize(parser.value(QStringLiteral("size")), &err)) {
      std::fprintf(stderr, "ntk-studio: %s\n", qPrintable(err));
      return 2;
    }
  }

  const bool screenshot = parsed ? parser.isSet(QStringLiteral("screenshot")) : argPresent(argc, argv, "--screenshot");
  const bool demo =
      (parsed ? parser.isSet(QStringLiteral("demo")) : argPresent(argc, argv, "--demo")) || (!hasDisplay() && !screenshot);
  if (demo) return runDemo(argc, argv);
  if (screenshot && !hasDisplay()) {
    std::fprintf(stderr,
                 "ntk-studio: --screenshot needs a display (DISPLAY and WAYLAND_DISPLAY are unset); run it under a "
                 "virtual X server: xvfb-run -a -s '-screen 0 1920x1080x24' ntk-studio --screenshot out.png "
                 "[--panel NAME] [--size 1920x1080]\n");
    return 2;
  }
  return runWindow(argc, argv);
}
