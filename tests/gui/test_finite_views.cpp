// GUI tests of issue 12's views (finite networks against their limit): the dynamics playground's
// "Train real networks" row (training starts, progresses while the event loop keeps running, draws the
// ensemble means and the linearised models, stops on Cancel without hanging, trains exactly the widths
// typed, refuses a bad width list with its reason), the theory readouts line, and the Regimes and Width
// tabs (each renders a non-blank figure for the widths chosen; the width sweep is cancellable; exports
// write files). Runs under xvfb-run like the others.
#include <QElapsedTimer>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QSettings>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

#include "GuiTestUtil.h"
#include "core/util/MatrixIO.h"
#include "widgets/dynamics/DynamicsPanel.h"
#include "widgets/dynamics/RegressionPlayground.h"
#include "widgets/finite/FiniteNetworksBar.h"
#include "widgets/finite/FiniteTrainingController.h"
#include "widgets/finite/RegimesPanel.h"
#include "widgets/finite/WidthPanel.h"
#include "widgets/network/NetworkDocument.h"

using namespace ntk;
using namespace ntk::gui;

namespace {

/// A figure is drawn: many colours, not a blank or a message box.
bool nonBlank(QWidget* w) { return ntktest::distinctColours(w->grab().toImage(), 2) > 20; }

std::vector<int> runWidths(const std::vector<TrainingRun>& runs)
{
  std::vector<int> w;
  for (const TrainingRun& r : runs)
    if (w.empty() || w.back() != r.width) w.push_back(r.width);
  return w;
}

/// Spins the event loop until `done()` or the timeout; returns done().
template <class F>
bool spinUntil(F done, int timeoutMs)
{
  QDeadlineTimer deadline(timeoutMs);
  while (!done() && !deadline.hasExpired()) QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
  return done();
}

} // namespace

class TestFiniteViews : public QObject {
  Q_OBJECT

private slots:
  void init()
  {
    QSettings().clear();
    m_doc = std::make_unique<NetworkDocument>();
  }
  void cleanup() { m_doc.reset(); }

  void realNetworksTrainTheWidthsTypedAndDrawWhileTraining()
  {
    DynamicsPanel panel(m_doc.get());
    panel.resize(1400, 800);
    panel.show();
    QVERIFY(panel.computeNow());
    FiniteNetworksBar* bar = panel.finiteBar();
    bar->setOn(true);
    bar->setWidths({8, 64});
    bar->setSeeds(2);
    bar->setSteps(400);
    panel.setTime(panel.build().maxStableRate * 0.5 * 400); // s = t/η = the last step
    // The GUI thread keeps running while the networks train (one core is left to it): a 10 ms timer ticks
    // at least every 500 ms (the bound allows for a shared, noisy 2-core machine).
    QElapsedTimer clock;
    clock.start();
    qint64 last = 0, worstGap = 0;
    QTimer ticker;
    ticker.setInterval(10);
    connect(&ticker, &QTimer::timeout, [&] {
      worstGap = std::max(worstGap, clock.elapsed() - last);
      last = clock.elapsed();
    });
    ticker.start();
    QSignalSpy finished(panel.finiteTraining(), &FiniteTrainingController::finished);
    panel.startFiniteTraining();
    QVERIFY(panel.finiteTraining()->isRunning());
    QVERIFY(finished.wait(120000)); // after every snapshot it posted
    ticker.stop();
    qInfo("longest gap between 10 ms GUI timer ticks while training: %lld ms", worstGap);
    QVERIFY2(worstGap < 500, qPrintable(QStringLiteral("GUI blocked for %1 ms").arg(worstGap)));
    QVERIFY2(panel.finiteTraining()->failure().isEmpty(), qPrintable(panel.finiteTraining()->failure()));
    QCOMPARE(runWidths(panel.finiteTraining()->runs()), (std::vector<int>{8, 64}));
    QCOMPARE(panel.finiteTraining()->latestStep(), 400LL);
    // Each run is trained with the panel's η and the network's own parameterisation (nothing changed silently).
    QCOMPARE(panel.finiteTraining()->settings().learningRate, panel.build().maxStableRate * 0.5);
    QCOMPARE(panel.finiteTraining()->network().parameterization, m_doc->networkFor(panel.objectName()).parameterization);
    // Drawn: per width the ensemble mean and the linearised mean, named in the legend.
    const RegressionPlotData& d = panel.playground()->data();
    QStringList names;
    for (const RegressionCurve& c : d.curves)
      if (!c.name.isEmpty()) names << c.name;
    // A linearised model is exactly linear: past 2/λ_max of its own Θ_0 (a narrow network's can be twice the
    // analytic one) it diverges — then the warning names the width and its curve is gone.
    const QString all = names.join(QStringLiteral(" | ")) + QStringLiteral(" / ") + d.warning;
    QVERIFY2(names.size() == 2 && names[0].startsWith(QStringLiteral("n = 8: mean of 2")) &&
                 names[1].startsWith(QStringLiteral("n = 64: mean of 2")), qPrintable(all));
    for (int i : {0, 1})
      QVERIFY2(names[i].endsWith(QStringLiteral("dashed: linearised")) ||
                   d.warning.contains(QStringLiteral("%1 (step").arg(i == 0 ? 8 : 64)),
               qPrintable(all));
    QVERIFY(d.title.contains(QStringLiteral("s = 400")) && d.title.contains(QStringLiteral("n = 8, 64")));
    QVERIFY(bar->statusText().contains(QStringLiteral("n = 8, 64")));
    QVERIFY(nonBlank(panel.playground()));
    // The CSV export: x, target, mean, variance, then per width the ensemble and the linearised mean.
    QTemporaryDir dir;
    QString error;
    QVERIFY2(panel.exportView(dir.filePath(QStringLiteral("finite.csv")), &error), qPrintable(error));
    Eigen::MatrixXd csv;
    try {
      csv = readMatrix(dir.filePath(QStringLiteral("finite.csv")).toStdString());
    } catch (const std::exception& e) {
      QFAIL(e.what());
    }
    const QStringList columns = panel.lastExportSummary().section(QStringLiteral("columns: "), 1).chopped(1).split(QStringLiteral(", "));
    QCOMPARE(csv.cols(), Eigen::Index(columns.size()));
    const Eigen::Index at = columns.indexOf(QStringLiteral("n=64 mean"));
    QVERIFY2(at >= 4, qPrintable(panel.lastExportSummary()));
    const EnsembleStatistics e = ensembleAt(panel.finiteTraining()->runs(), 64, 400);
    QVERIFY((csv.col(at) - e.mean).cwiseAbs().maxCoeff() < 1e-12 * (1.0 + e.mean.cwiseAbs().maxCoeff()));
  }

  void cancelStopsTheTrainingWithoutHanging()
  {
    DynamicsPanel panel(m_doc.get());
    panel.resize(1400, 800);
    panel.show();
    QVERIFY(panel.computeNow());
    panel.finiteBar()->setOn(true);
    panel.finiteBar()->setWidths({256});
    panel.finiteBar()->setSeeds(2);
    panel.finiteBar()->setSteps(100000);
    panel.setPlaying(true); // Play trains them live
    QVERIFY(panel.finiteTraining()->isRunning());
    QVERIFY(spinUntil([&] { return panel.finiteTraining()->latestStep() > 0; }, 60000)); // it progresses
    QSignalSpy finished(panel.finiteTraining(), &FiniteTrainingController::finished);
    QElapsedTimer clock;
    clock.start();
    panel.cancel();
    QVERIFY(clock.elapsed() < 100); // Cancel itself does not wait
    QVERIFY(finished.wait(10000));
    qInfo("Cancel took %lld ms to stop the training", clock.elapsed());
    QVERIFY(panel.finiteTraining()->wasCancelled());
    QVERIFY(panel.finiteTraining()->latestStep() < 100000);
    QVERIFY(!panel.isBusy());
    QVERIFY(panel.finiteBar()->statusText().contains(QStringLiteral("stopped at step")));
  }

  void badWidthListIsRefusedWithItsReason()
  {
    DynamicsPanel panel(m_doc.get());
    panel.show();
    QVERIFY(panel.computeNow());
    panel.finiteBar()->setOn(true);
    panel.finiteBar()->setWidths({});
    panel.startFiniteTraining();
    QVERIFY(!panel.finiteTraining()->isRunning());
    QVERIFY(panel.finiteBar()->statusText().contains(QStringLiteral("Refused")));
    QString error;
    QVERIFY(parseWidthList(QStringLiteral("16, 0"), 8192, &error).empty());
    QVERIFY(error.contains(QStringLiteral("'0'")));
    QCOMPARE(parseWidthList(QStringLiteral("1024 16,128"), 8192, nullptr), (std::vector<int>{16, 128, 1024}));
  }

  void theoryReadoutsAreShown()
  {
    DynamicsPanel panel(m_doc.get());
    panel.show();
    QVERIFY(panel.computeNow());
    const KernelTheoryReadouts& r = panel.build().theory;
    QVERIFY(panel.build().hasTheory);
    QVERIFY(r.lambdaMin > 0.0 && r.lambdaMin <= r.lambdaMax);
    // The bound uses the same H as the info line's λ_max.
    QVERIFY(std::abs(r.lambdaMax - panel.build().lambdaMax) <= 1e-9 * panel.build().lambdaMax);
    QVERIFY(r.complexity < r.shuffledComplexity); // a smooth target is simpler than its shuffle
    QVERIFY(panel.theoryText().contains(QStringLiteral("complexity")));
  }

  void regimesViewRendersTheWidthsChosen()
  {
    RegimesPanel panel(m_doc.get());
    panel.setObjectName(QStringLiteral("regimes"));
    panel.resize(1400, 800);
    panel.show();
    panel.setSeeds(1);
    panel.setSteps(40);
    panel.setWidths({8, 32});
    QString error;
    QVERIFY2(panel.computeNow(&error), qPrintable(error));
    QCOMPARE(runWidths(panel.result().ntk), (std::vector<int>{8, 32}));
    QCOMPARE(runWidths(panel.result().standard), (std::vector<int>{8, 32}));
    QVERIFY(nonBlank(panel.figureWidget()));
    QVERIFY(panel.infoText().contains(QStringLiteral("λ_max")));
    // Far past 2/λ_max the runs diverge (just past it a finite ReLU network may still catapult back and
    // converge): a marker and the text say so, and nothing is NaN.
    panel.setEtaFraction(20.0);
    QVERIFY(panel.computeNow(&error));
    QVERIFY2(panel.infoText().contains(QStringLiteral("Diverged")), qPrintable(panel.infoText()));
    for (const TrainingRun& r : panel.result().ntk)
      for (const TrainingRecord& rec : r.records) QVERIFY(std::isfinite(rec.kernelDistance) && std::isfinite(rec.loss));
    QTemporaryDir dir;
    for (const char* file : {"regimes.png", "regimes.svg", "regimes.csv"})
      QVERIFY2(panel.exportView(dir.filePath(QLatin1String(file)), &error), qPrintable(error));
  }

  void widthViewRendersAndCancels()
  {
    WidthPanel panel(m_doc.get());
    panel.setObjectName(QStringLiteral("width"));
    panel.resize(1400, 800);
    panel.show();
    panel.setWidthRange(3, 6);
    panel.setSeeds(2);
    panel.setPoints(16);
    QString error;
    QVERIFY2(panel.computeNow(&error), qPrintable(error));
    QCOMPARE(panel.result().rows.size(), size_t(4));
    QCOMPARE(panel.result().rows.front().width, 8);
    QCOMPARE(panel.result().rows.back().width, 64);
    QVERIFY(nonBlank(panel.figureWidget()));
    QTemporaryDir dir;
    QVERIFY2(panel.exportView(dir.filePath(QStringLiteral("width.csv")), &error), qPrintable(error));
    // A long sweep off the GUI thread: Cancel stops it and the previous result stays.
    panel.setWidthRange(4, 11);
    panel.setSeeds(64);
    panel.setPoints(128);
    panel.scheduleRecompute();
    QVERIFY(spinUntil([&] { return panel.isBusy(); }, 1000));
    QTest::qWait(100);
    panel.cancel();
    QVERIFY(ntktest::waitIdle(&panel, 15000));
    QCOMPARE(panel.result().rows.back().width, 64);
    // A range with one width is refused with the reason.
    panel.setWidthRange(5, 5);
    QVERIFY(!panel.computeNow(&error));
    QVERIFY(error.contains(QStringLiteral("below")));
  }

private:
  std::unique_ptr<NetworkDocument> m_doc;
};

QTEST_MAIN(TestFiniteViews)
#include "test_finite_views.moc"
