// GUI tests of the spectrum and eigenfunction panels: they compute for the default network (periodic
// grid) and sphere networks (Funk–Hecke), fit a power law, switch NTK/NNGP, show exact zeros of
// bias-free ReLU as zeros, drive the eigenfunction view from a click, pin/clear, export, and keep the
// previous result when a computation is cancelled. Runs under xvfb-run (VTK views need GLX).
#include <QAction>
#include <QComboBox>
#include <QFile>
#include <QLabel>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "widgets/common/CheckedSpinBox.h"
#include "widgets/spectra/EigenfunctionPanel.h"
#include "widgets/common/HeatmapView.h"
#include "widgets/kernel/KernelPanel.h"
#include "widgets/window/MainWindow.h"
#include "widgets/network/NetworkDocument.h"
#include "widgets/common/PlotWidget.h"
#include "widgets/spectra/SpectrumPanel.h"
#include "widgets/spectra/SphereView.h"
#include "GuiTestUtil.h"
#include "core/network/NetworkJson.h"
#include "core/spectra/GridSpectrum.h"
#include "core/util/MatrixIO.h"

using namespace ntk;
using namespace ntk::gui;
using ntktest::distinctColours;
using ntktest::pixelDifference;

namespace {

/// Two-layer ReLU network on the unit sphere of R^d (encoding none); bStd nullopt: bias-free.
Network sphereNetwork(int d, std::optional<double> bStd)
{
  Network n;
  n.inputDim = d;
  n.encoding.kind = EncodingKind::None;
  n.layers.push_back(DenseLayer{512, std::sqrt(2.0), bStd});
  n.layers.push_back(ActivationLayer{Activation(ActivationKind::Relu)});
  n.layers.push_back(DenseLayer{1, 1.0, bStd});
  return n;
}

QString legendText(const PlotWidget* plot)
{
  QStringList names;
  for (const PlotSeries& s : plot->series()) names << s.name;
  names << plot->options().notes;
  return names.join(QLatin1Char('\n'));
}

QImage viewImage(QWidget* view)
{
  if (auto* vtk = qobject_cast<VtkOpenGLWidget*>(view)) return vtk->renderImage();
  return view->grab().toImage();
}

} // namespace

class TestSpectrumPanels : public QObject {
  Q_OBJECT

private:
  SpectrumPanel* spectrum() const { return m_window->findChild<SpectrumPanel*>(QStringLiteral("spectrum")); }
  EigenfunctionPanel* eigen() const { return m_window->findChild<EigenfunctionPanel*>(QStringLiteral("eigenfunctions")); }
  void show(const char* panel)
  {
    QVERIFY(m_window->showPanel(QString::fromLatin1(panel)));
    QVERIFY(m_window->waitUntilIdle(60000));
    QTest::qWait(50);
  }
  void setNetwork(const Network& net)
  {
    QVERIFY(m_window->document()->replace(net, QStringLiteral("test network")));
    QVERIFY(m_window->waitUntilIdle(60000));
  }

private slots:
  void init()
  {
    QSettings().clear();
    m_window = std::make_unique<MainWindow>();
    m_window->resize(1400, 850);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QVERIFY(m_window->waitUntilIdle(60000));
    QVERIFY(spectrum());
    QVERIFY(eigen());
  }
  void cleanup() { m_window.reset(); }

  void registeredAndLazy()
  {
    QVERIFY(m_window->panelNames().contains(QStringLiteral("spectrum")));
    QVERIFY(m_window->panelNames().contains(QStringLiteral("eigenfunctions")));
    // Beside the editor on a small screen (test_main_window's fitsASmallScreen: window ≤ 960 px).
    QVERIFY2(spectrum()->minimumSizeHint().width() <= 500, qPrintable(QString::number(spectrum()->minimumSizeHint().width())));
    QVERIFY2(eigen()->minimumSizeHint().width() <= 500, qPrintable(QString::number(eigen()->minimumSizeHint().width())));
    // Hidden panels do not compute: the kernel tab is shown first.
    QVERIFY(!spectrum()->result().valid());
  }

  void defaultNetworkUsesThePeriodicGridAndFits()
  {
    show("spectrum");
    SpectrumPanel* s = spectrum();
    QVERIFY(s->result().valid());
    QCOMPARE(s->domain(), SpectrumDomain::Grid); // basic encoding, integer frequencies
    QVERIFY(!s->isDomainAvailable(SpectrumDomain::Sphere));
    QCOMPARE(s->result().curve.rows(), 129); // |ν| = 0 … 128 on 256 points
    QVERIFY(s->fit().all.valid);
    const QString legend = legendText(s->plot());
    QVERIFY2(legend.contains(QStringLiteral("p = ")) && legend.contains(QStringLiteral("±")), qPrintable(legend));
    const QImage img = s->plot()->grab().toImage();
    QVERIFY2(distinctColours(img) > 30, "spectrum plot looks blank");
  }

  void sphereNetworkFunkHeckeAndKindSwitch()
  {
    show("spectrum");
    setNetwork(sphereNetwork(3, 0.1));
    SpectrumPanel* s = spectrum();
    QCOMPARE(s->domain(), SpectrumDomain::Sphere);
    QCOMPARE(s->result().curve.rows(), 129); // k = 0 … 128
    QCOMPARE(s->result().curve.multiplicity(5), 11.0); // 2k + 1 on S²
    QVERIFY(s->fit().all.valid || s->fit().even.valid);
    QVERIFY(legendText(s->plot()).contains(QStringLiteral("p = ")));
    const Eigen::VectorXd ntk = s->result().curve.lambda;
    const QImage before = s->plot()->grab().toImage();
    s->setShowNtk(false);
    QVERIFY(m_window->waitUntilIdle(60000));
    QVERIFY(!s->result().ntk);
    const Eigen::VectorXd nngp = s->result().curve.lambda;
    QCOMPARE(nngp.size(), ntk.size());
    QVERIFY(std::abs(nngp(10) - ntk(10)) > 1e-3 * ntk(10));
    QTest::qWait(50);
    const double diff = pixelDifference(before, s->plot()->grab().toImage());
    qInfo("mean pixel difference NTK → NNGP: %.3f", diff);
    QVERIFY(diff > 0.2);
    // Rank mode plots the staircase (more points than rows) and still maps clicks to rows.
    s->setRankMode(true);
    QVERIFY(s->plot()->series().front().x.size() > 2 * 100);
    s->setRankMode(false);
  }

  void biasFreeReluHasExactZerosAtOddDegrees()
  {
    show("spectrum");
    setNetwork(sphereNetwork(2, std::nullopt));
    SpectrumPanel* s = spectrum();
    const SpectrumCurve& c = s->result().curve;
    QVERIFY(c.exactZeros);
    for (int k = 3; k < c.rows(); k += 2) QCOMPARE(c.lambda(k), 0.0);
    for (int k = 0; k < c.rows(); k += 2) QVERIFY(c.lambda(k) > 0.0);
    QVERIFY(c.lambda(1) > 0.0);
    // The zeros are drawn in the strip below the axis (lower than any positive eigenvalue) and labelled.
    QVERIFY(s->plot()->series().front().exactZeros);
    const double yZero = s->plot()->pointPosition(0, 3).y(), yLowest = s->plot()->pointPosition(0, c.rows() - 1).y();
    QVERIFY2(yZero > yLowest, "exact zeros are not below the positive eigenvalues");
    QVERIFY(s->plot()->options().zeroLabel.contains(QStringLiteral("λ = 0")));
    QVERIFY(s->fit().parityDiffers);
    QVERIFY(s->fit().even.valid);
  }

  void clickingAPointDrivesTheEigenfunctionView()
  {
    show("spectrum");
    setNetwork(sphereNetwork(3, 0.1));
    SpectrumPanel* s = spectrum();
    QSignalSpy selected(s, &SpectrumPanel::eigenSelected);
    const QPointF p1 = s->plot()->pointPosition(0, 1);
    QVERIFY(std::isfinite(p1.x()));
    QTest::mouseClick(s->plot(), Qt::LeftButton, {}, p1.toPoint());
    QCOMPARE(selected.count(), 1);
    QCOMPARE(selected.takeFirst().at(0).toInt(), 1);
    show("eigenfunctions");
    EigenfunctionPanel* e = eigen();
    QCOMPARE(e->row(), 1);
    QCOMPARE(e->result().view, EigenfunctionResult::View::Sphere);
    QTest::qWait(100);
    const QImage a = viewImage(e->currentView());
    QVERIFY2(distinctColours(a) > 30, "sphere view looks blank");
    show("spectrum");
    QTest::mouseClick(s->plot(), Qt::LeftButton, {}, s->plot()->pointPosition(0, 4).toPoint());
    show("eigenfunctions");
    QCOMPARE(e->row(), 4);
    e->setIndexInEigenspace(6);
    QVERIFY(m_window->waitUntilIdle(60000));
    QTest::qWait(100);
    const QImage b = viewImage(e->currentView());
    const double diff = pixelDifference(a, b);
    qInfo("mean pixel difference Y_1 → Y_4,6: %.3f", diff);
    QVERIFY(diff > 0.5);
  }

  void clickTellsWhereTheEigenfunctionIsAndDoubleClickOpensIt()
  {
    show("spectrum");
    setNetwork(sphereNetwork(3, 0.1));
    SpectrumPanel* s = spectrum();
    EigenfunctionPanel* e = eigen();
    auto* status = m_window->findChild<QLabel*>(QStringLiteral("statusText"));
    QVERIFY(status);
    const int jobs = e->jobCount();
    QTest::mouseClick(s->plot(), Qt::LeftButton, {}, s->plot()->pointPosition(0, 2).toPoint());
    QVERIFY(m_window->waitUntilIdle(60000));
    QVERIFY2(status->text().contains(QStringLiteral("degree k = 2")) && status->text().contains(QStringLiteral("Eigenfunctions")),
             qPrintable(status->text()));
    QCOMPARE(e->row(), 2);
    QCOMPARE(e->jobCount(), jobs); // hidden: marked stale, not computed
    QCOMPARE(m_window->currentPanel(), static_cast<AnalysisPanel*>(s));
    QSignalSpy requested(s, &SpectrumPanel::eigenfunctionRequested);
    QTest::mouseDClick(s->plot(), Qt::LeftButton, {}, s->plot()->pointPosition(0, 5).toPoint());
    QCOMPARE(requested.count(), 1);
    QCOMPARE(m_window->currentPanel(), static_cast<AnalysisPanel*>(e));
    QVERIFY(m_window->waitUntilIdle(60000));
    QCOMPARE(e->row(), 5);
    QCOMPARE(e->jobCount(), jobs + 1); // computed once, when shown
    QCOMPARE(e->result().view, EigenfunctionResult::View::Sphere);
    QVERIFY(e->result().title.startsWith(QStringLiteral("Y_5,")));
    // The zoom is kept: a double click on a point does not reset the view.
    QVERIFY(!s->plot()->isZoomed());
  }

  void viewMenuKindActsOnTheCurrentTab()
  {
    show("spectrum");
    QAction* nngp = nullptr;
    for (QAction* a : m_window->findChildren<QAction*>())
      if (a->text() == QStringLiteral("Show NN&GP")) nngp = a;
    QVERIFY(nngp);
    const bool kernelNtk = m_window->kernelPanel()->showsNtk();
    nngp->trigger();
    QVERIFY(m_window->waitUntilIdle(60000));
    QVERIFY(!spectrum()->showsNtk());
    QVERIFY(!spectrum()->result().ntk);
    QCOMPARE(m_window->kernelPanel()->showsNtk(), kernelNtk); // another tab's kind is left alone
  }

  void eigenfunctionsOnGridAndPoints()
  {
    show("eigenfunctions"); // the spectrum is computed for it although its tab is hidden
    EigenfunctionPanel* e = eigen();
    QCOMPARE(e->result().view, EigenfunctionResult::View::Curves);
    QCOMPARE(e->currentView(), static_cast<QWidget*>(e->plot()));
    QVERIFY(distinctColours(e->plot()->grab().toImage()) > 10);
    // Random points, d = 1: the Nyström curve with the eigenvector's values at the data points.
    show("spectrum");
    spectrum()->setDomain(SpectrumDomain::Points);
    spectrum()->setDomainSize(300);
    QVERIFY(m_window->waitUntilIdle(60000));
    QCOMPARE(spectrum()->result().curve.rows(), 300);
    spectrum()->selectRow(2);
    show("eigenfunctions");
    QCOMPARE(e->row(), 2);
    QCOMPARE(e->result().view, EigenfunctionResult::View::Curves);
    QCOMPARE(e->result().dataX.size(), 300);
    // 2-D basic encoding: periodic 2-D grid → a heatmap.
    Network net2 = Network::defaultNetwork(1);
    net2.inputDim = 2;
    setNetwork(net2);
    QCOMPARE(spectrum()->domain(), SpectrumDomain::Points); // the user's choice stays while it applies
    QVERIFY(spectrum()->isDomainAvailable(SpectrumDomain::Grid));
    spectrum()->setDomain(SpectrumDomain::Grid);
    QVERIFY(m_window->waitUntilIdle(60000));
    QCOMPARE(spectrum()->result().domain, SpectrumDomain::Grid);
    QCOMPARE(e->result().view, EigenfunctionResult::View::Heatmap);
    QCOMPARE(e->result().matrix.rows(), 64);
    // Row k of the table and index j in its eigenspace are what `ntk-cli spectrum --eigenfunction k` writes.
    const GridSpectrum g = periodicGridSpectrum(net2, spectrum()->showsNtk() ? KernelKind::Ntk : KernelKind::Nngp, 64);
    for (const auto& [k, j] : {std::pair{3, 1}, std::pair{5, 0}}) {
      const Eigen::MatrixXd basis = gridEigenspace(g, k);
      QVERIFY(basis.cols() > j);
      e->setRow(k);
      e->setIndexInEigenspace(j);
      QVERIFY(m_window->waitUntilIdle(60000));
      const Eigen::MatrixXd& shown = e->result().matrix;
      QCOMPARE(shown.rows(), Eigen::Index(64));
      double err = 0.0;
      for (int r = 0; r < 64; ++r)
        for (int c = 0; c < 64; ++c) err = std::max(err, std::abs(shown(r, c) - basis(r * 64 + c, j)));
      QVERIFY2(err < 1e-12, qPrintable(QStringLiteral("k = %1, j = %2: %3").arg(k).arg(j).arg(err)));
    }
  }

  void pinAndClear()
  {
    show("spectrum");
    SpectrumPanel* s = spectrum();
    const size_t before = s->plot()->series().size();
    s->pinCurrent();
    QCOMPARE(s->pinCount(), 1);
    QVERIFY(s->plot()->series().size() > before);
    QVERIFY(legendText(s->plot()).contains(QStringLiteral("pin 1")));
    // Pin from a file: computed in the background.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("net.json"));
    Network other = Network::defaultNetwork(1);
    std::get<DenseLayer>(other.layers[0]).wStd = 0.5;
    saveNetwork(other, path.toStdString());
    QVERIFY(s->pinNetworkFile(path));
    QVERIFY(m_window->waitUntilIdle(60000));
    QCOMPARE(s->pinCount(), 2);
    QVERIFY(legendText(s->plot()).contains(QStringLiteral("net.json")));
    s->clearPins();
    QCOMPARE(s->pinCount(), 0);
    QCOMPARE(s->plot()->series().size(), before);
  }

  void exports()
  {
    show("spectrum");
    QTemporaryDir dir;
    QString err;
    SpectrumPanel* s = spectrum();
    for (const char* name : {"s.png", "s.svg", "s.csv"}) {
      const QString path = dir.filePath(QString::fromLatin1(name));
      QVERIFY2(s->exportView(path, &err), qPrintable(err));
      QVERIFY(QFileInfo(path).size() > 100);
    }
    const Eigen::MatrixXd table = readMatrix(dir.filePath(QStringLiteral("s.csv")).toStdString());
    QCOMPARE(table.rows(), Eigen::Index(s->result().curve.rows()));
    QCOMPARE(table.cols(), Eigen::Index(3));
    QImage png(dir.filePath(QStringLiteral("s.png")));
    QVERIFY(distinctColours(png) > 20);
    show("eigenfunctions");
    for (const char* name : {"e.png", "e.svg", "e.csv"}) {
      const QString path = dir.filePath(QString::fromLatin1(name));
      QVERIFY2(eigen()->exportView(path, &err), qPrintable(err));
      QVERIFY(QFileInfo(path).size() > 100);
    }
    // The sphere figure (QPainter twin of the VTK view).
    show("spectrum");
    setNetwork(sphereNetwork(3, 0.1));
    show("eigenfunctions");
    const QString sphere = dir.filePath(QStringLiteral("sphere.png"));
    QVERIFY2(eigen()->exportView(sphere, &err), qPrintable(err));
    QVERIFY(distinctColours(QImage(sphere)) > 50);
    // To look at the exported figures: NTK_TEST_EXPORT_DIR=/some/dir.
    const QString keep = qEnvironmentVariable("NTK_TEST_EXPORT_DIR");
    if (!keep.isEmpty())
      for (const QString& f : QDir(dir.path()).entryList(QDir::Files)) QFile::copy(dir.filePath(f), QDir(keep).filePath(f));
  }

  void fitRangeIsRefusedNotBent()
  {
    show("spectrum");
    SpectrumPanel* s = spectrum();
    QVERIFY(m_window->waitUntilIdle(60000));
    auto* fitMin = s->findChild<CheckedSpinBox*>(QStringLiteral("fitMin"));
    auto* fitMax = s->findChild<CheckedSpinBox*>(QStringLiteral("fitMax"));
    QVERIFY(fitMin && fitMax);
    const double p = s->fit().all.exponent;
    QCOMPARE(s->fit().kmin, 4);
    fitMin->setValue(100); // above k max = 64: an empty range, refused (it was bent before)
    QCOMPARE(fitMin->value(), 100);
    QVERIFY(fitMin->isRefused());
    QVERIFY(fitMin->refusal().contains(QStringLiteral("empty")));
    QCOMPARE(s->fit().all.exponent, p); // the fit still uses 4 – 64
    QCOMPARE(s->fit().kmin, 4);
    fitMin->setValue(0);
    QVERIFY(fitMin->isRefused());
    s->setFitRange(8, 32); // both ends at once
    QVERIFY(!fitMin->isRefused());
    QCOMPARE(fitMin->acceptedValue(), 8);
    QCOMPARE(fitMax->acceptedValue(), 32);
    QCOMPARE(s->fit().kmin, 8);
  }

  void sizesAreRefusedNotBent()
  {
    show("spectrum");
    SpectrumPanel* s = spectrum();
    s->setDomain(SpectrumDomain::Points);
    QVERIFY(m_window->waitUntilIdle(60000));
    const int generation = s->result().generation;
    const int rows = s->result().curve.rows();
    CheckedSpinBox* box = nullptr;
    for (CheckedSpinBox* b : s->findChildren<CheckedSpinBox*>())
      if (b->isVisible() && !b->objectName().startsWith(QStringLiteral("fit"))) box = b; // the domain's size box
    QVERIFY(box);
    QSignalSpy status(s, &AnalysisPanel::statusMessage);
    s->setDomainSize(100000); // was bent to the maximum silently
    QVERIFY(box->isRefused());
    QCOMPARE(box->value(), 100000);
    QVERIFY(!status.isEmpty());
    const QString message = status.last().first().toString();
    QVERIFY2(message.contains(QStringLiteral("100000")) && message.contains(QStringLiteral("GB")) && message.contains(QStringLiteral("6000")),
             qPrintable(message));
    QTest::qWait(100);
    QVERIFY(!s->isBusy());
    QCOMPARE(s->result().generation, generation); // nothing recomputed
    // Another setting changes: still nothing is computed from the refused size.
    s->setShowNtk(!s->showsNtk());
    QVERIFY(m_window->waitUntilIdle(60000));
    QCOMPARE(s->result().generation, generation);
    QCOMPARE(s->result().curve.rows(), rows);
    s->setDomainSize(200);
    QVERIFY(!box->isRefused());
    QVERIFY(m_window->waitUntilIdle(60000));
    QCOMPARE(s->result().curve.rows(), 200);
  }

  void axisModeAndFitNameWhatIsPlotted()
  {
    show("spectrum");
    SpectrumPanel* s = spectrum();
    QComboBox* mode = nullptr;
    for (QComboBox* c : s->findChildren<QComboBox*>())
      if (c->count() == 2 && c->itemText(1).contains(QStringLiteral("counting multiplicity"))) mode = c;
    QVERIFY(mode);
    // 1-D periodic grid: frequency k everywhere.
    QCOMPARE(s->domain(), SpectrumDomain::Grid);
    QVERIFY2(s->plot()->options().xTitle.contains(QStringLiteral("frequency k")), qPrintable(s->plot()->options().xTitle));
    QCOMPARE(mode->itemText(0), QStringLiteral("by frequency k"));
    QVERIFY2(legendText(s->plot()).contains(QStringLiteral("fit k ∈")) || legendText(s->plot()).contains(QStringLiteral("fit, even k")),
             qPrintable(legendText(s->plot())));
    // Gram eigenvalues: rank i on the axis, in the mode box and in the fit.
    s->setDomain(SpectrumDomain::Points);
    QVERIFY(m_window->waitUntilIdle(60000));
    QCOMPARE(s->plot()->options().xTitle, QStringLiteral("rank i"));
    QCOMPARE(mode->itemText(0), QStringLiteral("by rank i"));
    QVERIFY2(legendText(s->plot()).contains(QStringLiteral("fit i ∈")) || legendText(s->plot()).contains(QStringLiteral("fit, even i")),
             qPrintable(legendText(s->plot())));
    QVERIFY(!legendText(s->plot()).contains(QStringLiteral("degree")));
  }

  void pinsSayTheirDomain()
  {
    show("spectrum");
    SpectrumPanel* s = spectrum();
    s->pinCurrent();
    QVERIFY2(legendText(s->plot()).contains(QStringLiteral("pin 1 (FFT grid n = 256)")), qPrintable(legendText(s->plot())));
    // On another domain the pin keeps its own name, and says what its x is.
    s->setDomain(SpectrumDomain::Points);
    QVERIFY(m_window->waitUntilIdle(60000));
    QVERIFY2(legendText(s->plot()).contains(QStringLiteral("pin 1 (FFT grid n = 256, x = frequency k = |ν|)")), qPrintable(legendText(s->plot())));
  }

  void cancellationKeepsThePreviousResult()
  {
    show("spectrum");
    SpectrumPanel* s = spectrum();
    const SpectrumResult before = s->result();
    QVERIFY(before.valid());
    s->setDomain(SpectrumDomain::Points);
    s->setDomainSize(3000); // seconds of work: cancelled while it runs
    QTRY_VERIFY_WITH_TIMEOUT(s->isBusy(), 2000);
    QTest::qWait(30);
    s->cancel();
    QVERIFY(m_window->waitUntilIdle(60000));
    QCOMPARE(s->result().generation, before.generation);
    QCOMPARE(s->result().domain, SpectrumDomain::Grid);
    QCOMPARE((s->result().curve.rawLambda - before.curve.rawLambda).norm(), 0.0);
  }

private:
  std::unique_ptr<MainWindow> m_window;
};

QTEST_MAIN(TestSpectrumPanels)
#include "test_spectrum_panels.moc"
