// GUI test: the window at 1024×700 and 1920×1080 with the kernel, spectrum, eigenfunctions, dynamics and topopt
// panels shown; each is grabbed into a PNG in the build folder (screenshots/<panel>-<w>x<h>.png, to
// look at) and checked: not blank, the kernel heatmap uses its space (the image spans most of the
// view's height or width instead of sitting small between empty bands), the Play button of the
// time sliders has an icon rather than a glyph Debian's fonts lack.
#include <QDir>
#include <QPushButton>
#include <QSettings>
#include <QtTest>

#include "widgets/common/HeatmapView.h"
#include "widgets/common/LogTimeSlider.h"
#include "widgets/kernel/KernelPanel.h"
#include "widgets/network/NetworkDocument.h"
#include "widgets/spectra/SpectrumPanel.h"
#include "widgets/window/MainWindow.h"
#include "GuiTestUtil.h"

using namespace ntk;
using namespace ntk::gui;

namespace {

/// Fraction of the view's extent along one axis that the image covers (probing cellAt).
double imageSpan(const HeatmapView* view, bool vertical)
{
  const int length = vertical ? view->height() : view->width();
  int first = -1, last = -1;
  for (int i = 0; i < length; ++i) {
    const QPointF at = vertical ? QPointF(view->width() * 0.45, i) : QPointF(i, view->height() * 0.5);
    if (view->cellAt(at).first >= 0) {
      if (first < 0) first = i;
      last = i;
    }
  }
  return first < 0 ? 0.0 : double(last - first + 1) / length;
}

} // namespace

class TestLayoutScreenshots : public QObject {
  Q_OBJECT

private slots:
  void panelsAtWindowSizes_data()
  {
    QTest::addColumn<QSize>("window");
    QTest::newRow("1024x700") << QSize(1024, 700);
    QTest::newRow("1920x1080") << QSize(1920, 1080);
  }
  void panelsAtWindowSizes()
  {
    QFETCH(QSize, window);
    QSettings().clear();
    MainWindow w;
    w.resize(window);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QVERIFY(w.waitUntilIdle(90000));
    const QString dir = QStringLiteral(NTK_SCREENSHOT_DIR);
    QVERIFY(QDir().mkpath(dir));
    for (const char* name : {"kernel", "spectrum", "eigenfunctions", "dynamics", "topopt"}) {
      QVERIFY(w.showPanel(QString::fromLatin1(name)));
      QVERIFY(w.waitUntilIdle(90000));
      for (int i = 0; i < 5; ++i) QTest::qWait(40);
      const QImage shot = w.grab().toImage();
      const QString path = QStringLiteral("%1/%2-%3x%4.png").arg(dir, QString::fromLatin1(name)).arg(window.width()).arg(window.height());
      QVERIFY2(shot.save(path), qPrintable(path));
      QVERIFY2(ntktest::distinctColours(shot) > 50, qPrintable(path + QStringLiteral(" looks blank")));
    }

    // The heatmap fills its view in one direction (square cells, colour bar beside).
    const HeatmapView* heatmap = w.kernelPanel()->heatmap();
    QVERIFY(w.showPanel(QStringLiteral("kernel")));
    QTest::qWait(100);
    const double vertical = imageSpan(heatmap, true), horizontal = imageSpan(heatmap, false);
    QVERIFY2(std::max(vertical, horizontal) > 0.6,
             qPrintable(QStringLiteral("heatmap image spans %1 of the height, %2 of the width of a %3×%4 view")
                            .arg(vertical)
                            .arg(horizontal)
                            .arg(heatmap->width())
                            .arg(heatmap->height())));

    // σ = 0: a constant kernel; its colour bar has one label (look at kernel-constant-*.png).
    Network constant = Network::defaultNetwork(1);
    constant.encoding.kind = EncodingKind::Gaussian;
    constant.encoding.sigma = 0.0;
    constant.encoding.features = 64;
    QVERIFY(w.document()->replace(constant, QStringLiteral("sigma 0")));
    QVERIFY(w.waitUntilIdle(90000));
    for (int i = 0; i < 5; ++i) QTest::qWait(40);
    QVERIFY(w.grab().toImage().save(QStringLiteral("%1/kernel-constant-%2x%3.png").arg(dir).arg(window.width()).arg(window.height())));
    // Pins from another domain, on the Gram domain (look at spectrum-pins-*.png).
    QVERIFY(w.document()->replace(Network::defaultNetwork(1), QStringLiteral("default")));
    QVERIFY(w.showPanel(QStringLiteral("spectrum")));
    QVERIFY(w.waitUntilIdle(90000));
    auto* spectrum = w.findChild<SpectrumPanel*>(QStringLiteral("spectrum"));
    spectrum->pinCurrent();
    spectrum->setDomain(SpectrumDomain::Points);
    QVERIFY(w.waitUntilIdle(90000));
    spectrum->pinCurrent();
    for (int i = 0; i < 5; ++i) QTest::qWait(40);
    QVERIFY(w.grab().toImage().save(QStringLiteral("%1/spectrum-pins-%2x%3.png").arg(dir).arg(window.width()).arg(window.height())));

    // Glyph buttons are icons now.
    for (const LogTimeSlider* slider : w.findChildren<LogTimeSlider*>()) {
      QVERIFY(!slider->playButton()->icon().isNull());
      QVERIFY(!slider->playButton()->text().contains(QChar(0x25B6)));
    }
  }
};

QTEST_MAIN(TestLayoutScreenshots)
#include "test_layout_screenshots.moc"
