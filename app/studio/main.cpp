// ntk-studio — the GUI. With a display: the window. Without one (or with --demo DIR): the headless
// demo, which writes figures and a report. `--screenshot out.png [--network NET.json] [--panel NAME]`
// renders the window once the views are computed, saves it and exits (tests, README).
#include <cstdio>
#include <cstdlib>

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QGuiApplication>
#include <QIcon>
#include <QTimer>

#include "HeadlessDemo.h"
#include "widgets/window/MainWindow.h"
#include "widgets/common/VtkOpenGLWidget.h"

namespace {

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

} // namespace

int main(int argc, char** argv)
{
  QCoreApplication::setOrganizationName(QStringLiteral("NTK Studio"));
  QCoreApplication::setApplicationName(QStringLiteral("ntk-studio"));
  QCoreApplication::setApplicationVersion(QStringLiteral("0.1.0"));

  const bool demo = argPresent(argc, argv, "--demo") || (!hasDisplay() && !argPresent(argc, argv, "--screenshot") &&
                                                         !argPresent(argc, argv, "--help") && !argPresent(argc, argv, "-h"));
  if (demo) {
    // No OpenGL in the demo: QPainter figures under the offscreen platform.
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QGuiApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("NTK Studio headless demo"));
    parser.addHelpOption();
    QCommandLineOption demoOpt(QStringLiteral("demo"), QStringLiteral("Write the demo figures and report to DIR."),
                               QStringLiteral("DIR"), QStringLiteral("ntk-demo-output"));
    parser.addOption(demoOpt);
    parser.process(app);
    const QString out = parser.isSet(demoOpt) ? parser.value(demoOpt) : QStringLiteral("ntk-demo-output");
    if (!hasDisplay()) std::printf("No display found: running the headless demo instead of the window.\n");
    return ntk::app::runHeadlessDemo(out);
  }

  // Debian's VTK uses GLX-only GLEW: force the xcb platform unless the user chose one.
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "xcb");
  ntk::gui::VtkOpenGLWidget::setDefaultSurfaceFormat();
  QApplication app(argc, argv);
  QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/ntk-studio.svg")));
  QCommandLineParser parser;
  parser.setApplicationDescription(QStringLiteral("NTK Studio — build networks, see their NNGP and NTK."));
  parser.addHelpOption();
  parser.addVersionOption();
  QCommandLineOption screenshot(QStringLiteral("screenshot"), QStringLiteral("Render the window to FILE (PNG) and exit."),
                                QStringLiteral("FILE"));
  QCommandLineOption network(QStringLiteral("network"), QStringLiteral("Open the network JSON FILE."), QStringLiteral("FILE"));
  QCommandLineOption panel(QStringLiteral("panel"), QStringLiteral("Show panel NAME (kernel)."), QStringLiteral("NAME"));
  QCommandLineOption demoOpt(QStringLiteral("demo"), QStringLiteral("Write the headless demo to DIR and exit."), QStringLiteral("DIR"));
  parser.addOptions({screenshot, network, panel, demoOpt});
  parser.process(app);

  ntk::gui::MainWindow window;
  if (parser.isSet(network)) {
    QString err;
    if (!window.openNetwork(parser.value(network), &err, parser.isSet(screenshot))) {
      std::fprintf(stderr, "ntk-studio: %s\n", qPrintable(err));
      if (parser.isSet(screenshot)) return 2;
    }
  }
  if (parser.isSet(panel) && !window.showPanel(parser.value(panel))) {
    std::fprintf(stderr, "ntk-studio: unknown panel '%s' (panels: %s)\n", qPrintable(parser.value(panel)),
                 qPrintable(window.panelNames().join(QStringLiteral(", "))));
    return 2;
  }
  window.show();
  if (parser.isSet(screenshot)) {
    const QString path = parser.value(screenshot);
    QTimer::singleShot(0, &window, [&window, path] {
      if (!window.waitUntilIdle(60000)) std::fprintf(stderr, "ntk-studio: views still computing after 60 s\n");
      // Let the views render their last frame before grabbing.
      for (int i = 0; i < 5; ++i) QApplication::processEvents(QEventLoop::AllEvents, 20);
      const QImage img = window.grab().toImage();
      if (img.isNull() || !img.save(path)) {
        std::fprintf(stderr, "ntk-studio: could not write %s\n", qPrintable(path));
        QCoreApplication::exit(2);
        return;
      }
      std::printf("ntk-studio: wrote %s (%dx%d)\n", qPrintable(path), img.width(), img.height());
      QCoreApplication::exit(0);
    });
  }
  return app.exec();
}
